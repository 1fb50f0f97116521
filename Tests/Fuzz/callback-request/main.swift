import FuzzSupport

fuzz(fuzzCallback)
