import FuzzSupport

fuzz(fuzzConfig)
