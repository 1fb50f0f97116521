#if canImport(Glibc)
import Glibc
#endif
import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// `profile add|list|show|remove`: edits the config file (atomic, 0600, 0700 directory).
struct ProfileCommand {
    let streams: ByteStreams
    let environment: (String) -> String?
    /// The Secret Service, for `--client-secret-stdin` (opened only when it is given).
    var secretStore: () -> any SecretStore = { MemoryStore() }
    /// Where create-profile asks for what its flags did not give.
    var prompt: any TerminalPrompt = ControllingTerminal()

    static let addOptions: Set<String> = ["tenant", "client-id", "scope", "authority-host", "host", "flow",
                                          "login-hint", "domain-hint", "port", "port-range", "preset", "kind", "username",
                                          "certificate", "managed-identity", "service-connection-id"]
    static let addFlags: Set<String> = ["default", "allow-public-suffix", "client-secret-stdin", "certificate-password-stdin",
                                        "send-certificate-chain"]

    func run(_ words: [String]) throws(HelperError) -> Int32 {
        guard let verb = words.first else { throw .usage(Help.profileUsage) }
        let rest = Array(words.dropFirst())
        let path = ConfigFile.path(environment: environment)
        switch verb {
        case "add":
            let args = try Arguments(rest, command: "profile add", options: Self.addOptions, flags: Self.addFlags)
            guard args.positional.count == 1, let name = args.positional.first else { throw .usage(Help.profileUsage) }
            return try add(name: name, args, command: "profile add", path: path)
        case "list":
            let config = try ConfigFile.load(path: path)
            for name in config.profiles.keys.sorted() {
                let profile = config.profiles[name]!
                let mark = name == config.defaultProfile ? " (default)" : ""
                let hosts = profile.hosts.map(\.description).joined(separator: " ")
                out("\(name)\(mark)\ttenant=\(Sanitize.line(profile.tenant))\thosts=\(hosts.isEmpty ? "-" : hosts)")
            }
            if config.profiles.isEmpty { say("No profiles in \(path); add one with `entra-credential-helper profile add`.") }
            return 0
        case "show":
            guard rest.count == 1 else { throw .usage(Help.profileUsage) }
            let config = try ConfigFile.load(path: path)
            guard let profile = config.profiles[rest[0]] else {
                throw .unknownProfile(rest[0], known: config.profiles.keys.sorted())
            }
            out(Self.describe(profile, isDefault: config.defaultProfile == profile.name))
            return 0
        case "remove":
            guard rest.count == 1 else { throw .usage(Help.profileUsage) }
            return try remove(name: rest[0], path: path)
        case "create-profile":
            return try createProfile(rest, path: path)
        case "delete-profile":
            let args = try Arguments(rest, command: "delete-profile", options: ["name"], flags: ["force"])
            guard let name = args.value("name") ?? args.positional.first, args.positional.count <= 1 else {
                throw .usage("delete-profile: give the profile with --name N")
            }
            return try remove(name: name, path: path)
        default:
            throw .usage(Help.profileUsage)
        }
    }

