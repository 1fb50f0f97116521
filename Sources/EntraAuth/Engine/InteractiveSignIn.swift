import HelperCore
import SecretStore

/// How a person signs in for one request.
public struct InteractiveOptions: Sendable {
    public var flow: Profile.Flow = .auto
    public var prompt: String?
    public var loginHint: String?
    public var domainHint: String?
    public var claims: String?
    public var extraScopesToConsent: [String] = []
    /// Print the URL instead of launching a browser.
    public var showURL = false
    /// Draw the device-code page's address as a QR code too (off: `--no-qr`).
    public var showQR = true
    public var timeoutSeconds = 180

    public init() {}
}

/// The interactive flows: the system browser (authorization code, PKCE S256, state and
/// nonce, loopback redirect), its paste-back over SSH (PasteSignIn.swift), and the device
/// code when no browser can be used.
public struct InteractiveSignIn {
    let client: EntraClient
    let listeners: any ListenerFactory
    let browser: any BrowserLauncher
    /// Whether a browser can be shown at all (a display, or $BROWSER).
    let browserUsable: Bool
    /// Token lifetimes (wall), the sign-in deadline and the device-code polling (monotonic).
    let clock: any TimeSource
    /// Human text for stderr (or the terminal); never a token.
    let tell: (String) -> Void
    /// Why the browser cannot reach our loopback listener (WSL without networking), asked
    /// only when `--flow auto` would use the browser; nil: it can.
    let loopbackProblem: () -> String?
    /// Where the device code's QR code goes (nothing unless stderr is a terminal).
    let qr: any QRDisplay
    /// Where the paste flow's address is pasted (the controlling terminal).
    let terminal: any PasteTerminal
    /// Signed in over SSH without a display or $BROWSER: `auto` pastes when there is a terminal.
    let overSSH: Bool

    public init(client: EntraClient, listeners: any ListenerFactory, browser: any BrowserLauncher,
                browserUsable: Bool, clock: any TimeSource, tell: @escaping (String) -> Void,
                loopbackProblem: @escaping () -> String? = { nil }, qr: any QRDisplay = NoQRDisplay(),
                terminal: any PasteTerminal = ControllingTerminalLines(), overSSH: Bool = false) {
        self.loopbackProblem = loopbackProblem
        self.qr = qr
        self.terminal = terminal
        self.overSSH = overSSH
        self.client = client
        self.listeners = listeners
        self.browser = browser
        self.browserUsable = browserUsable
        self.clock = clock
        self.tell = tell
    }

    public func signIn(_ profile: Profile, scopes: [String], options: InteractiveOptions,
                       previous: Account?) throws(HelperError) -> TokenResponse {
        let deadline = clock.monotonicMilliseconds + Int64(options.timeoutSeconds) * 1000
        var useBrowser: Bool
        switch options.flow {
        case .browser: useBrowser = true
        case .deviceCode: useBrowser = false
        case .paste: return try pasteFlow(profile, scopes: scopes, options: options, deadline: deadline, previous: previous)
        case .auto where !browserUsable && overSSH && terminal.available:
            return try pasteFlow(profile, scopes: scopes, options: options, deadline: deadline, previous: previous)
        case .auto: useBrowser = browserUsable || options.showURL
        // The app flows never reach a person's sign-in (ChoosingSource picks their source).
        case .clientCredentials, .workloadIdentity, .managedIdentity:
            throw .signInFailed("the \(options.flow.rawValue) flow has no interactive sign-in")
        }
        if useBrowser, options.flow == .auto, let why = loopbackProblem() {
            tell("\(why); using the device code instead.")
            useBrowser = false
        }
        if useBrowser {
            if let response = try browserFlow(profile, scopes: scopes, options: options, deadline: deadline, previous: previous) {
                return response
            }
            guard options.flow == .auto else { throw .signInFailed("the browser could not be started; set $BROWSER, or use --flow device-code") }
            tell("The browser could not be started; using the device code instead.")
        }
        return try deviceCodeFlow(profile, scopes: scopes, options: options, deadline: deadline, previous: previous)
    }

