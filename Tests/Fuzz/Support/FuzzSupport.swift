import CFuzzDriver
#if canImport(Glibc)
import Glibc
#endif

/// What every fuzz target shares: libFuzzer's driver, the input as bytes, and a broken
/// invariant as a crash (libFuzzer saves the input that caused it and exits non-zero).

nonisolated(unsafe) private var body: ([UInt8]) -> Void = { _ in }

/// Runs libFuzzer with the process's arguments, calling `test` with every input; exits.
public func fuzz(_ test: @escaping ([UInt8]) -> Void) -> Never {
    body = test
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}

/// The callback, also under libFuzzer's own name: -sanitize=fuzzer links libFuzzer's
/// main whole, which refers to it (SwiftPM's --defsym main=… makes ours the one that runs).
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { body([]); return 0 }
    body(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// Stops the run when `condition` is false, naming the invariant on stderr.
public func invariant(_ condition: Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    guard !condition else { return }
    let text = Array("fuzz invariant broken (\(file):\(line)): \(message())\n".utf8)
    _ = text.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
    abort()
}

/// The input cut at its first `count - 1` `separator` bytes (missing parts are empty), so
/// that one input can carry several fields.
public func fields(_ bytes: [UInt8], count: Int, separator: UInt8 = 0x0A) -> [[UInt8]] {
    var parts = bytes.split(separator: separator, maxSplits: count - 1, omittingEmptySubsequences: false).map { Array($0) }
    while parts.count < count { parts.append([]) }
    return parts
}

/// `count` texts cut at 0xFF bytes (never part of UTF-8), so that they may hold any
/// character, CR, LF and NUL included.
public func texts(_ bytes: [UInt8], count: Int) -> [String] {
    fields(bytes, count: count, separator: 0xFF).map { String(decoding: $0, as: UTF8.self) }
}

/// Text that may be shown in a failure message: control characters escaped, cut short.
public func shown(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars.prefix(300) {
        if scalar.value < 0x20 || scalar.value == 0x7F { out += "\\u{\(String(scalar.value, radix: 16))}" } else { out.unicodeScalars.append(scalar) }
    }
    return out
}

public func shown(_ bytes: [UInt8]) -> String { shown(String(decoding: bytes, as: UTF8.self)) }
