#if canImport(Glibc)
import Glibc
#endif
import CKernel
import EntraAuth
import HelperProtocol
import SecretStore

// Wiring only: pick the front end from the name and arguments, build the real side
// effects with plain initialisers, run, exit.

// First, before any secret is in memory: no core dump, not dumpable, and a crash ends
// the process without the runtime's backtracer printing registers and memory.
_ = ech_harden_process()
signal(SIGPIPE, SIG_IGN)

func environment(_ name: String) -> String? { Files.environment(name) }

func run(arguments: [String], streams: ByteStreams) -> Int32 {
    let wiring = Wiring(environment: environment, tell: { streams.writeDiagnostic($0) })
    func makeStore() -> SecretStore { wiring.secretStore() }
    switch Invocation.parse(arguments: arguments) {
    case let .git(action):
        return GitFrontEnd(
            streams: streams, keyring: { GitKeyring(store: makeStore(), clock: SystemClock()) },
            route: { (request) throws(HelperError) in try wiring.route(HostRouter.Request(git: request)) },
            tokens: { () throws(HelperError) in
                GitTokens(engine: try wiring.engine(storeFlag: nil), options: { wiring.frontEndOptions(git: true) })
            }
        ).run(action: action)
    case let .docker(action):
        return DockerFrontEnd(
            streams: streams, keyring: { DockerKeyring(store: makeStore()) },
            route: { (server) throws(HelperError) in try wiring.dockerRoute(server) },
            routedRegistries: { () throws(HelperError) in AcrTokens.listed(profiles: try wiring.routableProfiles(host: nil) ?? []) },
            tokens: { () throws(HelperError) in
                AcrTokens(engine: try wiring.engine(storeFlag: nil), options: { wiring.frontEndOptions(git: false) })
            }
        ).run(action: action)
    case let .help(topic):
        streams.writeOutput(Array((Help.text(topic: topic) + "\n").utf8))
        return 0
    case .version:
        streams.writeOutput(Array("entra-credential-helper \(Help.version)\n".utf8))
        return 0
    case let .profile(words):
        return report { () throws(HelperError) in try ProfileCommand(streams: streams, environment: environment).run(words) }
    case let .token(command, words):
        return report { () throws(HelperError) in
            try TokenCommands(streams: streams, environment: environment, wiring: wiring).run(command, words)
        }
    case let .setup(words):
        return report { () throws(HelperError) in
            try SetupCommand(streams: streams, environment: environment, wiring: wiring).run(words)
        }
    case let .doctor(words):
        return report { () throws(HelperError) in try DoctorCommand(streams: streams, wiring: wiring).run(words) }
    case let .usageError(text):
        streams.writeDiagnostic("entra-credential-helper: \(text)")
        return 2
    }
}

/// The command line's one place for rendering errors: one line on stderr, exit 1 (2 for
/// usage). Never a token.
func report(_ body: () throws(HelperError) -> Int32) -> Int32 {
    do {
        return try body()
    } catch {
        StandardStreams().writeDiagnostic("entra-credential-helper: \(error.message)")
        if case .usage = error { return 2 }
        return 1
    }
}

// Every answer has been written with write(2) by now, so nothing is left in a buffer:
// _exit skips the exit handlers, which only free memory the process is about to lose
// (OpenSSL's clean-up alone is about 3 ms after a refresh).
_exit(run(arguments: CommandLine.arguments, streams: StandardStreams()))
