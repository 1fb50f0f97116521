import Foundation
import HelperCore
import SecretStore
import Testing
@testable import EntraAuth

// Hand-written fakes for the sign-in engine: HTTP, lock, clock, listener and browser.

/// Answers from a queue of canned responses and records every request.
final class FakeTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var queue: [Result<HTTPResponse, HTTPFault>] = []
    private(set) var requests: [HTTPRequest] = []

    func enqueue(_ status: Int, _ body: String) { enqueue(.success(HTTPResponse(status: status, body: Array(body.utf8)))) }
    func enqueue(_ answer: Result<HTTPResponse, HTTPFault>) { lock.withLock { queue.append(answer) } }

    var remaining: Int { lock.withLock { queue.count } }

    func send(_ request: HTTPRequest) throws(HTTPFault) -> HTTPResponse {
        let next: Result<HTTPResponse, HTTPFault>? = lock.withLock {
            requests.append(request)
            return queue.isEmpty ? nil : queue.removeFirst()
        }
        guard let next else {
            Issue.record("unexpected HTTP request to \(request.url)")
            throw .network("no canned answer")
        }
        return try next.get()
    }

    /// The form fields of request `index`.
    func form(_ index: Int) -> [String: String] {
        let body = String(decoding: requests[index].body, as: UTF8.self)
        return Dictionary(FormEncoding.decode(body), uniquingKeysWith: { _, last in last })
    }
}

/// Time that moves only when told to or slept on: a sleep returns at once, moves both the
/// wall and the monotonic clock by its length, and is recorded.
final class FakeTime: TimeSource, @unchecked Sendable {
    private let lock = NSLock()
    private var wallMilliseconds: Int64
    private var monotonic: Int64 = 0
    private var sleeps: [Int] = []

    init(now: Int64 = 1_800_000_000) { wallMilliseconds = now * 1000 }

    /// Unix seconds; setting it moves the wall clock alone (as a clock adjustment does).
    var now: Int64 {
        get { lock.withLock { wallMilliseconds / 1000 } }
        set { lock.withLock { wallMilliseconds = newValue * 1000 } }
    }
    var monotonicMilliseconds: Int64 { lock.withLock { monotonic } }
    /// Every sleep so far, in milliseconds.
    var slept: [Int] { lock.withLock { sleeps } }

    func sleep(milliseconds: Int) {
        lock.withLock { sleeps.append(milliseconds) }
        advance(milliseconds: milliseconds)
    }

    /// Time passing without a sleep of ours (another process working, say).
    func advance(milliseconds: Int) {
        lock.withLock {
            monotonic += Int64(max(milliseconds, 0))
            wallMilliseconds += Int64(max(milliseconds, 0))
        }
    }
}

final class FakeLock: HeldLock {
    private(set) var released = false
    func release() { released = true }
}

/// Counts acquires and keeps abandon markers in memory.
final class FakeLocker: SignInLocker {
    private(set) var acquires = 0
    private(set) var locks: [FakeLock] = []
    var abandoned: [SignInKey: Int64] = [:]
    private(set) var recorded: [(SignInKey, Int64)] = []
    private(set) var cleared: [SignInKey] = []
    /// Runs inside `acquire`, as if another process held the lock meanwhile.
    var whileWaiting: () -> Void = {}

    func acquire(_ key: SignInKey, seconds: Int) throws(HelperError) -> HeldLock {
        acquires += 1
        whileWaiting()
        let lock = FakeLock()
        locks.append(lock)
        return lock
    }

    func lastAbandoned(_ key: SignInKey) -> Int64? { abandoned[key] }
    func recordAbandoned(_ key: SignInKey, at: Int64) {
        recorded.append((key, at))
        abandoned[key] = at
    }
    func clearAbandoned(_ key: SignInKey) {
        cleared.append(key)
        abandoned[key] = nil
    }
}

final class FakeListener: RedirectListener {
    let port: Int
    let callback: Callback?
    private(set) var states: [String] = []
    private(set) var closed = false

    init(port: Int, callback: Callback?) {
        self.port = port
        self.callback = callback
    }

    func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback? {
        states.append(state)
        guard tick() else { return nil }
        return callback
    }

    func close() { closed = true }
}

final class FakeListenerFactory: ListenerFactory {
    var port = 50123
    var callback: Callback? = .code("the-code")
    private(set) var listeners: [FakeListener] = []
    private(set) var requestedPorts: [ClosedRange<Int>] = []

    func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener {
        requestedPorts.append(ports)
        let listener = FakeListener(port: port, callback: callback)
        listeners.append(listener)
        return listener
    }
}

