// The C side of the Secret Service wrapper: libsecret's own header plus the few
// helpers Swift cannot express directly (a string-keyed GHashTable constructor and
// a watchdog thread that cancels a GCancellable at a deadline).
#ifndef ECH_LIBSECRET_SHIM_H
#define ECH_LIBSECRET_SHIM_H

#include <glib.h>
#include <gio/gio.h>
#include <libsecret/secret.h>

/// A GHashTable of owned `char *` keys and values, as libsecret's *v_sync calls take.
static inline GHashTable *ech_attributes_new(void) {
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static inline void ech_attributes_insert(GHashTable *table, const char *key, const char *value) {
    g_hash_table_insert(table, g_strdup(key), g_strdup(value));
}

/// Cancels `cancellable` when `timeout_ms` passes before ech_watchdog_stop is called.
/// This bounds every blocking libsecret call, whatever the D-Bus peer does.
typedef struct {
    GMutex lock;
    GCond cond;
    gboolean stopped;
    gboolean fired;
    gint64 deadline;
    GCancellable *cancellable;
    GThread *thread;
} EchWatchdog;

static gpointer ech_watchdog_run(gpointer data) {
    EchWatchdog *w = (EchWatchdog *)data;
    g_mutex_lock(&w->lock);
    while (!w->stopped) {
        if (!g_cond_wait_until(&w->cond, &w->lock, w->deadline)) {
            if (!w->stopped) {
                w->fired = TRUE;
                g_cancellable_cancel(w->cancellable);
            }
            break;
        }
    }
    g_mutex_unlock(&w->lock);
    return NULL;
}

static inline EchWatchdog *ech_watchdog_start(GCancellable *cancellable, gint64 timeout_ms) {
    EchWatchdog *w = g_new0(EchWatchdog, 1);
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->deadline = g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND;
    w->cancellable = g_object_ref(cancellable);
    w->thread = g_thread_new("ech-watchdog", ech_watchdog_run, w);
    return w;
}

/// Stops and frees the watchdog; returns TRUE when it had fired.
static inline gboolean ech_watchdog_stop(EchWatchdog *w) {
    g_mutex_lock(&w->lock);
    w->stopped = TRUE;
    g_cond_signal(&w->cond);
    g_mutex_unlock(&w->lock);
    g_thread_join(w->thread);
    gboolean fired = w->fired;
    g_object_unref(w->cancellable);
    g_mutex_clear(&w->lock);
    g_cond_clear(&w->cond);
    g_free(w);
    return fired;
}

#endif
