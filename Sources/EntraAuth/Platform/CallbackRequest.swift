import HelperCore

/// One field of a request's query, percent- and '+'-decoded.
public struct QueryField: Equatable, Sendable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// The request line of what arrived at the redirect listener: the method, the path (the
/// target before '?') and the query's fields. Pure, so that it can be fuzzed
/// (scripts/fuzz.sh callback-request).
public struct CallbackRequest: Equatable, Sendable {
    public var method: String
    public var path: String
    public var fields: [QueryField]

    public init(method: String, path: String, fields: [QueryField]) {
        self.method = method
        self.path = path
        self.fields = fields
    }

    /// The request head as read (the first line counts; it ends at CR); nil when that
    /// line is not `METHOD TARGET VERSION`.
    public static func parse(_ head: [UInt8]) -> CallbackRequest? {
        let firstLine = head.split(separator: 0x0D, maxSplits: 1).first.map { String(decoding: $0, as: UTF8.self) } ?? ""
        let words = firstLine.split(separator: " ")
        guard words.count == 3 else { return nil }
        let target = words[1]
        let path = target.prefix { $0 != "?" }
        let query = target.dropFirst(path.count + 1)
        let fields = FormEncoding.decode(String(query)).map { QueryField(name: $0.0, value: $0.1) }
        return CallbackRequest(method: String(words[0]), path: String(path), fields: fields)
    }
}
