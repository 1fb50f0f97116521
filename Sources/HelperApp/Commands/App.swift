import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// The application's one entry: pick the front end or command from the name and
/// arguments, run it with the real side effects, and return the exit status.
public enum App {
    public static func run(arguments: [String], streams: ByteStreams = StandardStreams(),
                           environment: @escaping (String) -> String? = Files.environment) -> Int32 {
        let services = Services(environment: environment, tell: { streams.writeDiagnostic($0) })
        switch Invocation.parse(arguments: arguments) {
        case let .git(action):
            return GitFrontEnd(streams: streams, services: services).run(action: action)
        case let .docker(action):
            return DockerFrontEnd(streams: streams, services: services).run(action: action)
        case let .kubectl(words):
            return KubectlFrontEnd(streams: streams, services: services).run(words)
        case let .help(topic):
            streams.writeOutput(Array((Help.text(topic: topic) + "\n").utf8))
            return 0
        case let .manPage(page):
            guard let text = ManPage.render(page: page) else {
                streams.writeDiagnostic("entra-credential-helper: no man page '\(Sanitize.line(page, limit: 40))'; pages: \(ManPage.pages.joined(separator: ", "))")
                return 2
            }
            streams.writeOutput(Array(text.utf8))
            return 0
        case .version:
            streams.writeOutput(Array("entra-credential-helper \(Help.version)\n".utf8))
            return 0
        case let .profile(words):
            return report(streams) { () throws(HelperError) in try ProfileCommand(streams: streams, environment: environment, secretStore: services.secretStore).run(words) }
        case let .token(command, words):
            return report(streams) { () throws(HelperError) in
                try TokenCommands(streams: streams, environment: environment, services: services).run(command, words)
            }
        case let .setup(words):
            return report(streams) { () throws(HelperError) in
                try SetupCommand(streams: streams, environment: environment, services: services).run(words)
            }
        case let .doctor(words):
            return report(streams) { () throws(HelperError) in try DoctorCommand(streams: streams, services: services).run(words) }
        case let .usageError(text):
            streams.writeDiagnostic("entra-credential-helper: \(text)")
            return 2
        }
    }

    /// The command line's one place for rendering errors: one line on stderr, exit 1 (2 for
    /// usage). Never a token.
    static func report(_ streams: ByteStreams, _ body: () throws(HelperError) -> Int32) -> Int32 {
        do {
            return try body()
        } catch {
            streams.writeDiagnostic("entra-credential-helper: \(error.message)")
            if case .usage = error { return 2 }
            return 1
        }
    }
}
