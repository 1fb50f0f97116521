#if canImport(Glibc)
import Glibc
#endif
import HelperCore

/// Byte streams for the protocol front ends: the request on stdin, the answer on
/// stdout, and one human line on stderr. Nothing else may write to stdout.
public protocol ByteStreams: AnyObject {
    func readInput(limit: Int) throws(HelperError) -> [UInt8]
    func writeOutput(_ bytes: [UInt8])
    func writeDiagnostic(_ line: String)
}

/// The process's own file descriptors 0, 1 and 2.
public final class StandardStreams: ByteStreams {
    public init() {}

    public func readInput(limit: Int) throws(HelperError) -> [UInt8] {
        var data: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                break  // A closed or unreadable stdin is an empty request.
            }
            if n == 0 { break }
            data += chunk[0..<n]
            if data.count > limit { throw .inputTooLarge(limit: limit) }
        }
        return data
    }

    public func writeOutput(_ bytes: [UInt8]) { Self.writeAll(1, bytes) }

    /// Whatever a line echoes, it reaches the terminal clean (see `Sanitize`).
    public func writeDiagnostic(_ line: String) { Self.writeAll(2, Array((Sanitize.lines(line, limit: 1 << 16) + "\n").utf8)) }

    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return  // The reader went away (EPIPE); there is nobody left to tell.
            }
            offset += n
        }
    }
}
