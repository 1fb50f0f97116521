import HelperCore

/// A store that lives in memory, with the Secret Service's matching and replace rules.
/// Used by unit tests; it can also play a locked collection or a fault.
public final class MemoryStore: SecretStore {
    public enum LockBehaviour: Sendable { case unlocks, staysLocked(HelperError) }

    public private(set) var items: [StoredItem] = []
    public var lockBehaviour: LockBehaviour = .unlocks
    /// When set, every call throws it (a keyring fault).
    public var fault: HelperError?
    public private(set) var calls: [String] = []
    private var nextID = 1
    private var tick: UInt64 = 1

    public init() {}

    public func search(_ attributes: [String: String]) throws(HelperError) -> [StoredItem] {
        try record("search")
        return items
            .filter { item in attributes.allSatisfy { item.attributes[$0.key] == $0.value } }
            .map { item in
                var copy = item
                if copy.locked { copy.secret = nil }
                return copy
            }
    }

    public func unlock(_ items: [StoredItem]) throws(HelperError) {
        try record("unlock")
        if case let .staysLocked(error) = lockBehaviour { throw error }
        let collections = Set(items.map(\.collection))
        for index in self.items.indices where collections.contains(self.items[index].collection) {
            self.items[index].locked = false
        }
    }

    public func store(label: String, attributes: [String: String], secret: String) throws(HelperError) {
        try record("store")
        tick += 1
        if let index = items.firstIndex(where: { $0.attributes == attributes }) {
            if items[index].locked { throw .collectionLocked(collection: items[index].collection) }
            items[index].label = label
            items[index].secret = secret
            items[index].modified = tick
        } else {
            items.append(StoredItem(
                id: "/memory/collection/login/\(nextID)", label: label, attributes: attributes,
                secret: secret, modified: tick))
            nextID += 1
        }
    }

    public func delete(_ item: StoredItem) throws(HelperError) {
        try record("delete")
        if items.first(where: { $0.id == item.id })?.locked == true {
            throw .collectionLocked(collection: item.collection)
        }
        items.removeAll { $0.id == item.id }
    }

    /// Puts an item in place as another program would have stored it.
    public func seed(_ item: StoredItem) { items.append(item) }

    /// Locks every item, as locking the collection does.
    public func lockAll() { for index in items.indices { items[index].locked = true } }

    private func record(_ call: String) throws(HelperError) {
        calls.append(call)
        if let fault { throw fault }
    }
}
