#if canImport(Glibc)
import Glibc
#endif
import HelperCore

/// One item in a secret store. `secret` is nil while the item is locked.
public struct StoredItem: Equatable, Sendable {
    public var id: String
    public var label: String
    public var attributes: [String: String]
    public var secret: String?
    public var locked: Bool
    /// Unix seconds of the last change, for choosing the newest of several matches.
    public var modified: UInt64

    public init(
        id: String, label: String, attributes: [String: String], secret: String?,
        locked: Bool = false, modified: UInt64 = 0
    ) {
        self.id = id
        self.label = label
        self.attributes = attributes
        self.secret = secret
        self.locked = locked
        self.modified = modified
    }

    /// The D-Bus collection name of the item ("login" for …/collection/login/7).
    public var collection: String {
        let parts = id.split(separator: "/")
        guard let index = parts.firstIndex(of: "collection"), index + 1 < parts.count else { return "default" }
        return String(parts[index + 1])
    }
}

/// Storage behind a small protocol: the Secret Service through libsecret in production,
/// memory in tests. The schema name is the attribute "xdg:schema", like any other.
/// Secret payloads go in `secret`, never in attributes.
public protocol SecretStore: AnyObject {
    /// Items whose attributes include all of `attributes`; secrets of unlocked items loaded.
    func search(_ attributes: [String: String]) throws(HelperError) -> [StoredItem]
    /// Unlocks the collections holding `items` (may prompt). Throws rather than
    /// returning when they stay locked.
    func unlock(_ items: [StoredItem]) throws(HelperError)
    /// Creates an item, or replaces label and secret of the item with exactly `attributes`.
    func store(label: String, attributes: [String: String], secret: String) throws(HelperError)
    func delete(_ item: StoredItem) throws(HelperError)
}

extension SecretStore {
    /// `search`, unlocking first when every match is locked: a locked item never
    /// reads as "not found", and nothing is deleted because a read failed.
    public func searchUnlocking(
        _ attributes: [String: String], where keep: (StoredItem) -> Bool = { _ in true }
    ) throws(HelperError) -> [StoredItem] {
        let found = try search(attributes).filter(keep)
        let locked = found.filter(\.locked)
        guard !locked.isEmpty, locked.count == found.count else { return found }
        try unlock(locked)
        return try search(attributes).filter(keep)
    }
}

/// What `doctor` reports about the Secret Service.
public struct SecretServiceState: Equatable, Sendable {
    /// The process that owns org.freedesktop.secrets, when the bus says.
    public var providerPID: Int?
    /// The default collection's name; nil when there is none.
    public var defaultCollection: String?
    public var locked: Bool

    public init(providerPID: Int?, defaultCollection: String?, locked: Bool) {
        self.providerPID = providerPID
        self.defaultCollection = defaultCollection
        self.locked = locked
    }
}
