/// Numbers that come from a server or a file, made safe for arithmetic. Swift traps on
/// overflow, so a hostile `expires_in` of 9223372036854775807 or an `exp` of INT64_MIN
/// must never reach `+`, `-` or `*` as is: read them here, clamped to a sane range, and
/// combine them with the saturating operations below.
public enum Bounded {
    /// Seconds since the epoch that a real date can have: 1970 to the end of year 9999.
    public static let epochSeconds: ClosedRange<Int64> = 0...253_402_300_799

    /// The integer a number's text holds, clamped to `range`: "3600", "-5", "3600.0",
    /// "1e400" (the upper bound), "99999999999999999999" (likewise). nil when the text is
    /// no number ("", "abc", "nan", "1e").
    public static func integer(_ text: String, in range: ClosedRange<Int64>) -> Int64? {
        let body = text.utf8.drop { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }
        guard text.utf8.count - body.count <= 1, let first = body.first, Self.isDigit(first),
              body.allSatisfy({ Self.isDigit($0) || $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e")
                                || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "+") }) else { return nil }
        if let exact = Int64(text) { return clamp(exact, range) }
        // Too long for Int64, or a fraction or exponent: Double saturates to ±infinity.
        guard let real = Double(text), !real.isNaN else { return nil }
        if real <= Double(range.lowerBound) { return range.lowerBound }
        if real >= Double(range.upperBound) { return range.upperBound }
        return clamp(Int64(real), range)
    }

    static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    public static func clamp(_ value: Int64, _ range: ClosedRange<Int64>) -> Int64 {
        min(max(value, range.lowerBound), range.upperBound)
    }

    /// a + b, saturating at Int64's ends instead of trapping.
    public static func sum(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.addingReportingOverflow(b)
        return overflow ? (b > 0 ? .max : .min) : result
    }

    /// a - b, saturating at Int64's ends instead of trapping.
    public static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        return overflow ? (b < 0 ? .max : .min) : result
    }
}

extension JSONValue {
    /// A number (or a number in a string, as Entra's v1 endpoints send them) clamped to
    /// `range`; nil for anything else.
    public func integer(in range: ClosedRange<Int64>) -> Int64? {
        switch self {
        case let .number(text), let .string(text): return Bounded.integer(text, in: range)
        default: return nil
        }
    }
}
