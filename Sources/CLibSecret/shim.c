// The shim's code (declarations and what each does: shim.h). Compiled against GLib's
// and libsecret's headers but never linked with them: every g_* and secret_* call here
// goes to CGLibLoader's stubs, which open the libraries on first use.
#include "shim.h"

GHashTable *ech_attributes_new(void) {
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

void ech_attributes_insert(GHashTable *table, const char *key, const char *value) {
    g_hash_table_insert(table, g_strdup(key), g_strdup(value));
}

/// Every property of `interface` on the object at `path` (Properties.GetAll, one round
/// trip): an a{sv} to g_variant_unref, or NULL with `error` set.
static GVariant *ech_all_properties(GDBusConnection *connection, const char *path, const char *interface,
                                    GCancellable *cancellable, GError **error) {
    GVariant *reply = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", path, "org.freedesktop.DBus.Properties", "GetAll",
        g_variant_new("(s)", interface), G_VARIANT_TYPE("(a{sv})"),
        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
    if (reply == NULL) return NULL;
    GVariant *properties = g_variant_get_child_value(reply, 0);
    g_variant_unref(reply);
    return properties;
}

gboolean ech_item_properties(GDBusConnection *connection, const char *path,
                             GCancellable *cancellable, GHashTable **attributes,
                             char **label, gboolean *locked, guint64 *modified,
                             GError **error) {
    GVariant *properties = ech_all_properties(connection, path, "org.freedesktop.Secret.Item", cancellable, error);
    if (properties == NULL) return FALSE;
    *attributes = ech_attributes_new();
    GVariant *map = g_variant_lookup_value(properties, "Attributes", G_VARIANT_TYPE("a{ss}"));
    if (map != NULL) {
        GVariantIter iter;
        const char *key, *value;
        g_variant_iter_init(&iter, map);
        while (g_variant_iter_next(&iter, "{&s&s}", &key, &value)) ech_attributes_insert(*attributes, key, value);
        g_variant_unref(map);
    }
    if (!g_variant_lookup(properties, "Label", "s", label)) *label = g_strdup("");
    if (!g_variant_lookup(properties, "Locked", "b", locked)) *locked = FALSE;
    if (!g_variant_lookup(properties, "Modified", "t", modified)) *modified = 0;
    g_variant_unref(properties);
    return TRUE;
}

gboolean ech_collection_locked(GDBusConnection *connection, const char *path,
                               GCancellable *cancellable, gboolean *locked, GError **error) {
    GVariant *properties = ech_all_properties(connection, path, "org.freedesktop.Secret.Collection", cancellable, error);
    if (properties == NULL) return FALSE;
    if (!g_variant_lookup(properties, "Locked", "b", locked)) *locked = FALSE;
    g_variant_unref(properties);
    return TRUE;
}

guint32 ech_secrets_owner_pid(GDBusConnection *connection, GCancellable *cancellable) {
    GError *error = NULL;
    GVariant *reply = g_dbus_connection_call_sync(
        connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "GetConnectionUnixProcessID", g_variant_new("(s)", "org.freedesktop.secrets"), G_VARIANT_TYPE("(u)"),
        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, &error);
    if (reply == NULL) { g_clear_error(&error); return 0; }
    guint32 pid = 0;
    g_variant_get(reply, "(u)", &pid);
    g_variant_unref(reply);
    return pid;
}

/// Frees a secret copy after overwriting it.
static void ech_secret_free(gpointer data) {
    if (data == NULL) return;
    memset(data, 0, strlen((char *)data));
    g_free(data);
}

/// Opens a "plain" transport session: no Diffie-Hellman, whose 1024-bit modular
/// exponentiations are three quarters of libsecret's CPU time per lookup and most of a
/// store. The session bus is a socket private to this user; a process that could watch
/// it could as well ask for the secret itself. Returns the session path (g_free it) or
/// NULL with `error` set.
static char *ech_open_plain_session(GDBusConnection *connection, GCancellable *cancellable,
                                    GError **error) {
    GVariant *opened = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service", "OpenSession",
        g_variant_new("(sv)", "plain", g_variant_new_string("")), G_VARIANT_TYPE("(vo)"),
        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
    if (opened == NULL) return NULL;
    GVariant *output = NULL;
    char *session = NULL;
    g_variant_get(opened, "(vo)", &output, &session);
    g_variant_unref(output);
    g_variant_unref(opened);
    return session;
}

/// Closes a session without waiting (it ends with the connection anyway) and frees the path.
static void ech_close_session(GDBusConnection *connection, char *session) {
    g_dbus_connection_call(connection, "org.freedesktop.secrets", session,
                           "org.freedesktop.Secret.Session", "Close", NULL, NULL,
                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
    g_free(session);
}

GHashTable *ech_read_secrets_plain(GDBusConnection *connection, const char **paths,
                                   GCancellable *cancellable, GError **error) {
    char *session = ech_open_plain_session(connection, cancellable, error);
    if (session == NULL) return NULL;
    GVariant *reply = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service", "GetSecrets",
        g_variant_new("(^aoo)", paths, session), G_VARIANT_TYPE("(a{o(oayays)})"),
        G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
    ech_close_session(connection, session);
    if (reply == NULL) return NULL;

    GHashTable *secrets = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ech_secret_free);
    GVariant *map = g_variant_get_child_value(reply, 0);
    GVariantIter iter;
    const char *path;
    GVariant *secret;
    g_variant_iter_init(&iter, map);
    while (g_variant_iter_next(&iter, "{&o@(oayays)}", &path, &secret)) {
        GVariant *value = g_variant_get_child_value(secret, 2);
        gsize length = 0;
        const char *bytes = g_variant_get_fixed_array(value, &length, 1);
        // An empty "ay" comes back as NULL; it is an empty secret, not a missing one.
        g_hash_table_insert(secrets, g_strdup(path), g_strndup(bytes != NULL ? bytes : "", length));
        g_variant_unref(value);
        g_variant_unref(secret);
    }
    g_variant_unref(map);
    g_variant_unref(reply);
    return secrets;
}

EchStoreResult ech_store_plain(GDBusConnection *connection, GHashTable *attributes,
                               const char *label, const char *secret,
                               GCancellable *cancellable, GError **error) {
    (void)secret_error_get_quark();  /* maps org.freedesktop.Secret.Error.* onto SECRET_ERROR */
    GVariant *alias = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service", "ReadAlias", g_variant_new("(s)", "default"),
        G_VARIANT_TYPE("(o)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
    if (alias == NULL) return ECH_STORE_FAILED;
    char *collection = NULL;
    g_variant_get(alias, "(o)", &collection);
    g_variant_unref(alias);
    if (strcmp(collection, "/") == 0) { g_free(collection); return ECH_STORE_NO_DEFAULT; }
    char *session = ech_open_plain_session(connection, cancellable, error);
    if (session == NULL) { g_free(collection); return ECH_STORE_FAILED; }

    GVariantBuilder map;
    g_variant_builder_init(&map, G_VARIANT_TYPE("a{ss}"));
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, attributes);
    while (g_hash_table_iter_next(&iter, &key, &value)) g_variant_builder_add(&map, "{ss}", key, value);
    GVariantBuilder properties;
    g_variant_builder_init(&properties, G_VARIANT_TYPE("a{sv}"));
    g_variant_builder_add(&properties, "{sv}", "org.freedesktop.Secret.Item.Label", g_variant_new_string(label));
    g_variant_builder_add(&properties, "{sv}", "org.freedesktop.Secret.Item.Attributes", g_variant_builder_end(&map));
    char *copy = g_strdup(secret);  /* the message may outlive the caller's buffer; wiped when freed */
    GVariant *bytes = g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, copy, strlen(copy), TRUE, ech_secret_free, copy);
    GVariant *no_parameters = g_variant_new_from_data(G_VARIANT_TYPE_BYTESTRING, "", 0, TRUE, NULL, NULL);
    GVariant *reply = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", collection, "org.freedesktop.Secret.Collection", "CreateItem",
        g_variant_new("(a{sv}(o@ay@ays)b)", &properties, session, no_parameters, bytes, "text/plain", TRUE),
        G_VARIANT_TYPE("(oo)"), G_DBUS_CALL_FLAGS_NONE, -1, cancellable, error);
    ech_close_session(connection, session);
    g_free(collection);
    if (reply == NULL) {
        if (*error != NULL && g_error_matches(*error, SECRET_ERROR, SECRET_ERROR_IS_LOCKED)) {
            g_clear_error(error);
            return ECH_STORE_LOCKED;
        }
        return ECH_STORE_FAILED;
    }
    char *prompt = NULL;
    g_variant_get(reply, "(oo)", NULL, &prompt);
    g_variant_unref(reply);
    EchStoreResult result = strcmp(prompt, "/") == 0 ? ECH_STORE_DONE : ECH_STORE_LOCKED;
    g_free(prompt);
    return result;
}