final class FakeLaunched: LaunchedBrowser {
    func hasFailed() -> Bool { false }
}

final class FakeBrowser: BrowserLauncher {
    private(set) var urls: [String] = []
    func launch(url: String) -> LaunchedBrowser? {
        urls.append(url)
        return FakeLaunched()
    }
}

/// The query parameters of a URL, decoded.
func queryFields(_ url: String) -> [String: String] {
    guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first else { return [:] }
    return Dictionary(FormEncoding.decode(String(query)), uniquingKeysWith: { _, last in last })
}

// Token-endpoint bodies, built with Foundation (independently of the code under test).

func base64url(_ data: Data) -> String {
    data.base64EncodedString().replacingOccurrences(of: "+", with: "-")
        .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

func jsonText(_ object: [String: Any]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

/// An unsigned JWT: header.payload.sig.
func unsignedJWT(_ claims: [String: Any]) -> String {
    base64url(Data(jsonText(["alg": "none", "typ": "JWT"]).utf8)) + "." + base64url(Data(jsonText(claims).utf8)) + ".c2ln"
}

func tokenBody(access: String, expiresIn: Any = 3600, refresh: String? = nil, scope: String? = nil,
               username: String = "ada@contoso.com", oid: String = "oid-1", tid: String = "tid-1",
               clientInfo: (uid: String, utid: String)? = ("uid-1", "utid-1")) -> String {
    var object: [String: Any] = ["access_token": access, "expires_in": expiresIn, "token_type": "Bearer"]
    if let refresh { object["refresh_token"] = refresh }
    if let scope { object["scope"] = scope }
    object["id_token"] = unsignedJWT(["preferred_username": username, "oid": oid, "tid": tid])
    if let clientInfo {
        object["client_info"] = base64url(Data(jsonText(["uid": clientInfo.uid, "utid": clientInfo.utid]).utf8))
    }
    return jsonText(object)
}

func errorBody(_ error: String, codes: [Int] = [], description: String? = nil, claims: String? = nil) -> String {
    var object: [String: Any] = ["error": error, "error_codes": codes,
                                 "error_description": description ?? "AADSTS\(codes.first ?? 0): \(error) happened.\r\nTrace ID: t"]
    if let claims { object["claims"] = claims }
    return jsonText(object)
}

/// Everything an engine needs, faked, with a profile.
final class EngineHarness {
    let http = FakeTransport()
    let refreshStore = MemoryTokenStore()
    let accessStore = MemoryTokenStore()
    let locker = FakeLocker()
    let clock = FakeTime()
    let listeners = FakeListenerFactory()
    let browser = FakeBrowser()
    var told: [String] = []
    var profile = Profile(name: "work", tenant: "contoso.onmicrosoft.com", clientID: "client-1",
                          scopes: ["https://graph.microsoft.com/.default"])

    var key: SignInKey { SignInKey(profile: profile) }
    var tokenURL: String { "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token" }
    let account = Account(homeAccountID: "uid-1.utid-1", username: "ada@contoso.com", tenantID: "tid-1")

    /// What the flows are told blocks the loopback (WSL without networking).
    var loopbackProblem: String?

    func engine(cooldown: Int = 120, browserUsable: Bool = true) -> SignInEngine {
        let client = EntraClient(http: http)
        let flows = InteractiveSignIn(client: client, listeners: listeners, browser: browser,
                                      browserUsable: browserUsable, clock: clock, tell: { [unowned self] in told.append($0) },
                                      loopbackProblem: { [unowned self] in loopbackProblem })
        return SignInEngine(client: client, refreshTokens: refreshStore, accessTokens: accessStore, locker: locker,
                            clock: clock, interactive: flows, cooldownSeconds: cooldown)
    }

    /// The ACR exchange over this harness's engine, cache, HTTP and clock.
    func acrTokens(cooldown: Int = 120) -> AcrTokens {
        AcrTokens(tokens: engine(cooldown: cooldown), cache: accessStore, http: http, clock: clock, options: { AcquireOptions() })
    }

    func storeRefreshToken(_ token: String = "rt-old") {
        refreshStore.save(StoredRefreshToken(token: token, account: account), key: key, profile: profile.name)
    }

    func cacheAccessToken(_ token: String, secondsLeft: Int64, scopes: [String]? = nil) {
        let scopes = scopes ?? profile.scopes
        accessStore.save(AccessToken(token: token, expiresOn: clock.now + secondsLeft, scopes: scopes, account: account),
                         key: key.accessKey(scopes: scopes), now: clock.now)
    }
}
