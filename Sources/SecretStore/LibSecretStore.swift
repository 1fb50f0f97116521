import CGLibLoader
import CLibSecret
import HelperCore

/// The freedesktop Secret Service through libsecret's non-variadic *_sync calls, by
/// D-Bus object path (no proxy object per item: three round trips fewer per item).
/// Every call runs under a deadline (a watchdog cancels it), every GLib object is
/// released in a `defer`, and every failure is classified into a `HelperError`.
public final class LibSecretStore: SecretStore {
    public struct Options {
        /// Bound for each operation on the bus.
        public var timeoutMilliseconds: Int
        /// Bound for an unlock prompt, which waits for a person.
        public var promptTimeoutMilliseconds: Int
        /// Whether an unlock prompt may be shown (a display is available).
        public var promptAllowed: Bool
        /// Read and write secrets through libsecret's Diffie-Hellman session instead of
        /// a plain one. See `ech_open_plain_session` (CLibSecret/shim.c) for the trade.
        public var encryptedTransport: Bool
        /// Where DBUS_SESSION_BUS_ADDRESS and XDG_RUNTIME_DIR are read, to tell "no bus"
        /// apart before connecting and to name the address in errors. GLib itself
        /// connects to the bus its process environment names: pass that one.
        public var environment: (String) -> String?

        public init(
            timeoutMilliseconds: Int = 5000, promptTimeoutMilliseconds: Int = 60000,
            promptAllowed: Bool, encryptedTransport: Bool = false, environment: @escaping (String) -> String?
        ) {
            self.timeoutMilliseconds = timeoutMilliseconds
            self.promptTimeoutMilliseconds = promptTimeoutMilliseconds
            self.promptAllowed = promptAllowed
            self.encryptedTransport = encryptedTransport
            self.environment = environment
        }
    }

    private let options: Options
    private var service: UnsafeMutablePointer<SecretService>?

    public init(options: Options) { self.options = options }

    deinit { if let service { g_object_unref(service) } }