gboolean ech_unlock_call(GDBusConnection *connection, const char **paths, gint timeout_ms,
                         GCancellable *cancellable, gint *unlocked, char **prompt,
                         GError **error) {
    GVariant *reply = g_dbus_connection_call_sync(
        connection, "org.freedesktop.secrets", "/org/freedesktop/secrets",
        "org.freedesktop.Secret.Service", "Unlock", g_variant_new("(^ao)", paths),
        G_VARIANT_TYPE("(aoo)"), G_DBUS_CALL_FLAGS_NONE, timeout_ms, cancellable, error);
    if (reply == NULL) return FALSE;
    GVariant *done = g_variant_get_child_value(reply, 0);
    *unlocked = (gint)g_variant_n_children(done);
    g_variant_unref(done);
    g_variant_get_child(reply, 1, "o", prompt);
    g_variant_unref(reply);
    return TRUE;
}

gint ech_prompt_unlock(SecretService *service, const char *prompt_path,
                       GCancellable *cancellable, GError **error) {
    GVariant *result = secret_service_prompt_at_dbus_path_sync(service, prompt_path, cancellable,
                                                              G_VARIANT_TYPE("ao"), error);
    if (result == NULL) return -1;
    gint count = (gint)g_variant_n_children(result);
    g_variant_unref(result);
    return count;
}

/// The watchdog's state, shared with its thread under `lock`.
struct EchWatchdog {
    GMutex lock;
    GCond cond;
    gboolean stopped;
    gboolean fired;
    gint64 deadline;
    GCancellable *cancellable;
    GThread *thread;
};

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

EchWatchdog *ech_watchdog_start(GCancellable *cancellable, gint64 timeout_ms) {
    EchWatchdog *w = g_new0(EchWatchdog, 1);
    g_mutex_init(&w->lock);
    g_cond_init(&w->cond);
    w->deadline = g_get_monotonic_time() + timeout_ms * G_TIME_SPAN_MILLISECOND;
    w->cancellable = g_object_ref(cancellable);
    w->thread = g_thread_new("ech-watchdog", ech_watchdog_run, w);
    return w;
}

gboolean ech_watchdog_stop(EchWatchdog *w) {
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
