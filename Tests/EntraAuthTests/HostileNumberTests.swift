import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// Numbers a server or a file chose, at the extremes: each must give a clamped value or a
/// clean error, never a trap (Swift ends the process on arithmetic overflow).
@Suite("hostile numbers from servers and files")
struct HostileNumberTests {
    /// JSON number texts, written raw into the body (JSONSerialization cannot write 1e400).
    static let extremes = ["9223372036854775807", "-9223372036854775808", "99999999999999999999", "1e400",
                           "-1e400", "\"9223372036854775807\"", "\"-9223372036854775808\"", "0", "-1", "3.5"]

    static func deviceCodeBody(expiresIn: String, interval: String) -> String {
        #"{"device_code":"dc-1","user_code":"ABC-123","verification_uri":"https://microsoft.com/devicelogin","#
            + #""expires_in":\#(expiresIn),"interval":\#(interval)}"#
    }

    @Test("device code: interval and expires_in are clamped (1-60 s, 1 s-24 h)", arguments: [
        ("9223372036854775807", 86400, 60), ("-9223372036854775808", 1, 1), ("99999999999999999999", 86400, 60),
        ("1e400", 86400, 60), ("-1e400", 1, 1), ("\"9223372036854775807\"", 86400, 60), ("0", 1, 1),
        ("3.5", 3, 3), ("900", 900, 60), ("5", 5, 5),
    ] as [(String, Int, Int)])
    func deviceCode(text: String, expiresIn: Int, interval: Int) throws {
        let code = try DeviceCode(json: Array(Self.deviceCodeBody(expiresIn: text, interval: text).utf8))
        #expect(code.expiresIn == expiresIn)
        #expect(code.interval == interval)
    }

