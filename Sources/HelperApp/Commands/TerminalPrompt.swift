#if canImport(Glibc)
import Glibc
#endif

/// A question asked on the terminal (never on stdout, which belongs to the answer):
/// `create-profile` asks for what its flags did not give.
protocol TerminalPrompt {
    /// Whether there is a terminal to ask on.
    var available: Bool { get }
    /// The line typed in answer, without its end and surrounding blanks; nil without a
    /// terminal or at its end.
    func ask(_ question: String) -> String?
}

/// The controlling terminal, /dev/tty. The answers are not secrets (ids, a flow, scopes),
/// so the terminal echoes them as it always does.
final class ControllingTerminal: TerminalPrompt {
    private var descriptor: Int32 = -2

    deinit { if descriptor >= 0 { close(descriptor) } }

    private var terminal: Int32 {
        if descriptor == -2 { descriptor = open("/dev/tty", O_RDWR | O_CLOEXEC) }
        return descriptor
    }

    var available: Bool { terminal >= 0 }

    func ask(_ question: String) -> String? {
        guard terminal >= 0 else { return nil }
        let prompt = Array(question.utf8)
        _ = prompt.withUnsafeBytes { write(terminal, $0.baseAddress, $0.count) }
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while line.count < 4096 {
            let count = read(terminal, &byte, 1)
            if count < 0, errno == EINTR { continue }
            guard count == 1 else { return line.isEmpty ? nil : Self.trimmed(line) }
            if byte == 0x0A { break }
            line.append(byte)
        }
        return Self.trimmed(line)
    }

    static func trimmed(_ line: [UInt8]) -> String {
        String(decoding: line, as: UTF8.self).split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" })
            .joined(separator: " ")
    }
}
