import HelperCore

/// The config file: named profiles, the default profile, and settings.
///
///     {
///       "default_profile": "work",
///       "prompt_cooldown_seconds": 120,
///       "store": "secret-service",
///       "profiles": {
///         "work": { "tenant": "contoso.onmicrosoft.com", "client_id": "…",
///                   "scopes": ["…/.default"], "hosts": ["dev.azure.com"], "flow": "auto" }
///       }
///     }
///
/// Unknown keys are errors (a typo must not silently change behaviour), and every error
/// names the file and the line.
public struct Config: Equatable, Sendable {
    /// The profiles. A file that ConfigIndex could check on its bytes builds them on first
    /// use: routing (routeOrRefuse) builds only those that can match.
    public var profiles: [String: Profile] {
        get { built ?? checked?.profiles ?? [:] }
        set { built = newValue; checked = nil }
    }
    private var built: [String: Profile]? = [:]
    private var checked: CheckedProfiles?
    public var defaultProfile: String?
    /// How long automatic prompts pause after an abandoned sign-in.
    public var promptCooldownSeconds = 120
    /// Where tokens live: the Secret Service (default), or the opt-in memory or file store.
    public var store: StoreKind = .secretService

    public enum StoreKind: String, Sendable, CaseIterable {
        case secretService = "secret-service"
        case memory
        case file
    }

    public init() {}

    static let topKeys: Set<String> = ["profiles", "default_profile", "prompt_cooldown_seconds", "store"]
    static let profileKeys: Set<String> = ["tenant", "client_id", "scopes", "authority_host", "hosts", "flow",
                                           "login_hint", "domain_hint", "ports", "preset", "kind", "username",
                                           "certificate", "managed_identity", "service_connection_id", "send_certificate_chain"]

