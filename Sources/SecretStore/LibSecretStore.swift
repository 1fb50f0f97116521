import CLibSecret
import HelperProtocol

/// The freedesktop Secret Service through libsecret's non-variadic *_sync calls.
/// Every call runs under a deadline (a watchdog cancels it), every GLib object is
/// released in a `defer`, and every failure is classified into a `HelperError`.
public final class LibSecretStore: SecretStore {
    public struct Options: Sendable {
        /// Bound for each operation on the bus.
        public var timeoutMilliseconds: Int
        /// Bound for an unlock prompt, which waits for a person.
        public var promptTimeoutMilliseconds: Int
        /// Whether an unlock prompt may be shown (a display is available).
        public var promptAllowed: Bool

        public init(timeoutMilliseconds: Int = 5000, promptTimeoutMilliseconds: Int = 60000, promptAllowed: Bool) {
            self.timeoutMilliseconds = timeoutMilliseconds
            self.promptTimeoutMilliseconds = promptTimeoutMilliseconds
            self.promptAllowed = promptAllowed
        }
    }

    private let options: Options
    private var service: UnsafeMutablePointer<SecretService>?
    /// The item proxies the searches found, by object path, for unlock and delete.
    private var proxies: [String: UnsafeMutablePointer<SecretItem>] = [:]

    public init(options: Options) { self.options = options }

    deinit {
        for proxy in proxies.values { g_object_unref(proxy) }
        if let service { g_object_unref(service) }
    }

    public var backendName: String { "secret-service" }

    public func search(_ attributes: [String: String]) throws(HelperError) -> [StoredItem] {
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            let table = GLibTable(attributes)
            defer { table.release() }
            let flags = SecretSearchFlags(SECRET_SEARCH_ALL.rawValue | SECRET_SEARCH_LOAD_SECRETS.rawValue)
            let list = secret_service_search_sync(service, nil, table.pointer, flags, cancellable, &error)
            defer { g_list_free_full(list, g_object_unref) }
            if error != nil { return [] }
            var items: [StoredItem] = []
            var node = list
            while let current = node {
                if let raw = current.pointee.data {
                    let proxy = raw.assumingMemoryBound(to: SecretItem.self)
                    let item = Self.storedItem(proxy)
                    if proxies[item.id] == nil { proxies[item.id] = proxy; g_object_ref(proxy) }
                    items.append(item)
                }
                node = current.pointee.next
            }
            return items
        }
    }

    public func unlock(_ items: [StoredItem]) throws(HelperError) {
        guard let first = items.first else { return }
        guard options.promptAllowed else { throw .collectionLocked(collection: first.collection) }
        let unlockedCount = try withDeadline(options.promptTimeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            var objects: UnsafeMutablePointer<GList>?
            defer { g_list_free(objects) }
            for item in items {
                guard let proxy = proxies[item.id] else { continue }
                objects = g_list_append(objects, proxy)
            }
            return Int(secret_service_unlock_sync(service, objects, cancellable, nil, &error))
        }
        // No error and nothing unlocked: the prompt was dismissed or could not be shown.
        if unlockedCount == 0 { throw .unlockDismissed(collection: first.collection) }
    }

    public func store(label: String, attributes: [String: String], secret: String) throws(HelperError) {
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            let service = try connect(cancellable, &error)
            let table = GLibTable(attributes)
            defer { table.release() }
            let value = secret_value_new(secret, -1, "text/plain")
            defer { secret_value_unref(UnsafeMutableRawPointer(value)) }
            _ = secret_service_store_sync(service, nil, table.pointer, nil, label, value, cancellable, &error)
        }
    }

    public func delete(_ item: StoredItem) throws(HelperError) {
        try withDeadline(options.timeoutMilliseconds) { cancellable, error throws(HelperError) in
            guard let proxy = proxies[item.id] else {
                throw .keyringFailure("item \(item.id) was not found by a search first")
            }
            _ = secret_item_delete_sync(proxy, cancellable, &error)
        }
    }

    // MARK: - Plumbing

    /// The session bus first, so that "no bus" is told apart from "no provider".
    private func connect(
        _ cancellable: UnsafeMutablePointer<GCancellable>, _ error: inout UnsafeMutablePointer<GError>?
    ) throws(HelperError) -> UnsafeMutablePointer<SecretService> {
        if let service { return service }
        guard let bus = g_bus_get_sync(G_BUS_TYPE_SESSION, cancellable, &error) else {
            throw KeyringFaults.noBus(error)
        }
        g_object_unref(UnsafeMutableRawPointer(bus))  // libsecret shares the same singleton connection.
        guard let created = secret_service_get_sync(SECRET_SERVICE_NONE, cancellable, &error) else {
            throw KeyringFaults.classify(error, timedOut: false, timeoutMilliseconds: options.timeoutMilliseconds)
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
        if error != nil {
            throw KeyringFaults.classify(error, timedOut: false, timeoutMilliseconds: milliseconds)
        }
        return try result.get()
    }

    private static func storedItem(_ item: UnsafeMutablePointer<SecretItem>) -> StoredItem {
        let path = g_dbus_proxy_get_object_path(UnsafeMutableRawPointer(item).assumingMemoryBound(to: GDBusProxy.self))
        let labelPointer = secret_item_get_label(item)
        defer { g_free(labelPointer) }
        let attributes = secret_item_get_attributes(item)
        defer { if let attributes { g_hash_table_unref(attributes) } }
        var secret: String?
        if let value = secret_item_get_secret(item) {
            defer { secret_value_unref(UnsafeMutableRawPointer(value)) }
            var length: gsize = 0
            if let bytes = secret_value_get(value, &length) {
                let buffer = UnsafeRawBufferPointer(start: bytes, count: Int(length))
                secret = String(validating: buffer.bindMemory(to: UInt8.self), as: UTF8.self)
            }
        }
        let locked = secret_item_get_locked(item) != 0
        return StoredItem(
            id: path.map { String(cString: $0) } ?? "",
            label: labelPointer.map { String(cString: $0) } ?? "",
            attributes: GLibTable.dictionary(attributes),
            secret: locked ? nil : secret,
            locked: locked,
            modified: UInt64(secret_item_get_modified(item)))
    }
}