    @Test("device code flow: an interval of INT64_MAX ends in a timeout, not a trap")
    func deviceCodeHugeInterval() throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        options.interactive.timeoutSeconds = 1
        h.http.enqueue(200, Self.deviceCodeBody(expiresIn: "9223372036854775807", interval: "9223372036854775807"))
        #expect(throws: HelperError.signInTimedOut(seconds: 61)) { try h.engine().token(h.profile, options: options) }
        #expect(h.http.remaining == 0)
    }

    @Test("device code flow: an expires_in of INT64_MAX still signs in")
    func deviceCodeHugeExpiry() throws {
        let h = EngineHarness()
        var options = AcquireOptions()
        options.interactive.flow = .deviceCode
        h.http.enqueue(200, Self.deviceCodeBody(expiresIn: "9223372036854775807", interval: "1"))
        h.http.enqueue(200, tokenBody(access: "at-dc", refresh: "rt-dc"))
        #expect(try h.engine().token(h.profile, options: options).token == "at-dc")
    }

    static func hostileTokenBody(expiresIn: String, extra: String = "") -> [UInt8] {
        let body = tokenBody(access: "at", expiresIn: 3600, refresh: "rt")
        return Array(body.replacingOccurrences(of: #""expires_in":3600"#, with: #""expires_in":\#(expiresIn)\#(extra)"#).utf8)
    }

    @Test("a token's expires_in is clamped to 7 days; other lifetimes are not read", arguments: [
        ("9223372036854775807", 604_800 as Int64), ("99999999999999999999", 604_800), ("1e400", 604_800),
        ("\"9223372036854775807\"", 604_800), ("3599.9", 3599), ("3600", 3600),
    ])
    func tokenLifetime(text: String, seconds: Int64) throws {
        let hostile = #","ext_expires_in":9223372036854775807,"refresh_in":-9223372036854775808"#
        for now in [Int64(1_800_000_000), Int64.max - 10, Bounded.epochSeconds.upperBound] {
            let response = try TokenResponse(json: Self.hostileTokenBody(expiresIn: text, extra: hostile), now: now,
                                             requestedScopes: ["x"], previous: nil)
            #expect(response.accessToken.expiresOn == Bounded.sum(now, seconds))
        }
    }

    @Test("a token's expires_in at or below zero is refused with one line",
          arguments: ["-9223372036854775808", "-1e400", "\"-9223372036854775808\"", "0", "-1", "0.5"])
    func tokenLifetimeRefused(text: String) {
        #expect(throws: HelperError.badTokenResponse("expires_in is not a positive number")) {
            try TokenResponse(json: Self.hostileTokenBody(expiresIn: text), now: 1_800_000_000, requestedScopes: [], previous: nil)
        }
    }

    @Test("a cached token's expiry read from a store is clamped to real dates", arguments: [
        ("9223372036854775807", Bounded.epochSeconds.upperBound), ("-9223372036854775808", 0),
        ("99999999999999999999", Bounded.epochSeconds.upperBound), ("1e400", Bounded.epochSeconds.upperBound),
    ])
    func serializedExpiry(text: String, expected: Int64) throws {
        let token = try #require(AccessToken(serialized: "v1\n\(text)\noid.tid\nada\ntid\ns\ntoken"))
        #expect(token.expiresOn == expected)
    }

    @Test("a cached token expiring at INT64_MIN or INT64_MAX: no trap on the cached path",
          arguments: [(Int64.min, false), (Int64.max, true)])
    func cachedExtremes(expiresOn: Int64, used: Bool) throws {
        let h = EngineHarness()
        h.storeRefreshToken()
        h.accessStore.save(AccessToken(token: "at-cached", expiresOn: expiresOn, scopes: h.profile.scopes, account: h.account),
                           key: h.key.accessKey(scopes: h.profile.scopes), now: h.clock.now)
        if !used { h.http.enqueue(200, tokenBody(access: "at-new", refresh: "rt-new")) }
        #expect(try h.engine().token(h.profile, options: AcquireOptions()).token == (used ? "at-cached" : "at-new"))
    }

    static func acrToken(exp: String) -> String {
        func encode(_ text: String) -> String { base64url(Data(text.utf8)) }
        return encode(#"{"alg":"none"}"#) + "." + encode(#"{"exp":\#(exp),"jti":"1"}"#) + ".c2ln"
    }

    @Test("a registry token whose exp is extreme is handed out, and cached only while it lives", arguments: [
        ("-9223372036854775808", 2), ("-1e400", 2), ("9223372036854775807", 1), ("1e400", 1), ("\"x\"", 1),
    ])
    func acrExpiry(exp: String, exchanges: Int) throws {
        let h = EngineHarness()
        h.cacheAccessToken("entra-at", secondsLeft: 3600)
        let tokens = h.acrTokens()
        let registry = HostRouter.Request(url: "contoso.azurecr.io")!
        let acr = Self.acrToken(exp: exp)
        for _ in 0..<exchanges { h.http.enqueue(200, jsonText(["refresh_token": acr])) }
        for _ in 0..<2 {
            #expect(try tokens.get(serverURL: "contoso.azurecr.io", registry: registry, profile: h.profile).secret == acr)
        }
        #expect(h.http.remaining == 0)
    }

    @Test("a cool-down marker from the far future or past: no trap; the pause is at most the cool-down",
          arguments: [(Int64.max, true), (Bounded.epochSeconds.upperBound, true), (Int64.min, false), (0, false)])
    func cooldownMarker(abandoned: Int64, coolingDown: Bool) throws {
        let h = EngineHarness()
        h.locker.abandoned[h.key] = abandoned
        var automatic = AcquireOptions()
        automatic.automatic = true
        if coolingDown {
            #expect(throws: HelperError.promptCoolingDown(profile: "work", seconds: 120)) {
                try h.engine(cooldown: 120).token(h.profile, options: automatic)
            }
        } else {
            h.http.enqueue(200, tokenBody(access: "at", refresh: "rt"))
            #expect(try h.engine(cooldown: 120).token(h.profile, options: automatic).token == "at")
        }
    }

    @Test("the cool-down marker file is read clamped", arguments: [
        ("9223372036854775807\n", Bounded.epochSeconds.upperBound as Int64?), ("-9223372036854775808\n", 0),
        ("99999999999999999999", Bounded.epochSeconds.upperBound), ("1800000000\n", 1_800_000_000), ("soon\n", nil),
    ])
    func markerFile(text: String, expected: Int64?) throws {
        let runtime = FileManager.default.temporaryDirectory.appendingPathComponent("ech-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: runtime) }
        let locker = FileLocker(environment: { $0 == "XDG_RUNTIME_DIR" ? runtime : nil })
        let key = SignInKey(profile: EngineHarness().profile)
        locker.recordAbandoned(key, at: 1)
        try Data(text.utf8).write(to: URL(fileURLWithPath: locker.markerPath(key)))
        #expect(locker.lastAbandoned(key) == expected)
    }

    @Test("Retry-After at Int's ends is capped", arguments: [Int.max, Int.min, 1_000_001])
    func retryAfter(seconds: Int) throws {
        let clock = FakeTime()
        let base = FakeTransport()
        base.enqueue(.success(HTTPResponse(status: 503, retryAfter: seconds)))
        base.enqueue(200, "")
        let request = HTTPRequest(method: "GET", url: "https://login.microsoftonline.com/x")
        let status = try RetryingTransport(base, maxRetryAfterMilliseconds: 10_000, deadlineMilliseconds: .max,
                                           clock: clock).send(request).status
        #expect(status == 200)
        #expect(clock.slept == [seconds < 0 ? 0 : 10_000])
    }
}

@Suite("hostile numbers: kernel keyring timeouts", .enabled(if: KernelKeyring.probe()))
struct HostileKeyringTests {
    @Test("a token expiring at INT64_MAX is kept; at INT64_MIN it is not saved; no trap",
          arguments: [(Int64.max, true), (Int64.min, false)])
    func extremes(expiresOn: Int64, kept: Bool) throws {
        let keyring = KernelKeyring()
        let key = "unit-test-\(UUID().uuidString)"
        defer { try? keyring.remove(prefix: key) }
        let now = Int64(Date().timeIntervalSince1970)
        let token = AccessToken(token: "at", expiresOn: expiresOn, scopes: [],
                                account: Account(homeAccountID: "u.t", username: "ada", tenantID: "t"))
        try keyring.save(token, key: key, now: now)
        #expect((keyring.load(key) != nil) == kept)
    }
}
