import FuzzSupport

fuzz(fuzzJSON)
