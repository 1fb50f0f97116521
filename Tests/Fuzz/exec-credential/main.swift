import FuzzSupport

fuzz(fuzzExecCredential)
