#if canImport(Glibc)
import Glibc
#endif
import CKernel
import HelperApp

// First, before any secret is in memory: no core dump, not dumpable, and a crash ends
// the process without the runtime's backtracer printing registers and memory.
_ = ech_harden_process()
signal(SIGPIPE, SIG_IGN)
// Every answer has been written with write(2) by now, so nothing is left in a buffer:
// _exit skips the exit handlers, which only free memory the process is about to lose
// (OpenSSL's clean-up alone is about 3 ms after a refresh).
_exit(App.run(arguments: CommandLine.arguments))
