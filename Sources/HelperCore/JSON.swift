/// A small, strict RFC 8259 JSON reader and writer.
///
/// Why not Foundation: linking FoundationEssentials costs about 3 MiB of resident
/// memory and 0.7 ms at every start of a helper that git, docker and kubectl run on
/// every call (see BENCHMARKS.md), and its errors carry no line numbers, which the
/// config file's error messages need. The writer escapes like Go's encoding/json,
/// so docker answers are byte-identical to docker-credential-helpers'.
public enum JSONValue: Equatable, Sendable {
    case object([String: JSONValue])
    case array([JSONValue])
    case string(String)
    /// The number as written, so no precision is lost on the way through.
    case number(String)
    case bool(Bool)
    case null

    public subscript(key: String) -> JSONValue? {
        if case let .object(members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case let .string(text) = self { return text }
        return nil
    }
}

public struct JSONError: Error, Equatable, Sendable {
    public var line: Int
    public var column: Int
    public var reason: String

    public var description: String { "line \(line), column \(column): \(reason)" }
}

public enum JSON {
    static let maxDepth = 64

    public static func parse(_ bytes: [UInt8]) throws(JSONError) -> JSONValue {
        var lines: [String: Int] = [:]
        return try parse(bytes, lines: &lines, recording: false)
    }

    /// Parses, and records the line of every object member's value under its path
    /// ("profiles.work.flow"), so that a file's semantic errors can name their line.
    public static func parse(_ bytes: [UInt8], lines: inout [String: Int]) throws(JSONError) -> JSONValue {
        try parse(bytes, lines: &lines, recording: true)
    }

    static func parse(_ bytes: [UInt8], lines: inout [String: Int], recording: Bool) throws(JSONError) -> JSONValue {
        var reader = Reader(bytes: bytes)
        reader.recording = recording
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == bytes.count else { throw reader.error("unexpected text after the JSON value") }
        lines = reader.lines
        return value
    }

    /// Indented JSON for files people edit: two spaces, keys sorted, a final newline.
    public static func encodePretty(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        writePretty(value, indent: 0, to: &out)
        out.append(0x0A)
        return out
    }

