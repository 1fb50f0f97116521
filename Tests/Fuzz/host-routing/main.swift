import FuzzSupport

fuzz(fuzzRouting)
