import CKernel

#if canImport(Glibc)
import Glibc
#endif

/// The key management calls KernelKeyring makes, as a small protocol so that the quota
/// handling can be tested with a fake. Failures return nil (or false) with the error
/// number.
public protocol KernelKeyCalls {
    /// add_key(2) of a "user" key into the user keyring: the serial, or the errno.
    func add(_ description: String, _ payload: [UInt8]) -> Result<Int32, KernelKeyError>
    func search(_ description: String) -> Int32?
    /// The payload (the caller wipes it).
    func read(_ serial: Int32) -> [UInt8]?
    /// The user keyring's "user" keys: (serial, description).
    func userKeys() -> [(serial: Int32, description: String)]
    func update(_ serial: Int32, _ payload: [UInt8]) -> Bool
    func setTimeout(_ serial: Int32, seconds: UInt32)
    func invalidate(_ serial: Int32)
}

public struct KernelKeyError: Error, Equatable, Sendable {
    public var code: Int32
    public init(_ code: Int32) { self.code = code }
}

/// The real calls (CKernel's syscall wrappers).
public struct SystemKernelKeyCalls: KernelKeyCalls {
    public init() {}

    public func add(_ description: String, _ payload: [UInt8]) -> Result<Int32, KernelKeyError> {
        let serial = ech_add_user_key(description, payload, payload.count)
        return serial >= 0 ? .success(serial) : .failure(KernelKeyError(errno))
    }

    public func search(_ description: String) -> Int32? {
        let serial = ech_search_user_key(description)
        return serial >= 0 ? serial : nil
    }

    public func read(_ serial: Int32) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: 16384)
        let length = buffer.withUnsafeMutableBytes { ech_read_key(serial, $0.baseAddress, $0.count) }
        guard length > 0, length <= buffer.count else {
            buffer.withUnsafeMutableBytes { _ = memset($0.baseAddress!, 0, $0.count) }
            return nil
        }
        let payload = Array(buffer[0..<length])
        buffer.withUnsafeMutableBytes { _ = memset($0.baseAddress!, 0, $0.count) }
        return payload
    }

    public func userKeys() -> [(serial: Int32, description: String)] {
        // KEYCTL_READ answers the whole list's size: a keyring holding more keys than the
        // buffer (other programs' keys count too) is read again with room for all of them,
        // up to 64 Ki keys, so a key past the first 1024 is still found (and removed).
        var serials = [Int32](repeating: 0, count: 1024)
        var length = 0
        while true {
            length = serials.withUnsafeMutableBytes { ech_read_key(ech_user_keyring(), $0.baseAddress, $0.count) }
            guard length > serials.count * 4, serials.count < 65536 else { break }
            serials = [Int32](repeating: 0, count: min(length / 4 + 64, 65536))
        }
        guard length > 0 else { return [] }
        var found: [(serial: Int32, description: String)] = []
        for serial in serials.prefix(min(Int(length), serials.count * 4) / 4) {
            var text = [CChar](repeating: 0, count: 512)
            guard ech_describe_key(serial, &text, text.count) > 0 else { continue }
            let described = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            // "type;uid;gid;perm;description"; the description may itself hold ';'.
            let parts = described.split(separator: ";", maxSplits: 4, omittingEmptySubsequences: false)
            guard parts.count == 5, parts[0] == "user" else { continue }
            found.append((serial, String(parts[4])))
        }
        return found
    }

    public func update(_ serial: Int32, _ payload: [UInt8]) -> Bool { ech_update_key(serial, payload, payload.count) == 0 }

    public func setTimeout(_ serial: Int32, seconds: UInt32) { _ = ech_set_key_timeout(serial, seconds) }

    public func invalidate(_ serial: Int32) { _ = ech_invalidate_key(serial) }
}
