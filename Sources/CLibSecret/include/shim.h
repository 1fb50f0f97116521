// The C side of the Secret Service wrapper: libsecret's own header plus the few
// helpers Swift cannot express directly (a string-keyed GHashTable constructor, D-Bus
// calls with GVariant formats, and a watchdog thread that cancels a GCancellable at a
// deadline). Declarations only: the code is in shim.c.
#ifndef ECH_LIBSECRET_SHIM_H
#define ECH_LIBSECRET_SHIM_H

#include <string.h>
#include <sys/random.h>
#include <glib.h>
#include <gio/gio.h>
// The D-Bus path API (secret-paths.h) reads items without building a GDBusProxy per
// item, which saves three bus round trips per item on every lookup. libsecret marks it
// "subject to change", but it has kept the same ABI since 0.7.
#define SECRET_API_SUBJECT_TO_CHANGE 1
#include <libsecret/secret.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A GHashTable of owned `char *` keys and values, as libsecret's *v_sync calls take.
GHashTable *ech_attributes_new(void);

void ech_attributes_insert(GHashTable *table, const char *key, const char *value);

/// An item's properties in one Properties.GetAll round trip: attributes (readable
/// while locked), label, lock state and modification time. The caller frees
/// `*attributes` with g_hash_table_unref and `*label` with g_free.
gboolean ech_item_properties(GDBusConnection *connection, const char *path, GCancellable *cancellable,
                             GHashTable **attributes, char **label, gboolean *locked, guint64 *modified,
                             GError **error);

/// A collection's lock state, read-only (for `doctor`).
gboolean ech_collection_locked(GDBusConnection *connection, const char *path, GCancellable *cancellable,
                               gboolean *locked, GError **error);

/// The process id of the connection owning org.freedesktop.secrets (the provider), or 0
/// when the bus will not say; never sets an error (for `doctor`'s detail only).
guint32 ech_secrets_owner_pid(GDBusConnection *connection, GCancellable *cancellable);

/// Reads the secrets of `paths` (a NULL-terminated list) through a plain session (see
/// shim.c for the trade): OpenSession then GetSecrets, two round trips. Returns a table
/// path → text (NUL-terminated copies, wiped when the table is freed) or NULL with
/// `error` set.
GHashTable *ech_read_secrets_plain(GDBusConnection *connection, const char **paths,
                                   GCancellable *cancellable, GError **error);

typedef enum { ECH_STORE_FAILED = 0, ECH_STORE_DONE, ECH_STORE_LOCKED, ECH_STORE_NO_DEFAULT } EchStoreResult;

/// Creates or replaces (same attributes) an item in the default collection through a
/// plain session: ReadAlias, OpenSession, CreateItem. Returns ECH_STORE_LOCKED when the
/// collection must be unlocked first (it answered with a prompt or IsLocked), and
/// ECH_STORE_NO_DEFAULT when there is no default collection.
EchStoreResult ech_store_plain(GDBusConnection *connection, GHashTable *attributes, const char *label,
                               const char *secret, GCancellable *cancellable, GError **error);

/// Service.Unlock for `paths`, bounded by `timeout_ms`: sets `*unlocked` to how many
/// were unlocked at once and `*prompt` to the prompt's path ("/" when none is needed;
/// g_free it). Waiting for a person to answer the prompt is separate.
gboolean ech_unlock_call(GDBusConnection *connection, const char **paths, gint timeout_ms,
                         GCancellable *cancellable, gint *unlocked, char **prompt, GError **error);

/// Shows the prompt at `prompt_path` and waits for a person to answer it. Returns how
/// many objects it unlocked, or -1 when it was dismissed (or failed: then `error` is set).
gint ech_prompt_unlock(SecretService *service, const char *prompt_path, GCancellable *cancellable,
                       GError **error);

/// Cancels `cancellable` when `timeout_ms` passes before ech_watchdog_stop is called.
/// This bounds every blocking libsecret call, whatever the D-Bus peer does.
typedef struct EchWatchdog EchWatchdog;

EchWatchdog *ech_watchdog_start(GCancellable *cancellable, gint64 timeout_ms);

/// Stops and frees the watchdog; returns TRUE when it had fired.
gboolean ech_watchdog_stop(EchWatchdog *w);

#ifdef __cplusplus
}
#endif

#endif
