import FuzzSupport

fuzz(fuzzDocker)
