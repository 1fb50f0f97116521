/*
 * ech_glib_loader.h: GLib, GIO and libsecret, opened with dlopen when first needed.
 *
 * The helper answers most calls from the kernel keyring and never touches the Secret
 * Service then; linking libsecret would still make every process load and relocate it,
 * GIO, GObject, GLib and eleven more libraries (about 2.5 ms of a 4.5 ms answer). So the
 * binary does not link them: each function it calls is a small stub (stubs.c, generated
 * by scripts/gen-glib-stubs.py) that looks the real one up on first use. The SHA-256 of
 * the cache key opens GLib alone; the first keyring call opens libsecret.
 *
 * Call ech_glib_load before the first call into a library, to get an error instead of
 * an abort when it is not installed.
 */
#ifndef ECH_GLIB_LOADER_H
#define ECH_GLIB_LOADER_H

#ifdef __cplusplus
extern "C" {
#endif

enum { ECH_LIB_GLIB = 0, ECH_LIB_GOBJECT = 1, ECH_LIB_GIO = 2, ECH_LIB_SECRET = 3 };

/* Opens the library (and what it depends on). NULL on success, else a static message
 * naming the library and the package that provides it. Thread-safe; cheap once loaded. */
const char *ech_glib_load(int library);

#ifdef __cplusplus
}
#endif

#endif
