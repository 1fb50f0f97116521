import HelperCore
import Testing
@testable import EntraAuth

/// A listener whose request comes at the given tick (never: nil), unless the tick stops it.
final class TickingListener: RedirectListener {
    let port = 50123
    let arrivesAt: Int?
    let callback: Callback
    private(set) var state = ""
    private(set) var closed = false

    init(arrivesAt: Int?, callback: Callback = .code("heard-code")) {
        self.arrivesAt = arrivesAt
        self.callback = callback
    }

    func waitForCallback(state: String, deadline: Int64, tick: () -> Bool) -> Callback? {
        self.state = state
        for round in 0..<50 {
            if round == arrivesAt { return callback }
            guard tick() else { return nil }
        }
        return nil
    }

    func close() { closed = true }
}

final class TickingListenerFactory: ListenerFactory {
    let listener: TickingListener
    init(_ listener: TickingListener) { self.listener = listener }
    func listen(ports: ClosedRange<Int>) throws(HelperError) -> RedirectListener { listener }
}

@Suite("paste flow: the redirect's address pasted back over SSH")
struct PasteSignInTests {
    @Test("the pasted address is checked and its code redeemed with PKCE at the loopback redirect URI")
    func pasted() throws {
        let h = EngineHarness()
        h.http.enqueue(200, tokenBody(access: "at-1", refresh: "rt-1"))
        let listener = TickingListener(arrivesAt: nil)
        let terminal = StatefulTerminal { state in [nil, .line(""), .line("http://localhost:50123/?code=pasted-code&state=\(state)")] }
        let flows = Self.flows(h, listener: listener, terminal: terminal)
        let response = try flows.signIn(h.profile, scopes: h.profile.scopes, options: Self.options(.paste), previous: nil)
        #expect(response.accessToken.token == "at-1")
        #expect(h.browser.urls.isEmpty, "no browser is started here")
        let told = h.told.joined(separator: "\n")
        #expect(told.contains("/oauth2/v2.0/authorize?") && told.contains("paste it here"))
        #expect(!told.contains("pasted-code"))
        #expect(h.http.form(0)["grant_type"] == "authorization_code")
        #expect(h.http.form(0)["code"] == "pasted-code")
        #expect(h.http.form(0)["redirect_uri"] == "http://localhost:50123")
        #expect(h.http.form(0)["code_verifier"]?.count == 43)
        #expect(listener.closed, "the listener is cancelled once the paste wins")
        #expect(terminal.polls == 3)
    }

    @Test("the listener's request wins when it comes first (a forwarded port); the terminal is no longer read")
    func heard() throws {
        let h = EngineHarness()
        h.http.enqueue(200, tokenBody(access: "at-1", refresh: "rt-1"))
        let listener = TickingListener(arrivesAt: 2)
        let terminal = StatefulTerminal { state in [nil, nil, nil, .line("http://localhost:50123/?code=pasted-code&state=\(state)")] }
        let response = try Self.flows(h, listener: listener, terminal: terminal)
            .signIn(h.profile, scopes: h.profile.scopes, options: Self.options(.paste), previous: nil)
        #expect(response.accessToken.token == "at-1")
        #expect(h.http.form(0)["code"] == "heard-code")
        #expect(terminal.polls == 2)
    }

