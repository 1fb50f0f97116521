#if canImport(Glibc)
import Glibc
#endif
import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// What the front ends and commands are handed: the config and the router over its
/// profiles, the sign-in engine (built lazily, once, and only when a request is routed),
/// the exchanges over it, and the keyrings. It builds the real side effects with plain
/// initialisers (the Secret Service store, the token caches, libcurl, the loopback
/// listener, the browser launcher, the lock and the clock) and decides nothing about tokens.
public final class Services {
    public let environment: (String) -> String?
    let tell: (String) -> Void
    /// Every component that reads the time or waits gets this one.
    let clock: any TimeSource
    private var loaded: Config?
    private var warnedBrokenConfig = false
    private var built: (storeFlag: String?, engine: SignInEngine, cache: any AccessTokenCache)?
    private var builtHTTP: (any HTTPTransport)?

    public init(environment: @escaping (String) -> String?, tell: @escaping (String) -> Void,
                clock: any TimeSource = SystemTime()) {
        self.environment = environment
        self.tell = tell
        self.clock = clock
    }

    public func gitKeyring() -> GitKeyring { GitKeyring(store: secretStore(), clock: clock) }
    public func dockerKeyring() -> DockerKeyring { DockerKeyring(store: secretStore()) }

    /// Entra tokens as git gets them, for the front end that git runs.
    func gitTokens() throws(HelperError) -> GitTokens {
        GitTokens(engine: try engine(storeFlag: nil), options: { self.frontEndOptions(git: true) })
    }

    /// ACR tokens as docker gets them.
    func acrTokens() throws(HelperError) -> AcrTokens {
        let (engine, cache) = try engineAndCache(storeFlag: nil)
        return AcrTokens(tokens: engine, cache: cache, http: http(), clock: clock, options: { self.frontEndOptions(git: false) })
    }

    /// libcurl with retries, trusting SSL_CERT_FILE too: one per process.
    func http() -> any HTTPTransport {
        if let builtHTTP { return builtHTTP }
        let http = RetryingTransport(CurlTransport(environment: environment), clock: clock)
        builtHTTP = http
        return http
    }

    func config() throws(HelperError) -> Config {
        if let loaded { return loaded }
        let config = try ConfigFile.load(path: ConfigFile.path(environment: environment))
        loaded = config
        return config
    }

    func secretStore() -> SecretStore { LibSecretStore(options: secretStoreOptions()) }

    func secretStoreOptions() -> LibSecretStore.Options {
        // 5 s by default; up to a minute for a slow provider (or valgrind's 20-50x slowdown).
        let requested = environment("ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS").flatMap { Int($0) } ?? 5000
        return LibSecretStore.Options(
            timeoutMilliseconds: min(max(requested, 50), 60_000),
            promptAllowed: environment("DISPLAY") != nil || environment("WAYLAND_DISPLAY") != nil,
            encryptedTransport: environment("ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT") == "encrypted",
            environment: environment)
    }

    /// --store, else ENTRA_CREDENTIAL_HELPER_STORE, else the config file's "store".
    func storeKind(flag: String?) throws(HelperError) -> Config.StoreKind {
        guard let text = flag ?? environment("ENTRA_CREDENTIAL_HELPER_STORE") else { return try config().store }
        guard let kind = Config.StoreKind(rawValue: text) else {
            throw .usage("--store takes \(Config.StoreKind.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text.prefix(40))'")
        }
        return kind
    }

    /// The engine over the user sign-in, with the stores --store (or the environment, or
    /// the config) names. Built once per process.
    func engine(storeFlag: String?) throws(HelperError) -> SignInEngine {
        try engineAndCache(storeFlag: storeFlag).engine
    }

