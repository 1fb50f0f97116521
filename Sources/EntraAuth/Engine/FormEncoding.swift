import HelperCore
import HelperProtocol
/// RFC 3986 percent-encoding of query and form components: everything but the
/// unreserved characters (ALPHA / DIGIT / "-" / "." / "_" / "~") is escaped, so a
/// value can never introduce another parameter.
public enum FormEncoding {
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(byte)
            default:
                out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses `a=1&b=x%20y` (a redirect's query); '+' is a space, as browsers send it.
    public static func decode(_ query: String) -> [(String, String)] {
        query.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let unplus = { (s: Substring) in String(s.map { $0 == "+" ? " " : $0 }) }
            return (GitCodec.percentDecoded(ArraySlice(unplus(parts[0]).utf8)),
                    parts.count > 1 ? GitCodec.percentDecoded(ArraySlice(unplus(parts[1]).utf8)) : "")
        }
    }
}