    @Test("a wrong state, a pasted error, garbage or the terminal's end: one error, nothing redeemed", arguments: [
        ("http://localhost:50123/?code=c&state=stale", HelperError.pastedAddress(.wrongState)),
        ("http://localhost:50123/?error=access_denied&error_description=AADSTS65004%3A+User+declined+to+consent.%0D%0ATrace+ID%3A+t&state=STATE",
         .signInDenied("access_denied: AADSTS65004: User declined to consent.")),
        ("hello", .pastedAddress(.notTheAddress)),
        ("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?state=STATE", .pastedAddress(.notTheAddress)),
        ("http://localhost:50123/?state=STATE", .pastedAddress(.notTheAddress)),
        ("<ended>", .pastedAddress(.ended)),
    ])
    func refused(text: String, expected: HelperError) {
        let h = EngineHarness()
        let listener = TickingListener(arrivesAt: nil)
        let terminal = StatefulTerminal { state in
            [text == "<ended>" ? .ended : .line(text.replacingOccurrences(of: "STATE", with: state))]
        }
        let error = #expect(throws: HelperError.self) {
            try Self.flows(h, listener: listener, terminal: terminal)
                .signIn(h.profile, scopes: h.profile.scopes, options: Self.options(.paste), previous: nil)
        }
        #expect(error == expected)
        #expect(h.http.requests.isEmpty)
        #expect(!(error?.message.contains("stale") ?? true))
    }

    @Test("auto pastes over SSH with a terminal and no browser; otherwise today's rules", arguments: [
        (Profile.Flow.auto, true, true, "paste"),
        (.auto, false, true, "device code"),
        (.auto, true, false, "device code"),
        (.paste, false, true, "paste"),
        (.deviceCode, true, true, "device code"),
    ])
    func autoChoice(flow: Profile.Flow, overSSH: Bool, terminal available: Bool, expected: String) throws {
        let h = EngineHarness()
        if expected == "device code" {
            h.http.enqueue(200, #"{"device_code":"dc","user_code":"UC","verification_uri":"https://microsoft.com/devicelogin","expires_in":900,"interval":1,"message":"enter UC"}"#)
        }
        h.http.enqueue(200, tokenBody(access: "at-1", refresh: "rt-1"))
        let terminal = StatefulTerminal { state in [.line("http://localhost:50123/?code=pasted&state=\(state)")] }
        terminal.available = available
        _ = try Self.flows(h, listener: TickingListener(arrivesAt: nil), terminal: terminal, overSSH: overSSH)
            .signIn(h.profile, scopes: h.profile.scopes, options: Self.options(flow), previous: nil)
        let used = h.http.form(0)["grant_type"] == "authorization_code" ? "paste" : "device code"
        #expect(used == expected)
    }

    @Test("--flow paste without a terminal says so before anything is printed")
    func noTerminal() {
        let h = EngineHarness()
        let terminal = StatefulTerminal { _ in [] }
        terminal.available = false
        let error = #expect(throws: HelperError.self) {
            try Self.flows(h, listener: TickingListener(arrivesAt: nil), terminal: terminal)
                .signIn(h.profile, scopes: h.profile.scopes, options: Self.options(.paste), previous: nil)
        }
        #expect(error == .pastedAddress(.noTerminal))
        #expect(h.told.isEmpty)
    }

    static func options(_ flow: Profile.Flow) -> InteractiveOptions {
        var options = InteractiveOptions()
        options.flow = flow
        return options
    }

    static func flows(_ h: EngineHarness, listener: TickingListener, terminal: StatefulTerminal, overSSH: Bool = false) -> InteractiveSignIn {
        terminal.told = { h.told }
        return InteractiveSignIn(client: EntraClient(http: h.http), listeners: TickingListenerFactory(listener), browser: h.browser,
                                 browserUsable: false, clock: h.clock, tell: { h.told.append($0) },
                                 terminal: terminal, overSSH: overSSH)
    }
}

/// A terminal whose lines are written once the sign-in URL (and so its state) was printed.
final class StatefulTerminal: PasteTerminal {
    var available = true
    var told: () -> [String] = { [] }
    let lines: (String) -> [PastedLine?]
    private var script: [PastedLine?]?
    private(set) var polls = 0

    init(_ lines: @escaping (String) -> [PastedLine?]) { self.lines = lines }

    func poll() -> PastedLine? {
        polls += 1
        if script == nil {
            let url = told().first { $0.contains("/authorize?") } ?? ""
            let start = url.firstIndex(of: "?").map { url.index(after: $0) } ?? url.endIndex
            let query = String(url[start...].prefix { $0 != "\n" })
            let state = FormEncoding.decode(query).last { $0.0 == "state" }?.1 ?? ""
            script = lines(state)
        }
        return script!.isEmpty ? nil : script!.removeFirst()
    }
}
