/* Internal to CGLibLoader: what the generated stubs need. */
#ifndef ECH_GLIB_LOADER_INTERNAL_H
#define ECH_GLIB_LOADER_INTERNAL_H

#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <glib.h>
#include <gio/gio.h>
#include <libsecret/secret.h>
#include "ech_glib_loader.h"

/* Stubs are hidden: they serve this binary's own calls and never interpose on the
 * libraries' calls to each other. */
#define ECH_STUB __attribute__((visibility("hidden")))
#define ECH_GLIB_MAX_SYMBOLS 128

/* The address of `name` in `library`, resolved once into slot `index`. Exits with a
 * one-line message if it cannot be found (callers that can report an error check
 * ech_glib_load first). */
void *ech_glib_symbol(int library, int index, const char *name);

#endif
