import FuzzSupport

fuzz(fuzzGit)
