import Foundation
import Testing

/// The seed CLI's commands through the real binary (issue 11): create-profile without a
/// terminal and on a real one (a pty), delete-profile, and the help for each.
@Suite("seed CLI: the binary")
struct SeedCommandLineTests {
    /// Answers create-profile's questions on a pty as a person would, one per prompt.
    static let typist = """
    import os, pty, sys
    answers = [a.encode() + b"\\n" for a in sys.argv[2:]]
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(sys.argv[1], [sys.argv[1], "create-profile", "--name", "typed"])
    out = b""
    while True:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
        if answers and out.endswith(b": "):
            os.write(fd, answers.pop(0))
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(out.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status))
    """

    @Test("create-profile without a terminal: one line naming the flags, exit 2, no file")
    func noTerminal() throws {
        let world = try SetupWorld()
        let result = try run(["setsid", "-w", world.bin.dir.file("entra-credential-helper"), "create-profile", "--name", "ci"],
                             environment: world.environment, removing: SetupWorld.unset)
        #expect(result.status == 2 && result.stdout.isEmpty)
        #expect(result.stderr == "entra-credential-helper: create-profile: there is no terminal to ask on; give --tenant-id T --client-id C\n")
        #expect(!FileManager.default.fileExists(atPath: world.home + "/.config/entra-credential-helper/config.json"))
    }

    @Test("create-profile on a terminal: the questions are asked there, and the answers make the profile")
    func onTerminal() throws {
        let world = try SetupWorld()
        let script = world.dir.file("typist.py")
        try Self.typist.write(toFile: script, atomically: true, encoding: .utf8)
        let result = try run(["python3", script, world.bin.dir.file("entra-credential-helper"),
                              "contoso.example", "c9", "device-code", "User.Read offline_access"],
                             environment: world.environment, removing: SetupWorld.unset)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        for question in ["Tenant ID: ", "Client ID: ", "Flow (interactive, device-code, client-credentials; Enter for auto): ", "Scopes, space-separated"] {
            #expect(result.stdout.contains(question), "\(question): \(result.stdout)")
        }
        let show = try world.helper(["profile", "show", "typed"])
        #expect(show.stdout.contains("tenant:         contoso.example"))
        #expect(show.stdout.contains("client id:      c9"))
        #expect(show.stdout.contains("flow:           device-code"))
        #expect(show.stdout.contains("scopes:         https://graph.microsoft.com/User.Read offline_access"))
        #expect(try world.helper(["delete-profile", "--name", "typed"]).status == 0)
        #expect(try world.helper(["profile", "show", "typed"]).status == 1)
    }

    @Test("help: each new command has its topic, and --help shows it", arguments: [
        (["help", "create-profile"], "--tenant-id T"),
        (["create-profile", "--help"], "/dev/tty"),
        (["help", "delete-profile"], "delete-profile --name N"),
        (["help", "inspect"], "never the token"),
        (["inspect", "--help"], "no network"),
        (["help", "clear-cache"], "clear-cache [--profile P | --all]"),
        (["help", "get-token"], "interactive"),
        (["help", "get-token"], "User.Read"),
        (["help"], "create-profile"),
        (["help"], "CLIENT_SECRET"),
        (["help"], "AZURE_FEDERATED_TOKEN_FILE"),
        (["--help"], "IDENTITY_ENDPOINT, IMDS_ENDPOINT"),
        (["get-token", "--help"], "Callers without a person"),
        (["help", "refresh"], "acquired afresh from its source"),
    ])
    func help(arguments: [String], text: String) throws {
        let result = try run([Harness.binary] + arguments, environment: CommandLineTests.nowhere)
        #expect(result.status == 0)
        #expect(result.stdout.contains(text), "\(result.stdout)")
    }

}

/// inspect, refresh and clear-cache after a real sign-in at the emulator, in the test's
/// keyring session.
@Suite("seed CLI: inspect, refresh, clear-cache", .enabled(if: Harness.keyringReady || Harness.integrationRequired))
struct SeedSignInTests {
    @Test("inspect names the account, flow, audience, scopes and expiry, never the token; clear-cache = logout")
    func inspectRefreshClear() throws {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        let inspect = try world.helper(["inspect", "--profile", "work", "--output", "json"])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any] ?? [:]
        #expect(object["account"] as? String == "ada@contoso.example")
        #expect(object["flow"] as? String == "auto")
        #expect(object["audience"] as? String == "api://work")
        #expect(object["scopes"] as? [String] == ["user_impersonation"])
        #expect((object["expires_on"] as? String)?.isEmpty == false)
        #expect(!inspect.stdout.contains(token) && !inspect.stderr.contains(token))
        try world.emulator.control("reset-counters", [:])
        let text = try world.helper(["inspect", "--profile", "work"])
        #expect(text.stdout.contains("audience: api://work"))
        #expect(try world.emulator.totalRequests() == 0, "inspect goes to no server")

        let refresh = try world.helper(["refresh", "--profile", "work"])
        #expect(refresh.status == 0 && refresh.stderr.hasPrefix("Refreshed profile work"), "\(refresh.stderr)")

        let clear = try world.helper(["clear-cache", "--profile", "work"])
        #expect(clear.status == 0, "\(clear.stderr)")
        #expect(try world.storedRefreshToken() == nil)
        let after = try world.helper(["inspect", "--profile", "work"])
        #expect(after.status == 1 && after.stdout.isEmpty)
        #expect(after.stderr == "entra-credential-helper: no access token of profile work is cached; get one with `entra-credential-helper get-token --profile work`, then inspect it\n")
    }
}

