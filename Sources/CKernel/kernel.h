// Non-variadic wrappers for the kernel calls Swift cannot reach directly: syscall(2)
// is variadic, and glibc has no wrappers for the key management calls (keyutils'
// libkeyutils is not needed for these four operations). Also: the clock's sync state.
#pragma once
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

typedef int32_t ech_key_serial;

#define ECH_KEY_SPEC_USER_KEYRING (-4)
#define ECH_KEYCTL_UPDATE 2
#define ECH_KEYCTL_DESCRIBE 6
#define ECH_KEYCTL_UNLINK 9
#define ECH_KEYCTL_SEARCH 10
#define ECH_KEYCTL_READ 11
#define ECH_KEYCTL_SET_TIMEOUT 15
#define ECH_KEYCTL_INVALIDATE 21

/// add_key(2) of a "user" key into the user keyring; returns the serial or -1 (errno).
static inline ech_key_serial ech_add_user_key(const char *description, const void *payload, size_t length) {
    return (ech_key_serial)syscall(SYS_add_key, "user", description, payload, length, ECH_KEY_SPEC_USER_KEYRING);
}

/// keyctl(KEYCTL_UPDATE): replaces the payload; the quota follows at once (an
/// invalidated key's bytes count until the kernel's garbage collector runs).
static inline long ech_update_key(ech_key_serial key, const void *payload, size_t length) {
    return syscall(SYS_keyctl, ECH_KEYCTL_UPDATE, key, payload, length);
}

/// keyctl(KEYCTL_SEARCH) for a "user" key in the user keyring; the serial or -1 (errno).
static inline ech_key_serial ech_search_user_key(const char *description) {
    return (ech_key_serial)syscall(SYS_keyctl, ECH_KEYCTL_SEARCH, ECH_KEY_SPEC_USER_KEYRING, "user", description, 0);
}

/// keyctl(KEYCTL_READ): the payload length (may exceed `length`) or -1 (errno).
static inline long ech_read_key(ech_key_serial key, void *buffer, size_t length) {
    return syscall(SYS_keyctl, ECH_KEYCTL_READ, key, buffer, length);
}

/// keyctl(KEYCTL_DESCRIBE): "type;uid;gid;perm;description".
static inline long ech_describe_key(ech_key_serial key, char *buffer, size_t length) {
    return syscall(SYS_keyctl, ECH_KEYCTL_DESCRIBE, key, buffer, length);
}

static inline long ech_set_key_timeout(ech_key_serial key, unsigned int seconds) {
    return syscall(SYS_keyctl, ECH_KEYCTL_SET_TIMEOUT, key, seconds);
}

/// Invalidates the key at once (it disappears from every keyring).
static inline long ech_invalidate_key(ech_key_serial key) {
    return syscall(SYS_keyctl, ECH_KEYCTL_INVALIDATE, key);
}

/// The user keyring's own serial (for listing it with ech_read_key).
static inline ech_key_serial ech_user_keyring(void) { return ECH_KEY_SPEC_USER_KEYRING; }

#include <sys/timex.h>

/// adjtimex(2) in read-only mode (modes 0): 1 when the kernel counts the system clock
/// as synchronised (NTP), 0 when it does not (TIME_ERROR), -1 when it cannot say.
static inline int ech_clock_synchronised(void) {
    struct timex state = {0};
    int result = adjtimex(&state);
    if (result < 0) return -1;
    return result == TIME_ERROR ? 0 : 1;
}

/// Hardening at start (prctl(2) is variadic): the process is not dumpable (no core file;
/// no ptrace, /proc/PID/mem or process_vm_readv by other processes of the same user),
/// RLIMIT_CORE's soft limit is 0 (the hard limit is kept: children such as the browser or
/// kubectl inherit our limits, and may raise theirs again), and the crash signals get the kernel's default action back. The
/// Swift runtime installs its own handlers for them, which run swift-backtrace; that
/// prints registers and memory around them on stderr, and it reads the crashed process's
/// memory through the process itself, so being non-dumpable does not stop it.
/// Returns 0, or -1 when a call failed (errno set; the others were still made).
static inline int ech_harden_process(void) {
    int result = 0;
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) result = -1;
    struct rlimit core;
    if (getrlimit(RLIMIT_CORE, &core) != 0) result = -1;
    else {
        core.rlim_cur = 0;
        if (setrlimit(RLIMIT_CORE, &core) != 0) result = -1;
    }
    static const int crashes[] = {SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGFPE, SIGBUS, SIGSEGV, SIGSYS};
    for (unsigned i = 0; i < sizeof crashes / sizeof crashes[0]; i++) {
        if (signal(crashes[i], SIG_DFL) == SIG_ERR) result = -1;
    }
    return result;
}
