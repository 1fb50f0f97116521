// Declarations only (include/fuzz_driver.h); SwiftPM needs one source file.
