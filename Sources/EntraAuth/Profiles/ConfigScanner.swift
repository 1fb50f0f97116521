/// ConfigIndex's reader: JSON's grammar (RFC 8259, as JSON.Reader reads it) for the plain
/// shape of a config file, and Config.parse's checks on each value. Every `false` means
/// "not sure": Config.parse decides.
extension ConfigIndex {
    struct Scanner {
        let bytes: [UInt8]
        var index = 0

        static let profileKeys: [[UInt8]] = Config.profileKeys.sorted().map { Array($0.utf8) }

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func take(_ byte: UInt8) -> Bool {
            skipSpace()
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        /// A string without escapes, control characters or bytes outside ASCII: its bytes.
        mutating func plainString() -> Range<Int>? {
            guard take(UInt8(ascii: "\"")) else { return nil }
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") { index += 1; return start..<(index - 1) }
                if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\\") { return nil }
                index += 1
            }
            return nil
        }

        mutating func nonEmptyString() -> Range<Int>? {
            guard let range = plainString(), !range.isEmpty else { return nil }
            return range
        }

        /// `true` or `false`.
        mutating func boolean() -> Bool {
            skipSpace()
            for word in ["true", "false"] where bytes[index...].starts(with: word.utf8) {
                index += word.utf8.count
                return true
            }
            return false
        }

        /// `{ "key": value, … }`, each member read by `member` (false: not sure).
        mutating func members(_ member: (inout Scanner, Range<Int>) -> Bool) -> Bool {
            guard take(UInt8(ascii: "{")) else { return false }
            if take(UInt8(ascii: "}")) { return true }
            repeat {
                guard let key = plainString(), take(UInt8(ascii: ":")), member(&self, key) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}"))
        }

        /// `[ "…", … ]` of non-empty strings.
        mutating func strings(_ each: (Range<Int>) -> Bool = { _ in true }) -> Bool {
            guard take(UInt8(ascii: "[")) else { return false }
            if take(UInt8(ascii: "]")) { return true }
            repeat {
                guard let item = nonEmptyString(), each(item) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        }

        func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }

        mutating func top(into index: inout ConfigIndex) -> Bool {
            var seen = Set<String>()
            var names = Set<String>()
            let read = members { scanner, key in
                let name = scanner.text(key)
                guard seen.insert(name).inserted else { return false }
                switch name {
                case "profiles":
                    return scanner.members { scanner, key in
                        let name = scanner.text(key)
                        guard Config.isValidName(name), names.insert(name).inserted else { return false }
                        return scanner.profile(name: key, into: &index)
                    }
                case "default_profile":
                    guard let value = scanner.plainString() else { return false }
                    index.defaultProfile = scanner.text(value)
                    return true
                case "prompt_cooldown_seconds":
                    // A whole number as JSON writes it (no leading zero), 0-86400.
                    scanner.skipSpace()
                    let start = scanner.index
                    while scanner.index < scanner.bytes.count, (0x30...0x39).contains(scanner.bytes[scanner.index]) { scanner.index += 1 }
                    let digits = scanner.bytes[start..<scanner.index]
                    guard (1...5).contains(digits.count), digits.count == 1 || digits.first != 0x30,
                          let seconds = Int(String(decoding: digits, as: UTF8.self)), seconds <= 86400,
                          scanner.index == scanner.bytes.count || !"-+.eE".utf8.contains(scanner.bytes[scanner.index]) else { return false }
                    index.promptCooldownSeconds = seconds
                    return true
                case "store":
                    guard let value = scanner.plainString(), let kind = Config.StoreKind(rawValue: scanner.text(value)) else { return false }
                    index.store = kind
                    return true
                default:
                    return false
                }
            }
            skipSpace()
            guard read, self.index == bytes.count else { return false }
            return index.defaultProfile.map { names.contains($0) } ?? true
        }

        /// One profile, with Config.profile's checks.
        mutating func profile(name: Range<Int>, into index: inout ConfigIndex) -> Bool {
            var fields: [Range<Int>?] = Array(repeating: nil, count: Self.profileKeys.count)
            skipSpace()
            let objectStart = self.index
            let firstPattern = index.patterns.count
            let bytes = self.bytes
            let read = members { scanner, key in
                guard let slot = Self.profileKeys.firstIndex(where: { $0.elementsEqual(bytes[key]) }),
                      fields[slot] == nil else { return false }
                fields[slot] = key
                switch slot {
                case Self.scopes: return scanner.strings()
                case Self.sendCertificateChain: return scanner.boolean()
                case Self.hosts:
                    return scanner.strings { range in
                        guard case let .scanned(scan) = HostPattern.scanASCII(bytes[range]) else { return false }
                        let name = (range.lowerBound + (scan.wildcard ? 2 : 0))..<scan.nameEnd
                        index.patterns.append(Pattern(name: name, wildcard: scan.wildcard, port: scan.port))
                        return true
                    }
                default:
                    fields[slot] = scanner.nonEmptyString()
                    return fields[slot] != nil
                }
            }
            guard read else { return false }
            func field(_ slot: Int) -> String? { fields[slot].map { String(decoding: bytes[$0], as: UTF8.self) } }
            let preset = field(Self.preset)
            if let preset, Preset(rawValue: preset) == nil { return false }
            if preset == nil, fields[Self.tenant] == nil || fields[Self.clientID] == nil { return false }
            if let host = field(Self.authorityHost) {
                guard (try? Authority(host: host, tenant: field(Self.tenant) ?? "organizations")) != nil else { return false }
            } else if let tenant = fields[Self.tenant] {
                // Authority's check of a tenant, on its bytes (the public cloud's host is valid).
                guard bytes[tenant].allSatisfy({ HostPattern.isLetterOrDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }) else {
                    return false
                }
            }
            if let flow = field(Self.flow), Profile.Flow(name: flow) == nil { return false }
            if let kind = field(Self.kind), Profile.Kind(rawValue: kind) == nil { return false }
            if let identity = field(Self.managedIdentity), ManagedIdentityID(config: identity) == nil { return false }
            if let ports = field(Self.ports), (try? Profile.parsePorts(ports)) == nil { return false }
            index.entries.append(Entry(name: name, object: objectStart..<self.index, patterns: firstPattern..<index.patterns.count,
                                       presetHosts: fields[Self.hosts] == nil ? preset.flatMap(Preset.init) : nil))
            return true
        }

        static func slot(_ key: String) -> Int { profileKeys.firstIndex(of: Array(key.utf8))! }
        static let scopes = slot("scopes"), hosts = slot("hosts"), preset = slot("preset"), tenant = slot("tenant"),
                   clientID = slot("client_id"), authorityHost = slot("authority_host"), flow = slot("flow"),
                   kind = slot("kind"), ports = slot("ports"), managedIdentity = slot("managed_identity"),
                   sendCertificateChain = slot("send_certificate_chain")
    }
}
