import Foundation
import Testing

/// The paste flow (sign-in over SSH) end to end: the real binary in a real pseudo-terminal
/// (Support/paste-terminal.py), the emulator, real headless Chromium signing in at the
/// printed URL with localhost unreachable (as on the person's own machine), the address
/// it was sent to typed back into the terminal, the real gnome-keyring and kernel keyring.
@Suite("paste flow through a pseudo-terminal",
       .enabled(if: Harness.keyringReady && Harness.which("python3") != nil && Harness.which("chromium") != nil))
struct PasteSignInIntegrationTests {
    static var driver: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/paste-terminal.py").path
    }

    struct Typed {
        var status: Int
        var typed: Bool
        var transcript: String
        var stdout: String
    }

    /// Runs the helper with `arguments` in a pty over SSH (SSH_CONNECTION, no display), stdin `stdin`.
    static func drive(_ world: SignInWorld, mode: String, _ arguments: [String], stdin: String = "") throws -> Typed {
        let input = try world.outputs.write("\(mode).in", stdin)
        let stdout = world.outputs.file("\(mode).out"), transcript = world.outputs.file("\(mode).tty")
        var environment = world.environment
        environment["SSH_CONNECTION"] = "192.0.2.10 50000 192.0.2.20 22"
        let result = try run(["python3", driver, mode, input, stdout, transcript, "--", Harness.binary] + arguments,
                             environment: environment, removing: SignInWorld.unset, timeout: 200)
        let answer = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return Typed(status: answer["status"] as? Int ?? -1, typed: answer["typed"] as? Bool ?? false,
                     transcript: (try? String(contentsOfFile: transcript, encoding: .utf8)) ?? "",
                     stdout: (try? String(contentsOfFile: stdout, encoding: .utf8)) ?? "")
    }

    @Test("--flow paste: Chromium's failed redirect pasted into the terminal gives the token; the refresh token is stored")
    func pasted() throws {
        let world = try SignInWorld()
        let outcome = try Self.drive(world, mode: "paste", ["get-token", "--flow", "paste", "--output", "json", "--timeout", "40"])
        #expect(outcome.typed)
        #expect(outcome.status == 0, "\(outcome.transcript)")
        let answer = try JSONSerialization.jsonObject(with: Data(outcome.stdout.utf8)) as? [String: Any] ?? [:]
        let token = answer["access_token"] as? String ?? ""
        #expect(SignInWorld.claims(token)["upn"] as? String == "ada@contoso.example")
        #expect(try world.emulator.grants("authorization_code") == 1)
        let authorize = try world.emulator.lastAuthorize()
        #expect(authorize["code_challenge_method"] as? String == "S256")
        #expect((authorize["redirect_uri"] as? String ?? "").hasPrefix("http://localhost:"))
        #expect(outcome.transcript.contains("paste it here"))
        #expect(!outcome.transcript.contains(token), "the token goes to stdout only")
        let stored = try #require(try world.storedRefreshToken())
        #expect(world.filesContaining(stored).isEmpty)
        // The access token is cached: a second call answers silently.
        let again = try world.helper(["get-token", "--no-interactive"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.trimmingCharacters(in: .newlines) == token)
    }

    @Test("auto over SSH pastes, with git's protocol on stdin left alone; a forwarded port (the listener) wins by itself")
    func autoListenerWins() throws {
        let world = try SignInWorld()
        let outcome = try Self.drive(world, mode: "listener", ["get-token", "--timeout", "40"], stdin: "protocol=https\nhost=git.example\n\n")
        #expect(!outcome.typed)
        #expect(outcome.status == 0, "\(outcome.transcript)")
        #expect(outcome.transcript.contains("paste it here"), "auto chose the paste flow over SSH")
        #expect(SignInWorld.claims(outcome.stdout.trimmingCharacters(in: .newlines))["aud"] as? String == "api://work")
        #expect(try world.emulator.grants("authorization_code") == 1)
        #expect(try world.emulator.grants("device_code") == 0)
        #expect(try world.storedRefreshToken() != nil)
    }

    @Test("a background job has no terminal to paste into: --flow paste says so, and nothing is printed to paste")
    func background() throws {
        let world = try SignInWorld()
        let outcome = try Self.drive(world, mode: "background", ["get-token", "--flow", "paste", "--timeout", "40"])
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.transcript.contains("entra-credential-helper: the paste flow needs a terminal"), "\(outcome.transcript)")
        #expect(!outcome.transcript.contains("/oauth2/v2.0/authorize?"))
        #expect(try world.emulator.lastAuthorize().isEmpty)
    }

    @Test("a wrong state, a pasted error or garbage: one line naming the fix, exit 1, nothing stored", arguments: [
        ("wrong-state", "the pasted address belongs to another sign-in"),
        ("deny", "the sign-in was refused (access_denied: AADSTS65004"),
        ("garbage", "the pasted text is not the address the sign-in sent the browser to"),
    ])
    func refused(mode: String, line: String) throws {
        let world = try SignInWorld()
        let config = try Data(contentsOf: URL(fileURLWithPath: world.home.file("config/entra-credential-helper/config.json")))
        let outcome = try Self.drive(world, mode: mode, ["get-token", "--flow", "paste", "--timeout", "40"])
        #expect(outcome.typed)
        #expect(outcome.status == 1, "\(outcome.transcript)")
        #expect(outcome.stdout.isEmpty)
        let errors = outcome.transcript.split(whereSeparator: \.isNewline).filter { $0.hasPrefix("entra-credential-helper:") }
        #expect(errors.count == 1, "\(outcome.transcript)")
        #expect(errors.first?.contains(line) == true, "\(outcome.transcript)")
        #expect(try world.emulator.grants("authorization_code") == 0)
        #expect(try world.storedRefreshToken() == nil, "nothing in the Secret Service")
        let silent = try world.helper(["get-token", "--no-interactive"])
        #expect(silent.status == 1 && silent.stderr.contains("no sign-in is stored"), "nothing cached: \(silent.stderr)")
        let after = try Data(contentsOf: URL(fileURLWithPath: world.home.file("config/entra-credential-helper/config.json")))
        #expect(after == config, "the config is unchanged")
    }
}