    /// A profile name: letters, digits, '.', '_' and '-', at most 64.
    public static func isValidName(_ name: String) -> Bool {
        // On the UTF-8 bytes: any byte outside ASCII fails, as its scalar would.
        !name.isEmpty && name.utf8.count <= 64 && name.utf8.first != UInt8(ascii: "-")
            && name.utf8.allSatisfy { HostPattern.isLetterOrDigit($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
    }

    public static func == (lhs: Config, rhs: Config) -> Bool {
        lhs.profiles == rhs.profiles && lhs.defaultProfile == rhs.defaultProfile
            && lhs.promptCooldownSeconds == rhs.promptCooldownSeconds && lhs.store == rhs.store
    }

    /// Parses the file's bytes; `path` only names the file in errors.
    public static func parse(_ bytes: [UInt8], path: String) throws(HelperError) -> Config {
        guard let index = ConfigIndex(bytes) else { return try parseFully(bytes, path: path) }
        var config = Config()
        config.built = nil
        config.checked = CheckedProfiles(index: index, path: path)
        config.defaultProfile = index.defaultProfile
        config.promptCooldownSeconds = index.promptCooldownSeconds
        config.store = index.store
        return config
    }

    /// `profiles[name]`, building only that one.
    /// Names are compared byte for byte, as ConfigIndex does (a String key would also take
    /// a canonically equivalent spelling, such as the Kelvin sign for K).
    public func profile(named name: String) -> Profile? {
        guard let checked else { return profiles[name].flatMap { $0.name.utf8.elementsEqual(name.utf8) ? $0 : nil } }
        return (try? checked.index.profile(named: name, path: checked.path)) ?? nil
    }

    /// `profiles.count`, building none.
    public var profileCount: Int { checked?.index.entries.count ?? profiles.count }

    /// The profile that serves a request, as HostRouter over all the profiles chooses it.
    public func routeOrRefuse(_ request: HostRouter.Request) throws(HelperError) -> Profile? {
        if let checked, let candidates = try checked.index.candidates(host: request.host, port: request.port, path: checked.path) {
            return try HostRouter(profiles: candidates).routeOrRefuse(request)
        }
        return try HostRouter(profiles: Array(profiles.values)).routeOrRefuse(request)
    }

    /// Reads the whole file into values, checking as it goes.
    static func parseFully(_ bytes: [UInt8], path: String) throws(HelperError) -> Config {
        let document: JSONValue
        do {
            document = try JSON.parse(bytes)
        } catch {
            throw .configInvalid(path: path, line: error.line, reason: "\(error.reason) (column \(error.column))")
        }
        // The members' lines matter only to an error: read again, recording them, then.
        var lines: [String: Int]?
        func fail(_ key: String, _ reason: String) -> HelperError {
            if lines == nil {
                var recorded: [String: Int] = [:]
                _ = try? JSON.parse(bytes, lines: &recorded)
                lines = recorded
            }
            return .configInvalid(path: path, line: lines?[key], reason: reason)
        }
        guard case let .object(top) = document else {
            throw .configInvalid(path: path, line: 1, reason: "the file must hold a JSON object")
        }
        var config = Config()
        for key in unknown(top, known: topKeys) {
            throw fail(key, "unknown key '\(key)' (known: \(topKeys.sorted().joined(separator: ", ")))")
        }
        if let value = top["default_profile"] {
            guard let name = value.stringValue else { throw fail("default_profile", "default_profile must be a string") }
            config.defaultProfile = name
        }
        if let value = top["prompt_cooldown_seconds"] {
            guard case let .number(text) = value, let seconds = Int(text), (0...86400).contains(seconds) else {
                throw fail("prompt_cooldown_seconds", "prompt_cooldown_seconds must be a whole number of seconds, 0-86400")
            }
            config.promptCooldownSeconds = seconds
        }
        if let value = top["store"] {
            guard let text = value.stringValue, let kind = StoreKind(rawValue: text) else {
                throw fail("store", "store must be one of \(StoreKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            config.store = kind
        }
        if let value = top["profiles"] {
            guard case let .object(entries) = value else { throw fail("profiles", "profiles must be an object of named profiles") }
            config.profiles.reserveCapacity(entries.count)
            for (name, entry) in entries {
                let at = "profiles.\(name)"
                guard isValidName(name) else { throw fail(at, "'\(name.prefix(64))' is not a profile name (letters, digits, . _ -)") }
                config.profiles[name] = try profile(name: name, entry, at: at, fail: fail)
            }
        }
        if let name = config.defaultProfile, config.profiles[name] == nil {
            throw fail("default_profile", "default_profile names '\(name.prefix(64))', which is not in profiles")
        }
        return config
    }

    /// The keys not in `known`, sorted (the first is the one reported); sorts nothing
    /// when all are known.
    private static func unknown(_ members: [String: JSONValue], known: Set<String>) -> [String] {
        guard members.keys.contains(where: { !known.contains($0) }) else { return [] }
        return members.keys.sorted().filter { !known.contains($0) }
    }

    static func profile(name: String, _ entry: JSONValue, at: String,
                                fail: (String, String) -> HelperError) throws(HelperError) -> Profile {
        guard case let .object(fields) = entry else { throw fail(at, "profile '\(name)' must be an object") }
        for key in unknown(fields, known: profileKeys) {
            throw fail("\(at).\(key)", "unknown key '\(key)' in profile '\(name)' (known: \(profileKeys.sorted().joined(separator: ", ")))")
        }
        func string(_ key: String) throws(HelperError) -> String? {
            guard let value = fields[key] else { return nil }
            guard let text = value.stringValue, !text.isEmpty else { throw fail("\(at).\(key)", "\(key) must be a non-empty string") }
            return text
        }
        func strings(_ key: String) throws(HelperError) -> [String]? {
            guard let value = fields[key] else { return nil }
            guard case let .array(items) = value else { throw fail("\(at).\(key)", "\(key) must be a list of strings") }
            var texts: [String] = []
            for item in items {
                guard let text = item.stringValue, !text.isEmpty else { throw fail("\(at).\(key)", "\(key) must be a list of non-empty strings") }
                texts.append(text)
            }
            return texts
        }
        // A field's own error, with the field's line.
        func checked<T>(_ key: String, _ make: () throws(HelperError) -> T) throws(HelperError) -> T {
            do { return try make() } catch { throw fail("\(at).\(key)", error.message) }
        }
        var profile: Profile
        if let presetName = try string("preset") {
            guard let preset = Preset(rawValue: presetName) else {
                throw fail("\(at).preset", "preset must be one of \(Preset.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            profile = try checked("preset") { () throws(HelperError) in
                try preset.profile(name: name, tenant: (try string("tenant")) ?? "organizations", clientID: try string("client_id"))
            }
        } else {
            guard let tenant = try string("tenant") else { throw fail(at, "profile '\(name)' needs a tenant") }
            guard let clientID = try string("client_id") else { throw fail(at, "profile '\(name)' needs a client_id") }
            profile = Profile(name: name, tenant: tenant, clientID: clientID, scopes: [])
        }
        if let scopes = try strings("scopes") { profile.scopes = scopes }
        if let host = try string("authority_host") { profile.authorityHost = host }
        do { _ = try profile.authority() } catch {
            if case .invalidTenant = error { throw fail("\(at).tenant", error.message) }
            throw fail("\(at).authority_host", error.message)
        }
        if let patterns = try strings("hosts") {
            profile.hosts = []
            for pattern in patterns {
                profile.hosts.append(try checked("hosts") { () throws(HelperError) in try HostPattern(parsing: pattern) })
            }
        }
        if let flow = try string("flow") {
            guard let parsed = Profile.Flow(name: flow) else {
                throw fail("\(at).flow", "flow must be one of \(Profile.Flow.names.joined(separator: ", "))")
            }
            profile.flow = parsed
        }
        profile.loginHint = try string("login_hint") ?? profile.loginHint
        profile.domainHint = try string("domain_hint") ?? profile.domainHint
        if let ports = try string("ports") {
            profile.ports = try checked("ports") { () throws(HelperError) in try Profile.parsePorts(ports) }
        }
        profile.preset = try string("preset")
        if let kind = try string("kind") {
            guard let parsed = Profile.Kind(rawValue: kind) else {
                throw fail("\(at).kind", "kind must be one of \(Profile.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            profile.kind = parsed
        }
        profile.username = try string("username") ?? profile.username
        profile.certificatePath = try string("certificate")
        profile.serviceConnectionID = try string("service_connection_id")
        if let value = fields["send_certificate_chain"] {
            guard case let .bool(flag) = value else { throw fail("\(at).send_certificate_chain", "send_certificate_chain must be true or false") }
            profile.sendCertificateChain = flag
        }
        if let identity = try string("managed_identity") {
            guard let parsed = ManagedIdentityID(config: identity) else {
                throw fail("\(at).managed_identity", "managed_identity must be system, client_id:ID, object_id:ID or resource_id:ID")
            }
            profile.managedIdentity = parsed
        }
        return profile
    }

    /// The file's text: indented, keys sorted, defaults left out.
    public func encoded() -> [UInt8] {
        var top: [String: JSONValue] = [:]
        var entries: [String: JSONValue] = [:]
        for (name, profile) in profiles { entries[name] = Self.json(profile) }
        top["profiles"] = .object(entries)
        if let defaultProfile { top["default_profile"] = .string(defaultProfile) }
        if promptCooldownSeconds != 120 { top["prompt_cooldown_seconds"] = .number(String(promptCooldownSeconds)) }
        if store != .secretService { top["store"] = .string(store.rawValue) }
        return JSON.encodePretty(.object(top))
    }

    static func json(_ profile: Profile) -> JSONValue {
        var fields: [String: JSONValue] = [
            "tenant": .string(profile.tenant), "client_id": .string(profile.clientID),
            "scopes": .array(profile.scopes.map { .string($0) }),
            "hosts": .array(profile.hosts.map { .string($0.description) }),
        ]
        if profile.authorityHost != Authority.publicCloud { fields["authority_host"] = .string(profile.authorityHost) }
        if profile.flow != .auto { fields["flow"] = .string(profile.flow.rawValue) }
        if let hint = profile.loginHint { fields["login_hint"] = .string(hint) }
        if let hint = profile.domainHint { fields["domain_hint"] = .string(hint) }
        if profile.ports != Profile.defaultPorts {
            fields["ports"] = .string(profile.ports.count == 1 ? "\(profile.ports.lowerBound)" : "\(profile.ports.lowerBound)-\(profile.ports.upperBound)")
        }
        if let preset = profile.preset { fields["preset"] = .string(preset) }
        if profile.kind != (profile.preset == Preset.acr.rawValue ? .acr : .generic) { fields["kind"] = .string(profile.kind.rawValue) }
        if let username = profile.username { fields["username"] = .string(username) }
        if let path = profile.certificatePath { fields["certificate"] = .string(path) }
        if profile.sendCertificateChain { fields["send_certificate_chain"] = .bool(true) }
        if let identity = profile.managedIdentity { fields["managed_identity"] = .string(identity.configValue) }
        if let connection = profile.serviceConnectionID { fields["service_connection_id"] = .string(connection) }
        return .object(fields)
    }
}
