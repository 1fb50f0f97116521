import EntraAuth
import Foundation
import HelperCore
import Testing
@testable import HelperApp

/// A terminal that answers from a script and records what it was asked.
final class ScriptedTerminal: TerminalPrompt {
    let available: Bool
    var answers: [String?]
    private(set) var questions: [String] = []

    init(available: Bool = true, answers: [String?] = []) {
        self.available = available
        self.answers = answers
    }

    func ask(_ question: String) -> String? {
        questions.append(question)
        return answers.isEmpty ? nil : answers.removeFirst()
    }
}

/// The seed CLI's `create-profile` and `delete-profile` (issue 11), over the same code as
/// `profile add` and `profile remove`.
@Suite("seed CLI: create-profile and delete-profile")
struct CreateProfileTests {
    final class World {
        let directory: URL
        var path: String { directory.appendingPathComponent("config.json").path }

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("ech-create-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: directory) }

        func run(_ words: [String], terminal: ScriptedTerminal) -> (status: Int32, streams: MemoryStreams) {
            let streams = MemoryStreams()
            let path = self.path
            var command = ProfileCommand(streams: streams, environment: { $0 == "ENTRA_CREDENTIAL_HELPER_CONFIG" ? path : nil })
            command.prompt = terminal
            return (App.report(streams) { () throws(HelperError) in try command.run(words) }, streams)
        }

        func config() throws -> Config { try ConfigFile.load(path: path) }
        var written: Bool { FileManager.default.fileExists(atPath: path) }
    }

    @Test("without a terminal: one line naming the missing flags, nothing asked, nothing written", arguments: [
        (["create-profile", "--name", "n"], "give --tenant-id T --client-id C"),
        (["create-profile", "--name", "n", "--tenant-id", "t"], "give --client-id C"),
        (["create-profile", "--client-id", "c", "--tenant", "t"], "give --name N"),
        (["create-profile"], "give --name N --tenant-id T --client-id C"),
    ])
    func noTerminal(words: [String], fix: String) throws {
        let world = try World()
        let terminal = ScriptedTerminal(available: false)
        let (status, streams) = world.run(words, terminal: terminal)
        #expect(status == 2)
        #expect(streams.diagnostics == ["entra-credential-helper: create-profile: there is no terminal to ask on; \(fix)"])
        #expect(terminal.questions.isEmpty && streams.output.isEmpty)
        #expect(!world.written)
    }

    @Test("every flag given (the seed's names): no question, the profile as profile add makes it")
    func allFlags() throws {
        let world = try World()
        let terminal = ScriptedTerminal(available: true)
        let (status, streams) = world.run(["create-profile", "--name", "app", "--tenant-id", "t1", "--client-id", "c1",
                                            "--flow", "client-credentials", "--scopes", "User.Read Mail.Read"], terminal: terminal)
        #expect(status == 0, "\(streams.diagnostics)")
        #expect(terminal.questions.isEmpty)
        let profile = try #require(try world.config().profile(named: "app"))
        #expect(profile.tenant == "t1" && profile.clientID == "c1" && profile.flow == .clientCredentials)
        #expect(profile.scopes == ["https://graph.microsoft.com/User.Read", "https://graph.microsoft.com/Mail.Read"])
        #expect(try world.config().defaultProfile == "app")
    }

    @Test("on a terminal: asks for tenant, client, flow and scopes, in that order, and stores the answers")
    func prompts() throws {
        let world = try World()
        let terminal = ScriptedTerminal(answers: ["contoso.example", "c2", "interactive", "User.Read offline_access"])
        let (status, streams) = world.run(["create-profile", "--name", "me"], terminal: terminal)
        #expect(status == 0, "\(streams.diagnostics)")
        #expect(terminal.questions == [
            "Tenant ID: ", "Client ID: ", "Flow (interactive, device-code, client-credentials; Enter for auto): ",
            "Scopes, space-separated (Enter for https://graph.microsoft.com/.default): ",
        ])
        #expect(streams.output.isEmpty, "questions go to the terminal, never stdout")
        let profile = try #require(try world.config().profile(named: "me"))
        #expect(profile.tenant == "contoso.example" && profile.clientID == "c2" && profile.flow == .browser)
        #expect(profile.scopes == ["https://graph.microsoft.com/User.Read", "offline_access"])
    }

    @Test("on a terminal: Enter keeps the defaults for flow and scopes; the name is asked when not given")
    func defaults() throws {
        let world = try World()
        let terminal = ScriptedTerminal(answers: ["n2", "", ""])
        let (status, _) = world.run(["create-profile", "--tenant", "t", "--client-id", "c"], terminal: terminal)
        #expect(status == 0)
        #expect(terminal.questions.first == "Profile name: " && terminal.questions.count == 3)
        let profile = try #require(try world.config().profile(named: "n2"))
        #expect(profile.flow == .auto && profile.scopes == ProfileResolver.defaultScopes)
    }

    @Test("on a terminal: an empty answer for a required value is one line, nothing written")
    func emptyAnswer() throws {
        let world = try World()
        let (status, streams) = world.run(["create-profile", "--name", "x"], terminal: ScriptedTerminal(answers: [""]))
        #expect(status == 2)
        #expect(streams.diagnostics == ["entra-credential-helper: create-profile: no answer for tenant id; give --tenant-id"])
        #expect(!world.written)
    }

    @Test("a name already taken is refused before any question")
    func taken() throws {
        let world = try World()
        #expect(world.run(["add", "x", "--tenant", "t", "--client-id", "c"], terminal: ScriptedTerminal()).status == 0)
        let terminal = ScriptedTerminal(answers: ["t"])
        let (status, streams) = world.run(["create-profile", "--name", "x"], terminal: terminal)
        #expect(status == 1 && terminal.questions.isEmpty)
        #expect(streams.diagnostics.first?.contains("a profile named 'x' exists already") == true)
    }

    @Test("delete-profile --name removes what create-profile made; an unknown name is one line")
    func delete() throws {
        let world = try World()
        #expect(world.run(["create-profile", "--name", "x", "--tenant-id", "t", "--client-id", "c"],
                          terminal: ScriptedTerminal(available: false)).status == 0)
        let (status, _) = world.run(["delete-profile", "--name", "x"], terminal: ScriptedTerminal())
        #expect(status == 0)
        #expect(try world.config().profile(named: "x") == nil)
        let again = world.run(["delete-profile", "--name", "x"], terminal: ScriptedTerminal())
        #expect(again.status == 1 && again.streams.diagnostics.count == 1)
    }

    @Test("the command line: create-profile, delete-profile, clear-cache and inspect are commands")
    func invocation() {
        #expect(Invocation.parse(arguments: ["entra-credential-helper", "create-profile", "--name", "n"]) == .profile(["create-profile", "--name", "n"]))
        #expect(Invocation.parse(arguments: ["entra-credential-helper", "delete-profile", "--name", "n"]) == .profile(["delete-profile", "--name", "n"]))
        #expect(Invocation.parse(arguments: ["entra-credential-helper", "clear-cache", "--profile", "n"]) == .token(command: "clear-cache", ["--profile", "n"]))
        #expect(Invocation.parse(arguments: ["entra-credential-helper", "inspect", "--profile", "n"]) == .token(command: "inspect", ["--profile", "n"]))
        #expect(Invocation.parse(arguments: ["entra-credential-helper", "create-profile", "--help"]) == .help(topic: "create-profile"))
    }
}