    /// The engine, and the access-token cache it was built over (the ACR exchange caches
    /// its tokens there too, so that `logout` drops them with the rest).
    private func engineAndCache(storeFlag: String?) throws(HelperError) -> (engine: SignInEngine, cache: any AccessTokenCache) {
        if let built, built.storeFlag == storeFlag { return (built.engine, built.cache) }
        let refreshTokens: any RefreshTokenStore
        let accessTokens: any AccessTokenCache
        switch try storeKind(flag: storeFlag) {
        case .secretService:
            let tokens = SecretServiceTokens(store: secretStore())
            refreshTokens = tokens
            // The kernel keyring unless it is blocked (Docker's default seccomp profile)
            // or the Secret Service is asked for explicitly.
            if environment("ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE") != "secret-service", KernelKeyring.probe() {
                accessTokens = KernelKeyring()
            } else {
                accessTokens = tokens
            }
        case .memory:
            let memory = MemoryTokenStore()
            (refreshTokens, accessTokens) = (memory, memory)
        case .file:
            let file = FileTokenStore(path: FileTokenStore.defaultPath(environment: environment))
            tell(FileTokenStore.warning + " (\(file.path))")
            (refreshTokens, accessTokens) = (file, file)
        }
        let client = EntraClient(http: http())
        // Inside WSL without $BROWSER the Windows browser (wslview or cmd.exe) is the default.
        let wsl = WSL.system()
        let browser = SystemBrowserLauncher(environment: environment, wsl: wsl)
        // Inside WSL the Windows browser counts without looking for it here (a PATH walk over
        // /mnt/c is slow, and this runs before the cache): a launch that fails falls back to
        // the device code. Over SSH into WSL that desktop is not the user's: paste instead.
        let overSSH = environment("SSH_CONNECTION").map { !$0.isEmpty } ?? false
        let browserUsable = environment("BROWSER") != nil || environment("DISPLAY") != nil || environment("WAYLAND_DISPLAY") != nil
            || (wsl.detected && !overSSH)
        let flows = InteractiveSignIn(client: client, listeners: LoopbackListener.Factory(clock: clock), browser: browser,
                                      browserUsable: browserUsable, clock: clock, tell: tell,
                                      loopbackProblem: { wsl.detected ? WSL.loopbackProblem(networkingMode: WSL.networkingMode()) : nil },
                                      qr: qrDisplay(), overSSH: overSSH)
        let locker = FileLocker(environment: environment, clock: clock)
        let user = UserSignIn(client: client, refreshTokens: refreshTokens, locker: locker, clock: clock,
                              interactive: flows, cooldownSeconds: (try? config().promptCooldownSeconds) ?? 120)
        // Per profile, on a cache miss: the person's sign-in, or an app's own source
        // (client credentials, workload identity, managed identity: SourceChoice).
        let apps = AppSources(client: client, http: http(), managedIdentityHTTP: CurlTransport.managedIdentity(environment: environment), clock: clock,
                              environment: environment,
                              storedPassword: { [unowned self] profile in
                                  (try? ClientSecrets(store: self.secretStore(), kind: .certificatePassword).load(SignInKey(profile: profile))) ?? nil
                              })
        let source = ChoosingSource(user: user, apps: apps, environment: environment,
                                    storedSecret: { [unowned self] profile throws(HelperError) in
                                        try ClientSecrets(store: self.secretStore()).load(SignInKey(profile: profile))
                                    })
        let engine = SignInEngine(source: source, accessTokens: accessTokens, locker: locker, clock: clock)
        built = (storeFlag, engine, accessTokens)
        return (engine, accessTokens)
    }

    /// The device code's QR code goes to stderr when it is a terminal, unless
    /// ENTRA_CREDENTIAL_HELPER_NO_QR is set (git, docker and kubectl run us without flags).
    /// Written as is: the tell line's sanitiser would strip its colours.
    func qrDisplay() -> any QRDisplay {
        guard isatty(2) == 1, (environment("ENTRA_CREDENTIAL_HELPER_NO_QR") ?? "").isEmpty else { return NoQRDisplay() }
        return TerminalQRDisplay(write: { StandardStreams.writeAll(2, $0) })
    }

