import EntraAuth
import HelperCore
import HelperProtocol

/// `get-token`, `login`, `status`, `refresh`, `inspect` and `logout` (= `clear-cache`) (kubectl has its own front end). stdout carries only the
/// answer (the token for get-token text output, JSON otherwise); people read stderr.
struct TokenCommands {
    let streams: ByteStreams
    let environment: (String) -> String?
    let services: Services

    static let tokenOptions: Set<String> = [
        "profile", "scope", "flow", "output", "port", "port-range", "prompt", "login-hint", "domain-hint",
        "extra-scopes-to-consent", "timeout", "store", "tenant", "client-id", "authority-host",
    ]
    static let tokenFlags: Set<String> = ["force", "show-url", "no-interactive", "no-qr"]

    func run(_ command: String, _ words: [String]) throws(HelperError) -> Int32 {
        switch command {
        case "get-token", "login":
            let args = try Arguments(words, command: command, options: Self.tokenOptions, flags: Self.tokenFlags)
            let output = try args.choice("output", ["text", "json"], command: command) ?? "text"
            let (profile, engine) = try setUp(args, command: command)
            var options = try acquireOptions(args, profile: profile, command: command)
            options.alwaysPrompt = command == "login"
            let token = try engine.token(profile, options: options)
            if command == "login" {
                let who = token.account.username.isEmpty ? "an account" : token.account.username
                say("Signed in to profile \(profile.name) as \(who) (tenant \(token.account.tenantID.isEmpty ? profile.tenant : token.account.tenantID)); the access token expires at \(Timestamp.rfc3339(token.expiresOn)).")
                return 0
            }
            if output == "json" {
                let object: JSONValue = .object([
                    "access_token": .string(token.token), "token_type": .string("Bearer"),
                    "expires_on": .number(String(token.expiresOn)), "scope": .string(token.scopes.joined(separator: " ")),
                    "account": .string(token.account.username), "tenant": .string(token.account.tenantID),
                ])
                streams.writeOutput(JSON.encode(object) + [0x0A])
            } else {
                streams.writeOutput(Array((token.token + "\n").utf8))
            }
            return 0
        case "status":
            let args = try Arguments(words, command: command, options: ["profile", "output", "store"], flags: [])
            let output = try args.choice("output", ["text", "json"], command: command) ?? "text"
            let (profile, engine) = try setUp(args, command: command)
            let status = try engine.status(profile)
            let fields: [(String, JSONValue)] = [
                ("profile", .string(profile.name)),
                ("account", status.account.map { .string($0.username) } ?? .null),
                ("tenant", .string(status.account?.tenantID ?? profile.tenant)),
                ("scopes", .array(profile.scopes.map { .string($0) })),
                ("access_token_expires_on", status.accessTokenExpiresOn.map { .string(Timestamp.rfc3339($0)) } ?? .null),
                ("refresh_token", .bool(status.hasRefreshToken)),
                ("store", .string(status.store)),
                ("access_token_cache", .string(status.accessTokenCache)),
            ] + (status.flow.map { [("flow", JSONValue.string($0)), ("identity", .string(status.identity ?? ""))] } ?? [])
            if output == "json" {
                streams.writeOutput(JSON.encode(.object(Dictionary(uniqueKeysWithValues: fields))) + [0x0A])
            } else {
                for (name, value) in fields { out("\(name): \(Self.text(value))") }
            }
            return 0
        case "refresh":
            let args = try Arguments(words, command: command, options: ["profile", "store", "timeout"], flags: [])
            let (profile, engine) = try setUp(args, command: command)
            let token = try engine.refresh(profile)
            say("Refreshed profile \(profile.name); the new access token expires at \(Timestamp.rfc3339(token.expiresOn)).")
            return 0
        case "inspect":
            return try inspect(words)
        case "logout", "clear-cache":
            let args = try Arguments(words, command: command, options: ["profile", "store"], flags: ["all"])
            let all = args.has("all")
            if all, args.value("profile") != nil { throw .usage("logout: give --profile P or --all, not both") }
            let (profile, engine) = all ? (nil, try services.engine(storeFlag: args.value("store"))) : try setUp(args, command: command)
            do {
                try engine.logout(profile)
            } catch {
                // An app keeps no refresh token: in CI, with no Secret Service to reach, its
                // cached access tokens (removed first) were all there was to clear.
                guard let profile, SourceChoice.servesApp(profile, environment: environment) else { throw error }
                switch error {
                case .noSessionBus, .noSecretService, .missingLibrary: break
                default: throw error
                }
            }
            // Caches an earlier setting left elsewhere (another store, the Secret Service
            // fallback for access tokens) go too.
            let failures = services.clearEveryStore(profile.map(SignInKey.init(profile:)))
            for failure in failures { say("entra-credential-helper: could not clear \(failure)") }
            if !failures.isEmpty {
                return 1
            } else if let profile {
                say("Signed out of profile \(profile.name): its refresh token and cached access tokens are removed.")
            } else {
                say("Signed out of every profile: refresh tokens and cached access tokens removed from every store.")
            }
            return 0
        default:
            throw .usage("unknown command '\(command)'")
        }
    }

