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

/// What a redirect request (from the browser, or pasted back) means for the sign-in
/// awaiting `state`: the listener and the paste flow share this one reading.
public enum CallbackVerdict: Equatable, Sendable {
    /// Not the redirect: another path, or neither `code` nor `error`.
    case notRedirect
    /// The redirect of another sign-in.
    case wrongState
    case callback(Callback)
}

extension CallbackRequest {
    /// The redirect's reading: the path `/`, a `code` or an `error`, and `state` as awaited.
    public func verdict(state: String) -> CallbackVerdict {
        func field(_ name: String) -> String? { fields.last { $0.name == name }?.value }
        guard path == "/", field("code") != nil || field("error") != nil else { return .notRedirect }
        guard field("state") == state else { return .wrongState }
        if let error = field("error") { return .callback(.error(error, description: field("error_description") ?? "")) }
        return .callback(.code(field("code") ?? ""))
    }

    /// The address the browser was sent to, as pasted back into the terminal:
    /// `http://localhost:PORT/?code=…&state=…` (the scheme may be missing, as some address
    /// bars show it; `/` before `?` too, as the redirect URI has none). Surrounding blanks
    /// are ignored; anything else (another host, a space inside, a fragment) is nil.
    public static func parse(pasted text: String) -> CallbackRequest? {
        let trimmed = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" })
        guard trimmed.count == 1 else { return nil }
        var rest = Substring(trimmed[0])
        if rest.lowercased().hasPrefix("http://") { rest = rest.dropFirst(7) }
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        let host = authority.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard host.count == 2, ["localhost", "127.0.0.1"].contains(host[0].lowercased()),
              !host[1].isEmpty, host[1].allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        var target = rest.dropFirst(authority.count)
        guard !target.contains("#") else { return nil }
        if target.hasPrefix("?") { target = "/" + target }
        return parse(Array("GET \(target) HTTP/1.1".utf8))
    }
}