    /// nil when the browser failed to start (the caller may fall back to the device code).
    /// `pasting`: no browser is started; the address may also be pasted into the terminal.
    func browserFlow(_ profile: Profile, scopes: [String], options: InteractiveOptions, deadline: Int64,
                     previous: Account?, pasting: Bool = false) throws(HelperError) -> TokenResponse? {
        let authority = try profile.authority()
        // Bound before the browser starts, so the redirect cannot miss it.
        let listener = try listeners.listen(ports: profile.ports)
        defer { listener.close() }
        let redirectURI = "http://localhost:\(listener.port)"
        var request = AuthorizeRequest(authority: authority, clientID: profile.clientID, scopes: scopes,
                                       redirectURI: redirectURI, state: try Random.token(bytes: 24),
                                       nonce: try Random.token(bytes: 24), pkce: try PKCE())
        request.prompt = options.prompt
        request.loginHint = options.loginHint ?? profile.loginHint
        request.domainHint = options.domainHint ?? profile.domainHint
        request.claims = options.claims
        request.extraScopesToConsent = options.extraScopesToConsent
        let url = request.url
        var launched: (any LaunchedBrowser)?
        if pasting {
            tell(Self.pasteInstructions(url: url))
        } else if options.showURL {
            tell("To sign in, open this URL in a browser on this machine:\n\(url)")
        } else {
            tell("Opening the browser to sign in. If it does not open, visit:\n\(url)")
            guard let started = browser.launch(url: url) else { return nil }
            launched = started
        }
        var browserFailed = false
        // Whichever comes first, the listener's request or the pasted line, wins.
        var pasted: Result<Callback, HelperError>?
        let heard = listener.waitForCallback(state: request.state, deadline: deadline) {
            if let launched, launched.hasFailed() { browserFailed = true }
            if pasting { pasted = Self.pastedCallback(terminal.poll(), state: request.state) }
            return !browserFailed && pasted == nil
        }
        if browserFailed { return nil }
        let callback = try pasted.map { (result) throws(HelperError) in try result.get() } ?? heard
        switch callback {
        case nil:
            throw .signInTimedOut(seconds: options.timeoutSeconds)
        case let .error(error, description)?:
            let first = description.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            throw .signInDenied(Sanitize.line(first.isEmpty ? error : "\(error): \(first)", limit: 300))
        case let .code(code)?:
            let form = TokenRequest.authorizationCode(clientID: profile.clientID, code: code, redirectURI: redirectURI,
                                                      verifier: request.pkce.verifier, scopes: scopes, claims: options.claims)
            switch try client.post(authority.tokenEndpoint, form: form) {
            case let .success(body):
                return try TokenResponse(json: body, now: clock.now, requestedScopes: scopes, previous: previous)
            case let .failure(error):
                throw .signInFailed(error.summary)
            }
        }
    }

    func deviceCodeFlow(_ profile: Profile, scopes: [String], options: InteractiveOptions, deadline: Int64,
                        previous: Account?) throws(HelperError) -> TokenResponse {
        let authority = try profile.authority()
        let code: DeviceCode
        switch try client.post(authority.deviceCodeEndpoint, form: TokenRequest.deviceCode(clientID: profile.clientID, scopes: scopes)) {
        case let .success(body): code = try DeviceCode(json: body)
        case let .failure(error): throw .signInFailed(error.summary)
        }
        tell(code.safeMessage)
        if options.showQR { qr.show(code.qrURL) }
        let end = min(deadline, clock.monotonicMilliseconds + Int64(code.expiresIn) * 1000)
        var interval = code.interval
        while true {
            guard clock.monotonicMilliseconds + Int64(interval) * 1000 <= end else {
                throw .signInTimedOut(seconds: Int((end - clock.monotonicMilliseconds + 999) / 1000 + Int64(interval)))
            }
            clock.sleep(milliseconds: interval * 1000)
            let poll = TokenRequest.deviceCodePoll(clientID: profile.clientID, deviceCode: code.deviceCode)
            switch try client.post(authority.tokenEndpoint, form: poll) {
            case let .success(body):
                return try TokenResponse(json: body, now: clock.now, requestedScopes: scopes, previous: previous)
            case let .failure(error):
                switch error.next {
                case let .keepPolling(slowDown):
                    if slowDown { interval = min(interval + 5, Int(DeviceCode.longestInterval)) }
                case .deviceCodeEnded where error.error == "authorization_declined":
                    throw .signInDenied(error.summary)
                case .deviceCodeEnded where error.error == "expired_token":
                    throw .signInTimedOut(seconds: code.expiresIn)
                default:
                    throw .signInFailed(error.summary)
                }
            }
        }
    }
}