    /// The client secret (or the certificate's password) on stdin: one line (a final line
    /// break dropped), at most 4 KiB, not empty. Never echoed.
    func readSecret(command: String, kind: ClientSecrets.Kind = .clientSecret) throws(HelperError) -> String {
        var bytes = try streams.readInput(limit: 4096)
        while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
        guard !bytes.isEmpty, !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            let (flag, what) = kind == .clientSecret ? ("client-secret-stdin", "client secret") : ("certificate-password-stdin", "certificate's password")
            throw .usage("\(command) --\(flag): send the \(what) on stdin, one line (nothing was changed)")
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `--certificate-password-stdin`'s password, and the certificate checked before anything
    /// is stored: opened with that password (or AZURE_CLIENT_CERTIFICATE_PASSWORD), so a
    /// wrong password, a file without a private key, a key that is not RSA or an unreadable
    /// file is one line, and nothing is changed.
    func certificatePassword(_ profile: Profile, _ args: Arguments, command: String) throws(HelperError) -> String? {
        if args.has("certificate-password-stdin") {
            guard profile.certificatePath != nil else {
                throw .usage("\(command) --certificate-password-stdin: give the certificate with --certificate PATH (nothing was changed)")
            }
            guard !args.has("client-secret-stdin") else {
                throw .usage("\(command): stdin holds one secret; give --client-secret-stdin or --certificate-password-stdin, not both")
            }
        }
        guard let path = profile.certificatePath else { return nil }
        let password = args.has("certificate-password-stdin") ? try readSecret(command: command, kind: .certificatePassword) : nil
        let given = password ?? environment("AZURE_CLIENT_CERTIFICATE_PASSWORD").flatMap { $0.isEmpty ? nil : $0 }
        _ = try CertificateCredential.load(path: path, password: given.map { Array($0.utf8) })
        return password
    }

    /// `profile add` and `create-profile`: a new profile from flags, saved atomically.
    func add(name: String, _ args: Arguments, command: String, path: String) throws(HelperError) -> Int32 {
        guard Config.isValidName(name) else {
            throw .usage("\(command): '\(name.prefix(64))' is not a profile name; use letters, digits, '.', '_' and '-'")
        }
        var config = try ConfigFile.load(path: path)
        guard config.profiles[name] == nil else { throw .profileExists(name) }
        var profile = try Self.build(name: name, args, command: command)
        if !args.has("allow-public-suffix"), !args.all("host").isEmpty {
            try PublicSuffixList.check(profile.hosts, path: PublicSuffixList.path(environment: environment))
        }
        // The client secret: read from stdin (never argv), checked, and stored in the
        // Secret Service before the config is written; a failed write removes it again.
        let password = try certificatePassword(profile, args, command: command)
        var secret: String?
        if args.has("client-secret-stdin") {
            secret = try readSecret(command: command)
            profile.flow = .clientCredentials
        }
        config.profiles[name] = profile
        if args.has("default") || config.profiles.count == 1 { config.defaultProfile = name }
        var stored: [(store: ClientSecrets, value: String)] = []
        if let secret { stored.append((ClientSecrets(store: secretStore()), secret)) }
        if let password { stored.append((ClientSecrets(store: secretStore(), kind: .certificatePassword), password)) }
        for (secrets, value) in stored { try secrets.save(value, key: SignInKey(profile: profile), profile: name) }
        do {
            try ConfigFile.save(config, path: path)
        } catch {
            for (secrets, _) in stored { try? secrets.remove(SignInKey(profile: profile)) }
            throw error
        }
        let kept = secret != nil ? ", with its client secret in the Secret Service (flow client-credentials)"
            : password != nil ? ", with its certificate's password in the Secret Service" : ""
        say("Added profile \(name) to \(path)\(kept).")
        if profile.preset == nil && profile.hosts.isEmpty {
            say("It serves no hosts yet; add --host PATTERN to route git, docker or kubectl to it.")
        }
        return 0
    }

    /// `profile remove` and `delete-profile`.
    func remove(name: String, path: String) throws(HelperError) -> Int32 {
        var config = try ConfigFile.load(path: path)
        guard let removed = config.profiles.removeValue(forKey: name) else {
            throw .unknownProfile(name, known: config.profiles.keys.sorted())
        }
        if config.defaultProfile == name { config.defaultProfile = nil }
        try ConfigFile.save(config, path: path)
        // A client secret or certificate password stored for it goes with it (looked for
        // only on the profiles that can have one: no D-Bus for a person's profile), unless
        // another profile names the same app: they are stored per app, and that one keeps it.
        let key = SignInKey(profile: removed)
        if !config.profiles.values.contains(where: { SignInKey(profile: $0) == key }) {
            if removed.flow == .clientCredentials { try? ClientSecrets(store: secretStore()).remove(key) }
            if removed.flow == .clientCredentials || removed.certificatePath != nil {
                try? ClientSecrets(store: secretStore(), kind: .certificatePassword).remove(key)
            }
        }
        say("Removed profile \(name). Its stored sign-in stays until `entra-credential-helper logout --all` or a logout before removal.")
        return 0
    }

    /// A profile from `profile add` flags: a preset's values, then the flags over them.
    static func build(name: String, _ args: Arguments, command: String = "profile add") throws(HelperError) -> Profile {
        var profile: Profile
        if let presetName = try args.choice("preset", Preset.allCases.map(\.rawValue), command: command),
           let preset = Preset(rawValue: presetName) {
            profile = try preset.profile(name: name, tenant: args.value("tenant") ?? "organizations", clientID: args.value("client-id"))
        } else {
            guard let tenant = args.value("tenant"), let clientID = args.value("client-id") else {
                throw .usage("\(command): a custom profile needs --tenant and --client-id (your app registration: public client, redirect http://localhost), or use --preset azure-devops|acr|aks")
            }
            profile = Profile(name: name, tenant: tenant, clientID: clientID, scopes: [])
        }
        let scopes = ScopeList.parse(args.all("scope"))
        if !scopes.isEmpty { profile.scopes = scopes }
        if profile.scopes.isEmpty { profile.scopes = ProfileResolver.defaultScopes }
        if let host = args.value("authority-host") { profile.authorityHost = host }
        _ = try profile.authority()
        if !args.all("host").isEmpty {
            var hosts: [HostPattern] = []
            for pattern in args.all("host") { hosts.append(try HostPattern(parsing: pattern)) }
            profile.hosts = hosts
        }
        if let flow = try args.choice("flow", Profile.Flow.names, command: command) {
            profile.flow = Profile.Flow(name: flow) ?? .auto
        }
        profile.loginHint = args.value("login-hint")
        profile.domainHint = args.value("domain-hint")
        if let kind = try args.choice("kind", Profile.Kind.allCases.map(\.rawValue), command: command) {
            profile.kind = Profile.Kind(rawValue: kind) ?? .generic
        }
        profile.username = args.value("username")
        profile.certificatePath = args.value("certificate").map(Self.absolute)
        profile.sendCertificateChain = args.has("send-certificate-chain")
        profile.serviceConnectionID = args.value("service-connection-id")
        if let identity = args.value("managed-identity") {
            guard let parsed = ManagedIdentityID(config: identity) else {
                throw .usage("\(command): --managed-identity takes system, client_id:ID, object_id:ID or resource_id:ID")
            }
            profile.managedIdentity = parsed
        }
        if let ports = try TokenCommands.ports(args) { profile.ports = ports }
        return profile
    }

    /// A path given relative to the working directory, made absolute (the config is read
    /// from anywhere).
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (cwd == "/" ? "" : cwd) + "/" + (path.hasPrefix("./") ? String(path.dropFirst(2)) : path)
    }

