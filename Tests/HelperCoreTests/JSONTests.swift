import Testing
@testable import HelperCore

@Suite("JSON reader and writer")
struct JSONTests {
    @Test("valid documents", arguments: [
        ("{}", JSONValue.object([:])),
        ("[]", .array([])),
        (" [1, -0.5e+3, true, false, null, \"\"] ", .array([.number("1"), .number("-0.5e+3"), .bool(true), .bool(false), .null, .string("")])),
        (#"{"a":{"b":[{"c":"d"}]}}"#, .object(["a": .object(["b": .array([.object(["c": .string("d")])])])])),
        (#""\ud83d\ude00 \u00e9 \n""#, .string("😀 é \n")),
        (#""\ud800x""#, .string("\u{FFFD}x")),
    ])
    func valid(text: String, value: JSONValue) throws {
        #expect(try JSON.parse(Array(text.utf8)) == value)
    }

    @Test("errors name line and column", arguments: [
        ("{\n  \"a\": 1,\n  \"b\" 2\n}", 3, 7, "expected ':' after the member name"),
        ("[1, 2", 1, 6, "unexpected end of input; expected ',' or ']'"),
        ("{\"a\": tru}", 1, 7, "expected 'true'"),
        ("01", 1, 1, "malformed number"),
        ("\"a\u{1}\"", 1, 3, "a control character inside a string must be escaped"),
        ("{} x", 1, 4, "unexpected text after the JSON value"),
        ("\"\\x\"", 1, 3, "unknown escape in a string"),
        ("", 1, 1, "unexpected end of input"),
    ])
    func errors(text: String, line: Int, column: Int, reason: String) {
        #expect(throws: JSONError(line: line, column: column, reason: reason)) { try JSON.parse(Array(text.utf8)) }
    }

    @Test("nesting is bounded")
    func depth() {
        let text = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: JSONError.self) { try JSON.parse(Array(text.utf8)) }
    }

    @Test("writer round trip with sorted keys")
    func roundTrip() throws {
        let value = JSONValue.object(["z": .array([.number("1.5"), .null]), "a": .string("<&>"), "m": .bool(true)])
        let bytes = JSON.encode(value)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":"\u003c\u0026\u003e","m":true,"z":[1.5,null]}"#)
        #expect(try JSON.parse(bytes) == value)
    }
}
