import FuzzSupport

fuzz { _ in }
