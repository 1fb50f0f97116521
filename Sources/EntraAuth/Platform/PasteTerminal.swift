#if canImport(Glibc)
import Glibc
#endif

/// Where the paste flow reads the address pasted back: the controlling terminal, never
/// stdin (which carries git's or docker's protocol).
public protocol PasteTerminal: AnyObject {
    /// Whether there is a terminal to paste into (in the foreground).
    var available: Bool { get }
    /// What has been typed, without waiting: a whole line (without its end), nothing yet
    /// (nil), or the end of the terminal.
    func poll() -> PastedLine?
}

public enum PastedLine: Equatable, Sendable {
    case line(String)
    case ended
}

/// /dev/tty, opened on first use on its own non-blocking file description (the shell's
/// stays as it is). The terminal's line discipline echoes and edits the line as usual: the
/// address holds a one-time code that PKCE binds to this process, not a secret to hide.
/// A line is cut at `cap` bytes (the rest up to its end is dropped).
public final class ControllingTerminalLines: PasteTerminal {
    private var descriptor: Int32 = -2
    private var pending: [UInt8] = []
    private var overflow = false
    static let cap = 16384

    public init() {}

    deinit { if descriptor >= 0 { close(descriptor) } }

    private var terminal: Int32 {
        if descriptor == -2 { descriptor = open("/dev/tty", O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY) }
        return descriptor
    }

    /// A terminal whose foreground this process is: a background job reading it would be
    /// stopped (SIGTTIN), so it has none to paste into.
    public var available: Bool { terminal >= 0 && tcgetpgrp(terminal) == getpgrp() }

    public func poll() -> PastedLine? {
        guard terminal >= 0 else { return .ended }
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(terminal, $0.baseAddress, $0.count) }
            if count < 0 { return errno == EINTR ? nil : (errno == EAGAIN || errno == EWOULDBLOCK ? nil : .ended) }
            if count == 0 { return .ended }
            for byte in chunk[0..<count] {
                if byte == 0x0A {
                    defer { pending = []; overflow = false }
                    return .line(overflow ? "(longer than the cap)" : String(decoding: pending, as: UTF8.self))
                }
                if pending.count < Self.cap { pending.append(byte) } else { overflow = true }
            }
        }
    }
}