    /// `logout`'s sweep of every other place a token of ours may have been left by an
    /// earlier setting (ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE, ENTRA_CREDENTIAL_HELPER_STORE,
    /// --store file): the kernel keyring, the Secret Service's refresh tokens and
    /// access-token fallback, and the token file when it exists. `key`: one sign-in (nil:
    /// all). A Secret Service that is not there holds nothing; other failures are
    /// returned, one line each.
    func clearEveryStore(_ key: SignInKey?) -> [String] {
        let prefix = key?.digest ?? ""
        var failures: [String] = []
        if KernelKeyring.probe() { try? KernelKeyring().remove(prefix: prefix) }
        let secretService = SecretServiceTokens(store: secretStore())
        do {
            try secretService.remove(prefix: prefix)
            try secretService.remove(key)
        } catch {
            switch error {
            case .noSessionBus, .noSecretService, .missingLibrary: break
            default: failures.append("the Secret Service: \(error.message)")
            }
        }
        let path = FileTokenStore.defaultPath(environment: environment)
        if (try? Files.read(path)) != nil {
            let file = FileTokenStore(path: path)
            do {
                try file.remove(prefix: prefix)
                try file.remove(key)
            } catch {
                failures.append(error.message)
            }
        }
        return failures
    }

    /// The profile that serves a request (none: plain storage), under the environment's
    /// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_AUTHORITY_HOST. No config file: none.
    /// A config file that does not parse routes nothing: a host it might have named
    /// (ConfigSalvage) gets the config error and no answer; any other host keeps its
    /// stored logins, with the error said once on stderr. A dot segment in the path of a
    /// request to a routed host is refused.
    func route(_ request: HostRouter.Request?) throws(HelperError) -> Profile? {
        guard let request else { return nil }
        guard let config = try routableConfig(host: request.host), let routed = try config.routeOrRefuse(request) else { return nil }
        // An app (CI, an AKS pod, a VM) takes its tenant, client and authority from the
        // environment, as the Azure SDKs do; a person's profile is used as written, so a
        // developer's AZURE_CLIENT_ID or AZURE_TENANT_ID (set for some other tool) never
        // moves their git, docker or kubectl sign-in.
        let profile = SourceChoice.servesApp(routed, environment: environment)
            ? ProfileResolver(config: config, environment: environment).applyingEnvironment(routed) : routed
        _ = try profile.authority()
        return profile
    }

    /// The profiles, or nil when the config is broken but cannot have named `host`
    /// (nil `host`: no particular host).
    func routableProfiles(host: String?) throws(HelperError) -> [Profile]? {
        try routableConfig(host: host).map { Array($0.profiles.values) }
    }

    private func routableConfig(host: String?) throws(HelperError) -> Config? {
        do {
            return try config()
        } catch {
            guard case let .configInvalid(path, _, _) = error, let bytes = try? Files.read(path),
                  !(host.map { ConfigSalvage.mightRoute(bytes, host: $0) } ?? false) else { throw error }
            if !warnedBrokenConfig {
                warnedBrokenConfig = true
                tell("entra-credential-helper: \(error.message) (until then only stored logins answer)")
            }
            return nil
        }
    }

    /// The registry profile that serves a docker server URL: routed, and an ACR (the
    /// profile's kind, or ACR's domains). Other routed hosts keep plain storage for docker.
    func dockerRoute(_ server: String) throws(HelperError) -> (profile: Profile, registry: HostRouter.Request)? {
        guard let request = HostRouter.Request(url: server), let profile = try route(request),
              AcrTokens.isRegistry(host: request.host, profile: profile) else { return nil }
        return (profile, request)
    }

    /// What a protocol front end asks for: automatic (the prompt cool-down applies), and
    /// prompts only where InteractivityPolicy allows (`git`: git's configuration counts).
    func frontEndOptions(git: Bool, frontEnd: Interactivity? = nil) -> AcquireOptions {
        var options = AcquireOptions()
        options.automatic = true
        var policy = interactivity(noInteractiveFlag: false, git: git)
        policy.frontEnd = frontEnd
        options.interactivity = { policy.decide() }
        return options
    }

    /// Who may prompt: see InteractivityPolicy. `git`: run by git, whose
    /// credential.interactive is then read (only if a prompt is needed).
    func interactivity(noInteractiveFlag: Bool, git: Bool = false) -> InteractivityPolicy {
        var policy = InteractivityPolicy(environment: environment)
        policy.noInteractiveFlag = noInteractiveFlag
        if git { policy.gitSetting = { GitConfig(environment: self.environment).value("credential.interactive") } }
        return policy
    }
}
