/* loader.c: opens GLib, GObject, GIO and libsecret on demand (see ech_glib_loader.h), and
 * the variadic GVariant calls, which a generated stub cannot forward: each is rebuilt on
 * its va_list counterpart, as GLib itself implements it. */
#define _GNU_SOURCE
#include "loader.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const struct {
    const char *soname;
    const char *package;
} libraries[] = {
    [ECH_LIB_GLIB] = { "libglib-2.0.so.0", "libglib2.0-0" },
    [ECH_LIB_GOBJECT] = { "libgobject-2.0.so.0", "libglib2.0-0" },
    [ECH_LIB_GIO] = { "libgio-2.0.so.0", "libglib2.0-0" },
    [ECH_LIB_SECRET] = { "libsecret-1.so.0", "libsecret-1-0" },
};
enum { LIBRARY_COUNT = sizeof libraries / sizeof libraries[0] };

static void *handles[LIBRARY_COUNT];
static char errors[LIBRARY_COUNT][300];
static pthread_once_t once[LIBRARY_COUNT] = { PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT, PTHREAD_ONCE_INIT };
static void *slots[ECH_GLIB_MAX_SYMBOLS];

static void open_library(int library) {
    /* RTLD_GLOBAL: libsecret's own lookups (GType plug-ins, GIO extension points) see the
     * same GLib as every other library in the process. */
    handles[library] = dlopen(libraries[library].soname, RTLD_NOW | RTLD_GLOBAL);
    if (handles[library] == NULL) {
        const char *why = dlerror();
        snprintf(errors[library], sizeof errors[library], "cannot load %s (%s); install the %s package",
                 libraries[library].soname, why ? why : "not found", libraries[library].package);
    }
}

#define ONCE(n) static void open_##n(void) { open_library(n); }
ONCE(0) ONCE(1) ONCE(2) ONCE(3)
static void (*const openers[LIBRARY_COUNT])(void) = { open_0, open_1, open_2, open_3 };

const char *ech_glib_load(int library) {
    if (library < 0 || library >= LIBRARY_COUNT) return "no such library";
    pthread_once(&once[library], openers[library]);
    return handles[library] != NULL ? NULL : errors[library];
}

void *ech_glib_symbol(int library, int index, const char *name) {
    void *symbol = __atomic_load_n(&slots[index], __ATOMIC_ACQUIRE);
    if (symbol != NULL) return symbol;
    const char *error = ech_glib_load(library);
    if (error == NULL) symbol = dlsym(handles[library], name);
    if (symbol == NULL) {
        char message[400];
        int n = snprintf(message, sizeof message, "entra-credential-helper: %s%s%s\n",
                         error ? error : "missing function ", error ? "" : name,
                         error ? "" : " (the installed GLib or libsecret is too old)");
        if (n > 0) (void)!write(2, message, (size_t)n < sizeof message ? (size_t)n : sizeof message - 1);
        _exit(1);  /* nothing was written yet that this could leave half done */
    }
    __atomic_store_n(&slots[index], symbol, __ATOMIC_RELEASE);
    return symbol;
}

/* ---- The variadic calls. ---- */

ECH_STUB GVariant *g_variant_new(const gchar *format_string, ...) {
    va_list ap;
    va_start(ap, format_string);
    GVariant *value = g_variant_new_va(format_string, NULL, &ap);
    va_end(ap);
    return value;
}

ECH_STUB void g_variant_get(GVariant *value, const gchar *format_string, ...) {
    va_list ap;
    va_start(ap, format_string);
    g_variant_get_va(value, format_string, NULL, &ap);
    va_end(ap);
}

ECH_STUB void g_variant_get_child(GVariant *value, gsize index_, const gchar *format_string, ...) {
    GVariant *child = g_variant_get_child_value(value, index_);
    va_list ap;
    va_start(ap, format_string);
    g_variant_get_va(child, format_string, NULL, &ap);
    va_end(ap);
    g_variant_unref(child);
}

ECH_STUB void g_variant_builder_add(GVariantBuilder *builder, const gchar *format_string, ...) {
    va_list ap;
    va_start(ap, format_string);
    GVariant *value = g_variant_new_va(format_string, NULL, &ap);
    va_end(ap);
    g_variant_builder_add_value(builder, value);
}

/* The values a format string names, out of a child the caller owns (then released).
 * Strings read with "&s" stay valid: the child shares its container's data. */
static void get_and_unref(GVariant *value, const gchar *format_string, va_list *ap) {
    g_variant_get_va(value, format_string, NULL, ap);
    g_variant_unref(value);
}

ECH_STUB gboolean g_variant_lookup(GVariant *dictionary, const gchar *key, const gchar *format_string, ...) {
    GVariant *value = g_variant_lookup_value(dictionary, key, NULL);
    if (value == NULL) return FALSE;
    if (!g_variant_check_format_string(value, format_string, FALSE)) {  /* another type: not found */
        g_variant_unref(value);
        return FALSE;
    }
    va_list ap;
    va_start(ap, format_string);
    get_and_unref(value, format_string, &ap);
    va_end(ap);
    return TRUE;
}

ECH_STUB gboolean g_variant_iter_next(GVariantIter *iter, const gchar *format_string, ...) {
    GVariant *value = g_variant_iter_next_value(iter);
    if (value == NULL) return FALSE;
    va_list ap;
    va_start(ap, format_string);
    get_and_unref(value, format_string, &ap);
    va_end(ap);
    return TRUE;
}