    func setUp(_ args: Arguments, command: String) throws(HelperError) -> (Profile, SignInEngine) {
        var overrides = ProfileOverrides()
        overrides.tenant = args.value("tenant")
        overrides.clientID = args.value("client-id")
        overrides.scopes = ScopeList.parse(args.all("scope"))
        overrides.authorityHost = args.value("authority-host")
        if let flow = try args.choice("flow", Profile.Flow.names, command: command) {
            overrides.flow = Profile.Flow(name: flow)
        }
        overrides.loginHint = args.value("login-hint")
        overrides.domainHint = args.value("domain-hint")
        overrides.ports = try Self.ports(args)
        let profile = try ProfileResolver(config: try services.config(), environment: environment)
            .resolve(name: args.value("profile"), overrides: overrides)
        let engine = try services.engine(storeFlag: args.value("store"))
        return (profile, engine)
    }

    func acquireOptions(_ args: Arguments, profile: Profile, command: String) throws(HelperError) -> AcquireOptions {
        var options = AcquireOptions()
        options.force = args.has("force")
        let policy = services.interactivity(noInteractiveFlag: args.has("no-interactive"))
        options.interactivity = { policy.decide() }
        var interactive = InteractiveOptions()
        interactive.flow = profile.flow
        interactive.prompt = try args.choice("prompt", ["select_account", "login", "consent", "none", "create"], command: command)
        interactive.loginHint = profile.loginHint
        interactive.domainHint = profile.domainHint
        interactive.extraScopesToConsent = args.all("extra-scopes-to-consent")
        interactive.showURL = args.has("show-url")
        interactive.showQR = !args.has("no-qr")
        if let text = args.value("timeout") {
            guard let seconds = Int(text), (1...3600).contains(seconds) else {
                throw .usage("\(command): --timeout takes whole seconds, 1-3600")
            }
            interactive.timeoutSeconds = seconds
        }
        options.interactive = interactive
        return options
    }

    static func ports(_ args: Arguments) throws(HelperError) -> ClosedRange<Int>? {
        if args.value("port") != nil && args.value("port-range") != nil {
            throw .usage("give --port N or --port-range A-B, not both")
        }
        if let port = args.value("port") {
            let range = try Profile.parsePorts(port)
            guard range.count == 1 else { throw .invalidPortRange(port) }
            return range
        }
        return try args.value("port-range").map { (text) throws(HelperError) in try Profile.parsePorts(text) }
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case let .string(text): return text
        case let .bool(flag): return flag ? "present" : "absent"
        case let .array(items): return items.map(text).joined(separator: " ")
        case .null: return "-"
        default: return String(decoding: JSON.encode(value), as: UTF8.self)
        }
    }

    /// Human output on stdout: config values and claims shown clean (`Sanitize`).
    func out(_ line: String) { streams.writeOutput(Array((Sanitize.lines(line) + "\n").utf8)) }
    func say(_ line: String) { streams.writeDiagnostic(line) }
}
