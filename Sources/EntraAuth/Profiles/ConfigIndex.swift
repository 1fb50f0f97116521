import HelperCore
import HelperProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A config file checked on its bytes without building it (issue 10: the file is read on
/// every call, and building 1,000 profiles cost 10 ms where routing needs one). It takes
/// only the plain shape: strings without escapes or bytes outside ASCII, no duplicate keys,
/// known keys with values of the right type that Config.parse accepts. Anything else, valid
/// or not, gives nil, and Config.parse reads the file (with its errors, file and line).
/// When this says yes, Config.parse says yes to the same file: ConfigIndexTests and the
/// config fuzz target hold the two to the same config.
struct ConfigIndex: Sendable {
    struct Entry: Sendable {
        var name: Range<Int>
        var object: Range<Int>
        /// Indices into `patterns`.
        var patterns: Range<Int>
        /// The preset whose patterns the profile has, when it names no hosts of its own.
        var presetHosts: Preset?
    }

    /// A checked pattern: its host name as written (`*.` dropped), and its port.
    struct Pattern: Sendable {
        var name: Range<Int>
        var wildcard: Bool
        var port: Int?
    }

    let bytes: [UInt8]
    var entries: [Entry] = []
    var patterns: [Pattern] = []
    var defaultProfile: String?
    var promptCooldownSeconds = 120
    var store: Config.StoreKind = .secretService

    init?(_ bytes: [UInt8]) {
        self.bytes = bytes
        var scanner = Scanner(bytes: bytes)
        guard scanner.top(into: &self) else { return nil }
    }

    /// The profiles one of whose patterns matches the host and port of `request` (what the
    /// router can choose from), built; nil when the host is outside ASCII (ask them all).
    func candidates(host: String, port: Int?, path: String) throws(HelperError) -> [Profile]? {
        var name = HostPattern.normalise(host)
        let effective = port == 443 ? nil : port
        let matching: [Entry]? = name.withUTF8 { name in
            guard name.allSatisfy({ $0 < 0x80 }) else { return nil }
            return entries.filter { entry in
                patterns[entry.patterns].contains { pattern in matches(pattern, name: name, port: effective) }
                    || (entry.presetHosts?.hostPatterns ?? []).contains { text in
                        (try? HostPattern(parsing: text))?.matches(host: host, port: port) == true
                    }
            }
        }
        guard let matching else { return nil }
        var profiles: [Profile] = []
        for entry in matching { profiles.append(try profile(entry, path: path)) }
        return profiles
    }

    /// The profile called `name`, built alone; nil when there is none.
    func profile(named name: String, path: String) throws(HelperError) -> Profile? {
        guard let entry = entries.first(where: { bytes[$0.name].elementsEqual(name.utf8) }) else { return nil }
        return try profile(entry, path: path)
    }

    /// One checked profile, built as Config.parse builds it (so it cannot fail).
    private func profile(_ entry: Entry, path: String) throws(HelperError) -> Profile {
        let name = String(decoding: bytes[entry.name], as: UTF8.self)
        let fields: JSONValue
        do { fields = try JSON.parse(Array(bytes[entry.object])) } catch {
            throw .configInvalid(path: path, line: nil, reason: error.reason)
        }
        return try Config.profile(name: name, fields, at: "profiles.\(name)") { _, reason in
            .configInvalid(path: path, line: nil, reason: reason)
        }
    }

    /// HostPattern.matches(normalised:port:) on a checked pattern's bytes, for an ASCII name.
    private func matches(_ pattern: Pattern, name: UnsafeBufferPointer<UInt8>, port: Int?) -> Bool {
        guard (pattern.port == 443 ? nil : pattern.port) == port else { return false }
        let written = bytes[pattern.name]
        if pattern.wildcard {
            guard name.count > written.count + 1, name[name.count - written.count - 1] == UInt8(ascii: ".") else { return false }
            return zip(name[(name.count - written.count)...], written).allSatisfy { $0 == HostPattern.lowercased($1) }
        }
        return name.count == written.count && zip(name, written).allSatisfy { $0 == HostPattern.lowercased($1) }
    }
}

/// The profiles of a file ConfigIndex checked, all built once when first asked for.
final class CheckedProfiles: @unchecked Sendable {
    let index: ConfigIndex
    let path: String
    /// Guarded by `lock` (a pthread mutex: the Synchronization module's Mutex added 300 KB).
    private var all: [String: Profile]?
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init(index: ConfigIndex, path: String) {
        self.index = index
        self.path = path
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    var profiles: [String: Profile] {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let all { return all }
        // ConfigIndex said yes, so this reads (ConfigIndexTests, the config fuzz target); were
        // it ever not to, no profile is given: routing fails closed.
        let built = (try? Config.parseFully(index.bytes, path: path).profiles) ?? [:]
        all = built
        return built
    }
}
