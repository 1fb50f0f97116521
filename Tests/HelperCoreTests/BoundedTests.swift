import HelperCore
import Testing

@Suite("Bounded: numbers from servers and files, clamped")
struct BoundedTests {
    @Test("a number's text is clamped to the range, never trapped on", arguments: [
        ("3600", 3600 as Int64?), ("0", 1), ("-5", 1), ("+7", 7), ("3600.9", 3600), ("3.6e3", 3600),
        ("9223372036854775807", 86400), ("-9223372036854775808", 1), ("9223372036854775808", 86400),
        ("99999999999999999999", 86400), ("-99999999999999999999", 1), ("1e400", 86400), ("-1e400", 1),
        ("1e-400", 1), ("", nil), ("abc", nil), ("nan", nil), ("inf", nil), ("1e", nil), ("0x10", nil),
        ("--5", nil), (" 5", nil), ("5 ", nil), ("١٢", nil),
    ] as [(String, Int64?)])
    func integer(text: String, expected: Int64?) {
        #expect(Bounded.integer(text, in: 1...86400) == expected)
        #expect(JSONValue.number(text).integer(in: 1...86400) == expected)
        #expect(JSONValue.string(text).integer(in: 1...86400) == expected)
    }

    @Test("the whole Int64 range and the epoch range", arguments: [
        ("9223372036854775807", Int64.max, Int64(253_402_300_799)), ("-9223372036854775808", Int64.min, 0),
        ("1e400", Int64.max, 253_402_300_799), ("-1e400", Int64.min, 0), ("1800000000", 1_800_000_000, 1_800_000_000),
    ] as [(String, Int64, Int64)])
    func ranges(text: String, whole: Int64, epoch: Int64) {
        #expect(Bounded.integer(text, in: Int64.min...Int64.max) == whole)
        #expect(Bounded.integer(text, in: Bounded.epochSeconds) == epoch)
    }

    @Test("other JSON values are no number")
    func notNumbers() {
        for value in [JSONValue.bool(true), .null, .array([.number("1")]), .object(["a": .number("1")])] {
            #expect(value.integer(in: 0...10) == nil)
        }
    }

    @Test("saturating sum and difference", arguments: [
        (Int64.max, 1, Int64.max, Int64.max - 1), (Int64.min, 1, Int64.min + 1, Int64.min),
        (Int64.max, Int64.min, -1, Int64.max), (Int64.min, Int64.max, -1, Int64.min),
        (5, -7, -2, 12), (0, Int64.min, Int64.min, Int64.max),
    ] as [(Int64, Int64, Int64, Int64)])
    func saturating(a: Int64, b: Int64, sum: Int64, difference: Int64) {
        #expect(Bounded.sum(a, b) == sum)
        #expect(Bounded.difference(a, b) == difference)
    }
}