    static func describe(_ profile: Profile, isDefault: Bool) -> String {
        var lines = ["profile:        \(profile.name)\(isDefault ? " (default)" : "")"]
        if let preset = profile.preset { lines.append("preset:         \(preset)") }
        lines += [
            "tenant:         \(profile.tenant)",
            "client id:      \(profile.clientID)",
            "authority host: \(profile.authorityHost)",
            "scopes:         \(profile.scopes.joined(separator: " "))",
            "hosts:          \(profile.hosts.isEmpty ? "-" : profile.hosts.map(\.description).joined(separator: " "))",
            "kind:           \(profile.kind.rawValue)",
            "flow:           \(profile.flow.rawValue)",
            "ports:          \(profile.ports.lowerBound)-\(profile.ports.upperBound)",
        ]
        if let hint = profile.loginHint { lines.append("login hint:     \(hint)") }
        if let hint = profile.domainHint { lines.append("domain hint:    \(hint)") }
        if let username = profile.username { lines.append("git username:   \(username)") }
        if let path = profile.certificatePath {
            lines.append("certificate:    \(path)\(profile.sendCertificateChain ? " (its chain sent: x5c)" : "")")
        }
        if let identity = profile.managedIdentity { lines.append("managed identity: \(identity.configValue)") }
        if let connection = profile.serviceConnectionID { lines.append("service connection: \(connection)") }
        return lines.map { Sanitize.line($0, limit: 2000) }.joined(separator: "\n")  // hand-edited values shown clean
    }

    func out(_ line: String) { streams.writeOutput(Array((line + "\n").utf8)) }
    func say(_ line: String) { streams.writeDiagnostic(line) }
}