    static func writePretty(_ value: JSONValue, indent: Int, to out: inout [UInt8]) {
        let pad = [UInt8](repeating: 0x20, count: indent + 2), closing = [UInt8](repeating: 0x20, count: indent)
        switch value {
        case let .object(members) where !members.isEmpty:
            out += "{\n".utf8
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out += ",\n".utf8 }
                out += pad
                writeString(key, to: &out)
                out += ": ".utf8
                writePretty(members[key]!, indent: indent + 2, to: &out)
            }
            out += "\n".utf8 + closing + "}".utf8
        case let .array(elements) where !elements.isEmpty:
            out += "[\n".utf8
            for (index, element) in elements.enumerated() {
                if index > 0 { out += ",\n".utf8 }
                out += pad
                writePretty(element, indent: indent + 2, to: &out)
            }
            out += "\n".utf8 + closing + "]".utf8
        default: write(value, to: &out)
        }
    }

    /// Compact JSON, object keys in byte order, strings escaped as Go does.
    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, to: &out)
        return out
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case let .object(members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                write(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        case let .array(elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case let .string(text): writeString(text, to: &out)
        case let .number(text): out += text.utf8
        case let .bool(flag): out += (flag ? "true" : "false").utf8
        case .null: out += "null".utf8
        }
    }

    /// A JSON string as Go's encoding/json writes it: `<`, `>`, `&`, U+2028 and U+2029
    /// as \u escapes, control characters as \n, \r, \t or \u00XX.
    public static func writeString(_ s: String, to out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out += "\\\"".utf8
            case 0x5C: out += "\\\\".utf8
            case 0x0A: out += "\\n".utf8
            case 0x0D: out += "\\r".utf8
            case 0x09: out += "\\t".utf8
            case 0x00..<0x20, 0x3C, 0x3E, 0x26, 0x2028, 0x2029:
                out += "\\u".utf8
                for shift in stride(from: 12, through: 0, by: -4) {
                    out.append(hex[Int((scalar.value >> UInt32(shift)) & 0xF)])
                }
            default: out += String(scalar).utf8
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    struct Reader {
        let bytes: [UInt8]
        var index = 0
        var recording = false
        var lines: [String: Int] = [:]
        var path: [String] = []
        var counted = 0
        var line = 1

        /// The current line, counted incrementally (members come in order).
        mutating func currentLine() -> Int {
            while counted < index { if bytes[counted] == 0x0A { line += 1 }; counted += 1 }
            return line
        }

        func error(_ reason: String) -> JSONError {
            var line = 1
            var lineStart = 0
            for i in 0..<min(index, bytes.count) where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            return JSONError(line: line, column: index - lineStart + 1, reason: reason)
        }

        mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws(JSONError) -> JSONValue {
            guard depth < JSON.maxDepth else { throw error("nested deeper than \(JSON.maxDepth) levels") }
            guard index < bytes.count else { throw error("unexpected end of input") }
            switch bytes[index] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw error("expected a value")
            }
        }

        mutating func object(depth: Int) throws(JSONError) -> JSONValue {
            index += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(members) }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected a quoted member name") }
                let key = try string()
                skipSpace()
                try expect(":", "expected ':' after the member name")
                skipSpace()
                if recording {
                    path.append(key)
                    lines[path.joined(separator: ".")] = currentLine()
                }
                members[key] = try value(depth: depth + 1)
                if recording { path.removeLast() }
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of input; expected ',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                try expect("}", "expected ',' or '}'")
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(JSONError) -> JSONValue {
            index += 1
            var elements: [JSONValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
            while true {
                skipSpace()
                elements.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of input; expected ',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                try expect("]", "expected ',' or ']'")
                return .array(elements)
            }
        }

        mutating func expect(_ character: Unicode.Scalar, _ reason: String) throws(JSONError) {
            guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { throw error(reason) }
            index += 1
        }

        mutating func literal(_ word: String) throws(JSONError) {
            let expected = Array(word.utf8)
            guard index + expected.count <= bytes.count,
                  Array(bytes[index..<index + expected.count]) == expected else { throw error("expected '\(word)'") }
            index += expected.count
        }

        mutating func number() throws(JSONError) -> String {
            let start = index
            func digits() -> Int {
                let first = index
                while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
                return index - first
            }
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            let leadingZero = index < bytes.count && bytes[index] == UInt8(ascii: "0")
            let whole = digits()
            var valid = whole > 0 && !(leadingZero && whole > 1)
            if valid, index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                valid = digits() > 0
            }
            if valid, index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                valid = digits() > 0
            }
            guard valid else {
                index = start
                throw error("malformed number")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }

        mutating func string() throws(JSONError) -> String {
            index += 1
            var scalars = String.UnicodeScalarView()
            var run = index
            func validated(_ end: Int) throws(JSONError) -> String {
                guard let text = String(validating: bytes[run..<end], as: UTF8.self) else {
                    throw error("a string is not valid UTF-8")
                }
                return text
            }
            func flush(_ end: Int) throws(JSONError) {
                scalars.append(contentsOf: try validated(end).unicodeScalars)
            }
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    // Most strings hold no escape: one validated copy of their bytes.
                    if !escaped {
                        let text = try validated(index)
                        index += 1
                        return text
                    }
                    try flush(index)
                    index += 1
                    return String(scalars)
                }
                if byte < 0x20 { throw error("a control character inside a string must be escaped") }
                if byte != UInt8(ascii: "\\") { index += 1; continue }
                try flush(index)
                escaped = true
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "\""): scalars.append("\"")
                case UInt8(ascii: "\\"): scalars.append("\\")
                case UInt8(ascii: "/"): scalars.append("/")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "u"): scalars.append(try unicodeEscape())
                default: index -= 1; throw error("unknown escape in a string")
                }
                run = index
            }
            throw error("unterminated string")
        }

        /// \uXXXX, joining a UTF-16 surrogate pair; a lone surrogate becomes U+FFFD as in Go.
        mutating func unicodeEscape() throws(JSONError) -> Unicode.Scalar {
            let high = try hex4()
            if (0xD800..<0xDC00).contains(high), index + 1 < bytes.count,
               bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                let save = index
                index += 2
                let low = try hex4()
                if (0xDC00..<0xE000).contains(low) {
                    return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
                }
                index = save
            }
            return Unicode.Scalar(high) ?? "\u{FFFD}"
        }

        mutating func hex4() throws(JSONError) -> UInt32 {
            guard index + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
            var value: UInt32 = 0
            for byte in bytes[index..<index + 4] {
                guard let digit = Character(Unicode.Scalar(byte)).hexDigitValue else {
                    throw error("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt32(digit)
            }
            index += 4
            return value
        }
    }
}