    /// An item another process deletes between the search and its read ("no such object")
    /// is left out, as if the search had come a moment later: a concurrent `erase` or
    /// `logout` must not fail a `list` or a `get`.
    public func search(_ attributes: [String: String]) throws(HelperError) -> [StoredItem] {
        try Self.refuseNUL(attributes)
        return try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            func vanished() -> Bool {
                guard KeyringFaults.isNoSuchObject(error) else { return false }
                g_error_free(error)
                error = nil
                return true
            }
            let service = try connect(cancellable, &error)
            let table = GLibTable(attributes)
            defer { table.release() }
            var unlocked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?
            var locked: UnsafeMutablePointer<UnsafeMutablePointer<gchar>?>?
            defer { g_strfreev(unlocked); g_strfreev(locked) }
            guard secret_service_search_for_dbus_paths_sync(
                service, nil, table.pointer, cancellable, &unlocked, &locked, &error) != 0 else { return [] }
            var items: [StoredItem] = []
            for path in GLibTable.strings(unlocked) + GLibTable.strings(locked) {
                if let item = properties(service, path, cancellable, &error) {
                    items.append(item)
                } else if !vanished() {
                    return []
                }
            }
            // All at once; when one of them has gone meanwhile, one by one.
            let unlockedPaths = items.filter { !$0.locked }.map(\.id)
            guard !unlockedPaths.isEmpty else { return items }
            var gone: Set<String> = []
            if !readSecrets(unlockedPaths, into: &items, service, cancellable, &error) {
                guard vanished() else { return [] }
                for path in unlockedPaths where !readSecrets([path], into: &items, service, cancellable, &error) {
                    guard vanished() else { return [] }
                    gone.insert(path)
                }
            }
            return items.filter { !gone.contains($0.id) }
        }
    }

    /// Sets the secrets of the items at `paths`; false when the read failed (`error` set).
    private func readSecrets(
        _ paths: [String], into items: inout [StoredItem], _ service: UnsafeMutablePointer<SecretService>,
        _ cancellable: UnsafeMutablePointer<GCancellable>, _ error: inout UnsafeMutablePointer<GError>?
    ) -> Bool {
        let secrets = GLibTable.withStrv(paths) { strv in
            options.encryptedTransport
                ? secret_service_get_secrets_for_dbus_paths_sync(service, strv, cancellable, &error)
                : ech_read_secrets_plain(connection(service), strv, cancellable, &error)
        }
        guard let secrets else { return false }
        defer { g_hash_table_unref(secrets) }
        for index in items.indices where paths.contains(items[index].id) {
            items[index].secret = options.encryptedTransport
                ? GLibTable.secretValueText(secrets, path: items[index].id)
                : GLibTable.plainText(secrets, path: items[index].id)
        }
        return true
    }

    public func unlock(_ items: [StoredItem]) throws(HelperError) {
        guard let first = items.first else { return }
        try unlock(paths: items.map(\.id), collection: first.collection)
    }

    /// Stores into the default collection; when it is locked, unlocks it (where a prompt
    /// can be shown) and tries once more.
    public func store(label: String, attributes: [String: String], secret: String) throws(HelperError) {
        do {
            try storeOnce(label: label, attributes: attributes, secret: secret)
        } catch .collectionLocked {
            try unlockDefaultCollection()
            try storeOnce(label: label, attributes: attributes, secret: secret)
        }
    }

    private func storeOnce(label: String, attributes: [String: String], secret: String) throws(HelperError) {
        try Self.refuseNUL(attributes.merging(["label": label, "secret": secret]) { $1 })
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            let table = GLibTable(attributes)
            defer { table.release() }
            guard options.encryptedTransport else {
                switch ech_store_plain(connection(service), table.pointer, label, secret, cancellable, &error) {
                case ECH_STORE_LOCKED: throw .collectionLocked(collection: "default")
                case ECH_STORE_NO_DEFAULT: throw .noDefaultCollection
                default: return  // stored, or `error` is set
                }
            }
            let value = secret_value_new(secret, -1, "text/plain")
            defer { secret_value_unref(UnsafeMutableRawPointer(value)) }
            let stored = secret_service_store_sync(service, nil, table.pointer, nil, label, value, cancellable, &error)
            // It stores into the default collection: "no such object" means there is none.
            if stored == 0, KeyringFaults.isNoSuchObject(error) { throw .noDefaultCollection }
        }
    }

    private func unlockDefaultCollection() throws(HelperError) {
        let path = try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) -> String in
            let service = try connect(cancellable, &error)
            let alias = secret_service_read_alias_dbus_path_sync(service, "default", cancellable, &error)
            defer { g_free(alias) }
            return alias.map { String(cString: $0) } ?? ""
        }
        let name = path.split(separator: "/").last.map(String.init) ?? "default"
        try unlock(paths: [path], collection: name)
    }

    /// The provider's process id and the default collection's name ("login" for
    /// …/collection/login) and lock state. Read-only: nothing is unlocked, created or
    /// prompted for.
    public func state() throws(HelperError) -> SecretServiceState {
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) -> SecretServiceState in
            let service = try connect(cancellable, &error)
            let pid = ech_secrets_owner_pid(connection(service), cancellable)
            var state = SecretServiceState(providerPID: pid == 0 ? nil : Int(pid), defaultCollection: nil, locked: false)
            let alias = secret_service_read_alias_dbus_path_sync(service, "default", cancellable, &error)
            defer { g_free(alias) }
            guard let alias, String(cString: alias) != "/" else { return state }
            let path = String(cString: alias)
            var locked: gboolean = 0
            guard ech_collection_locked(connection(service), path, cancellable, &locked, &error) != 0 else {
                return state  // `error` is set, and is what the caller gets
            }
            state.defaultCollection = path.split(separator: "/").last.map(String.init) ?? "default"
            state.locked = locked != 0
            return state
        }
    }

    /// Unlocks items or collections by path, prompting only where a display exists. The
    /// Unlock call is bounded like every call; only the wait for a person to answer the
    /// prompt gets the longer prompt bound.
    private func unlock(paths: [String], collection: String) throws(HelperError) {
        guard options.promptAllowed else { throw .collectionLocked(collection: collection) }
        let timeout = options.timeoutMilliseconds
        let (count, prompt) = try withDeadline(timeout) { cancellable, error throws(HelperError) -> (Int, String) in
            let service = try connect(cancellable, &error)
            var unlocked: gint = 0
            var promptPath: UnsafeMutablePointer<gchar>?
            defer { g_free(promptPath) }
            let called = GLibTable.withStrv(paths) { strv in
                ech_unlock_call(connection(service), strv, gint(timeout), cancellable, &unlocked, &promptPath, &error)
            }
            guard called != 0 else { return (0, "/") }
            return (Int(unlocked), promptPath.map { String(cString: $0) } ?? "/")
        }
        if count > 0 { return }
        guard prompt != "/" else { throw .collectionLocked(collection: collection) }
        let answered = try withDeadline(options.promptTimeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            return Int(ech_prompt_unlock(service, prompt, cancellable, &error))
        }
        // Dismissed, or nothing unlocked: the prompt was cancelled or could not be shown.
        if answered <= 0 { throw .unlockDismissed(collection: collection) }
    }

    public func delete(_ item: StoredItem) throws(HelperError) {
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            // Already deleted by another process: what was asked for is done.
            if secret_service_delete_item_dbus_path_sync(service, item.id, cancellable, &error) == 0,
               KeyringFaults.isNoSuchObject(error) {
                g_error_free(error)
                error = nil
            }
        }
    }

    // MARK: - Plumbing

    /// C strings end at NUL: a value holding one would reach the keyring cut short.
    private static func refuseNUL(_ values: [String: String]) throws(HelperError) {
        for (key, value) in values where key.utf8.contains(0) || value.utf8.contains(0) {
            throw .forbiddenCharacter(key: key.utf8.contains(0) ? "attribute name" : key, character: "a NUL byte")
        }
    }

    /// The session bus first, so that "no bus" is told apart from "no provider".
    private func connect(
        _ cancellable: UnsafeMutablePointer<GCancellable>, _ error: inout UnsafeMutablePointer<GError>?
    ) throws(HelperError) -> UnsafeMutablePointer<SecretService> {
        if let service { return service }
        // GLib would fall back to autolaunching a bus (spawning dbus-launch, unbounded,
        // and a stray daemon per call): a credential helper must not. Only an address
        // in the environment or the systemd user bus socket counts.
        if let missing = KeyringFaults.missingBus(options.environment) { throw missing }
        guard let bus = g_bus_get_sync(G_BUS_TYPE_SESSION, cancellable, &error) else {
            throw KeyringFaults.noBus(error, environment: options.environment)
        }
        // libsecret takes the same shared connection: keep ours until it holds its own,
        // or the connection would close and be opened a second time.
        defer { g_object_unref(UnsafeMutableRawPointer(bus)) }
        guard let created = secret_service_get_sync(SECRET_SERVICE_NONE, cancellable, &error) else {
            throw KeyringFaults.classify(error, timeoutMilliseconds: options.timeoutMilliseconds)
        }
        service = created
        return created
    }

    /// Runs `body` with a cancellable that a watchdog cancels after `milliseconds`,
    /// then turns any GError the body left into a `HelperError`.
    private func withDeadline<T>(
        _ milliseconds: Int,
        _ body: (UnsafeMutablePointer<GCancellable>, inout UnsafeMutablePointer<GError>?) throws(HelperError) -> T
    ) throws(HelperError) -> T {
        // libsecret is opened on first use (CGLibLoader): a missing one is an error, not a crash.
        if let missing = ech_glib_load(Int32(ECH_LIB_SECRET)) { throw .missingLibrary(String(cString: missing)) }
        let cancellable = g_cancellable_new()!
        defer { g_object_unref(cancellable) }
        var error: UnsafeMutablePointer<GError>?
        defer { if let error { g_error_free(error) } }
        let watchdog = ech_watchdog_start(cancellable, gint64(milliseconds))
        let result: Result<T, HelperError>
        do throws(HelperError) {
            result = .success(try body(cancellable, &error))
        } catch {
            result = .failure(error)
        }
        let timedOut = ech_watchdog_stop(watchdog) != 0
        if timedOut { throw .keyringTimeout(milliseconds: milliseconds) }
        if case let .failure(classified) = result { throw classified }
        if error != nil {
            throw KeyringFaults.classify(error, timeoutMilliseconds: milliseconds)
        }
        return try result.get()
    }

    /// libsecret's own bus connection, for the calls it has no function for.
    private func connection(_ service: UnsafeMutablePointer<SecretService>) -> OpaquePointer {
        g_dbus_proxy_get_connection(UnsafeMutableRawPointer(service).assumingMemoryBound(to: GDBusProxy.self))
    }

    /// One item's attributes, label, lock state and time, in one round trip.
    private func properties(
        _ service: UnsafeMutablePointer<SecretService>, _ path: String,
        _ cancellable: UnsafeMutablePointer<GCancellable>, _ error: inout UnsafeMutablePointer<GError>?
    ) -> StoredItem? {
        var table: OpaquePointer?
        var label: UnsafeMutablePointer<gchar>?
        var locked: gboolean = 0
        var modified: guint64 = 0
        guard ech_item_properties(connection(service), path, cancellable, &table, &label, &locked, &modified, &error) != 0 else {
            return nil
        }
        defer { g_hash_table_unref(table); g_free(label) }
        return StoredItem(
            id: path, label: label.map { String(cString: $0) } ?? "",
            attributes: GLibTable.dictionary(table), secret: nil, locked: locked != 0,
            modified: UInt64(modified))
    }
}
