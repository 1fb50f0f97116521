import FuzzSupport
import HelperCore

/// The JSON reader and writer: whatever parses is written back canonically and parses to
/// the same value (compact and indented); the writer's output is stable and escapes as Go
/// does; any text written as a string reads back unchanged.
func fuzzJSON(_ bytes: [UInt8]) {
    checkDocument(bytes)
    checkString(String(decoding: bytes, as: UTF8.self))
}

func checkDocument(_ bytes: [UInt8]) {
    let value: JSONValue
    do {
        value = try JSON.parse(bytes)
    } catch {
        invariant(error.line >= 1 && error.column >= 1 && !error.reason.isEmpty, "error without a position: \(error.description)")
        return
    }
    var lines: [String: Int] = [:]
    invariant((try? JSON.parse(bytes, lines: &lines)) == value, "recording lines changed the value")
    let newlines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
    invariant(lines.values.allSatisfy { (1...newlines).contains($0) }, "a recorded line is outside the input")
    let compact = JSON.encode(value)
    invariant((try? JSON.parse(compact)) == value, "parse(encode(v)) != v for \(shown(compact))")
    invariant((try? JSON.parse(compact)).map(JSON.encode) == compact, "encode is not stable for \(shown(compact))")
    let pretty = JSON.encodePretty(value)
    invariant((try? JSON.parse(pretty)) == value, "parse(encodePretty(v)) != v for \(shown(pretty))")
    checkEscaped(compact)
}

/// Go's encoding/json: no raw control character, '<', '>', '&', U+2028 or U+2029.
func checkEscaped(_ encoded: [UInt8]) {
    invariant(!encoded.contains { $0 < 0x20 || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || $0 == UInt8(ascii: "&") },
              "unescaped byte in \(shown(encoded))")
    let text = String(decoding: encoded, as: UTF8.self)
    invariant(!text.unicodeScalars.contains { $0.value == 0x2028 || $0.value == 0x2029 }, "unescaped U+2028/U+2029")
}

func checkString(_ text: String) {
    var out: [UInt8] = []
    JSON.writeString(text, to: &out)
    checkEscaped(out)
    invariant((try? JSON.parse(out)) == .string(text), "a written string did not read back: \(shown(text))")
    let object: JSONValue = .object([text: .array([.string(text), .number("-0.5e+3"), .bool(true), .null])])
    invariant((try? JSON.parse(JSON.encode(object))) == object, "an object keyed by the text did not read back")
}
