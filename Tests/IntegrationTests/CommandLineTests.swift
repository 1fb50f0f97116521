import Foundation
import Testing

/// The binary's own behaviour that needs no keyring: names, help, bad input. Each
/// runs with a session bus address that leads nowhere, which proves bad input is
/// refused before any keyring traffic.
@Suite("command line")
struct CommandLineTests {
    static let nowhere = ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/ech-bus"]

    @Test("--help and --version answer on stdout")
    func helpAndVersion() throws {
        let help = try run([Harness.binary, "--help"], environment: Self.nowhere)
        #expect(help.status == 0)
        #expect(help.stdout.contains("entra-credential-helper git <get|store|erase>"))
        let version = try run([Harness.binary, "--version"], environment: Self.nowhere)
        #expect(version.status == 0 && version.stdout.hasPrefix("entra-credential-helper 0."))
        let topic = try run([Harness.binary, "help", "docker"], environment: Self.nowhere)
        #expect(topic.stdout.contains("docker-credential-secretservice"))
    }

    @Test("the helper names answer --help and --version too")
    func helperNames() throws {
        let bin = try HelperBin()
        let gitHelp = try run([bin.dir.file("git-credential-entra"), "--help"], environment: Self.nowhere)
        #expect(gitHelp.status == 0 && gitHelp.stdout.contains("git-credential-libsecret"))
        let gitVersion = try run([bin.dir.file("git-credential-entra"), "--version"], environment: Self.nowhere)
        #expect(gitVersion.status == 0 && gitVersion.stdout.hasPrefix("entra-credential-helper 0."))
        let dockerHelp = try run([bin.dir.file("docker-credential-entra"), "--help"], environment: Self.nowhere)
        #expect(dockerHelp.status == 0 && dockerHelp.stdout.hasPrefix("Usage: docker-credential-entra"))
    }

    @Test("an unknown subcommand is a one-line usage error on stderr")
    func unknownCommand() throws {
        let result = try run([Harness.binary, "frobnicate"], environment: Self.nowhere)
        #expect(result.status == 2 && result.stdout.isEmpty)
        #expect(result.stderr == "entra-credential-helper: unknown command 'frobnicate'; run `entra-credential-helper --help` for the list\n")
    }

    @Test("unknown git actions exit 0 doing nothing", arguments: ["capabilities", "future-action"])
    func unknownGitAction(action: String) throws {
        let bin = try HelperBin()
        for argv in [[Harness.binary, "git", action], [bin.dir.file("git-credential-entra"), action]] {
            let result = try run(argv, stdin: "protocol=https\nhost=x\n", environment: Self.nowhere)
            #expect(result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty)
        }
    }

    @Test("bad git input: one line on stderr naming the fix, nothing on stdout", arguments: [
        ("protocol=https\nhost=a\rb\n", "carriage return"),
        ("protocol=https\nhost=exa\u{0}mple.com\n", "NUL byte"),
        ("host=example.com\n", "git get needs protocol"),
        ("protocol=https\n", "git get needs host"),
        ("protocol=https\nhost=" + String(repeating: "h", count: 70_000) + "\n", "longer than 65535 bytes"),
    ])
    func badGitInput(input: String, reason: String) throws {
        let result = try run([Harness.binary, "git", "get"], stdin: input, environment: Self.nowhere)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.hasPrefix("entra-credential-helper: "))
        #expect(result.stderr.contains(reason))
        #expect(result.stderr.filter { $0 == "\n" }.count == 1)
    }

    @Test("docker: a NUL byte in the server name is refused before any keyring traffic")
    func dockerNUL() throws {
        let result = try run([Harness.binary, "docker", "get"], stdin: "reg.example\u{0}.evil\n", environment: Self.nowhere)
        #expect(result.status == 1)
        #expect(result.stdout.contains("contains a NUL byte"))
    }

    @Test("docker: the peer's usage, messages and exit codes", arguments: [
        ([String](), "", "Usage: docker-credential-entra <store|get|erase|list|version>\n", Int32(1)),
        (["bogus"], "", "Unknown credential action `bogus`\n", 1),
        (["get"], "\n", "no credentials server URL\n", 1),
        (["store"], #"{"ServerURL":"r"}"#, "no credentials username\n", 1),
        (["store"], #"{"Username":"u"}"#, "no credentials server URL\n", 1),
    ])
    func dockerMessages(arguments: [String], input: String, output: String, status: Int32) throws {
        let bin = try HelperBin()
        let result = try run([bin.dir.file("docker-credential-entra")] + arguments, stdin: input, environment: Self.nowhere)
        #expect(result.stdout == output)
        #expect(result.status == status)
    }

    @Test("docker: an unknown action is echoed clean", arguments: ["ge\u{1B}[2Jt", "x\r\nfake line", "\u{1B}]0;owned\u{07}", "a\u{9B}31m"])
    func dockerUnknownActionClean(_ action: String) throws {
        let bin = try HelperBin()
        let result = try run([bin.dir.file("docker-credential-entra"), action], environment: Self.nowhere)
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("Unknown credential action `"), "\(result.stdout)")
        #expect(result.stdout.filter { $0 == "\n" }.count == 1)
        #expect(!result.stdout.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
    }

    @Test("an unknown option or profile name is echoed clean")
    func optionsClean() throws {
        for argv in [["get-token", "--bogus\u{1B}[2J"], ["profile", "show", "a\u{1B}]0;x\u{07}\nfake"], ["frob\u{1B}[2Jnicate"]] {
            let result = try run([Harness.binary] + argv, environment: Self.nowhere.merging(["ENTRA_CREDENTIAL_HELPER_CONFIG": "/nonexistent/c.json"]) { $1 })
            #expect(result.status != 0 && result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("entra-credential-helper: ") && result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
            #expect(!result.stderr.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
        }
    }

    @Test("profile show and list print config values clean")
    func configValuesClean() throws {
        let dir = try TemporaryDirectory()
        let config = try dir.write("config.json", #"""
            {"profiles": {"p": {"tenant": "t", "client_id": "c", "domain_hint": "d\u001b]0;owned\u0007", "scopes": ["s/.default"],
             "login_hint": "ada\u001b[2J\r\nfake: line\u009b31m", "username": "u\u202etxt"}}}
            """#)
        for argv in [["profile", "show", "p"], ["profile", "list"]] {
            let result = try run([Harness.binary] + argv, environment: Self.nowhere.merging(["ENTRA_CREDENTIAL_HELPER_CONFIG": config]) { $1 })
            #expect(result.status == 0, "\(result.stderr)")
            #expect(argv[1] == "list" || result.stdout.contains("d]0;owned"), "\(result.stdout)")
            #expect(!result.stdout.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" })
            #expect(argv[1] == "show" || result.stdout == "p\ttenant=t\thosts=-\n", "\(result.stdout)")
            #expect(!result.stdout.contains("\nfake: line"))
        }
    }

    @Test("docker version answers under both names")
    func dockerVersion() throws {
        let bin = try HelperBin()
        let short = try run([bin.dir.file("docker-credential-entra"), "version"], environment: Self.nowhere)
        let long = try run([Harness.binary, "docker", "version"], environment: Self.nowhere)
        #expect(short.status == 0 && short.stdout == long.stdout && short.stdout.hasPrefix("0."))
    }
}
