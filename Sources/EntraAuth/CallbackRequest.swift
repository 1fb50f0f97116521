/// One `name=value` of a request's query, percent-decoded ('+' is a space).
public struct QueryField: Equatable, Sendable {
    public var name: String
    public var value: String
}

/// The request line of what arrived at the redirect listener: pure parsing, no I/O.
public struct CallbackRequest: Equatable, Sendable {
    public var method: String
    public var path: String
    public var fields: [QueryField]

    /// Parses the request head's first line, `METHOD TARGET VERSION`; nil when it is not
    /// three words.
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
