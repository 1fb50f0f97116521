#if canImport(Glibc)
import Glibc
#endif
import HelperProtocol
import SecretStore

// Wiring only: pick the front end from the name and arguments, build the real side
// effects with plain initialisers, run, exit.

signal(SIGPIPE, SIG_IGN)

func environment(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    let text = String(cString: value)
    return text.isEmpty ? nil : text
}

func makeStore() -> SecretStore {
    let requested = environment("ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS").flatMap { Int($0) } ?? 5000
    let options = LibSecretStore.Options(
        timeoutMilliseconds: min(max(requested, 50), 5000),
        promptAllowed: environment("DISPLAY") != nil || environment("WAYLAND_DISPLAY") != nil,
        encryptedReads: environment("ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT") == "encrypted")
    return LibSecretStore(options: options)
}

func run(arguments: [String], streams: ByteStreams) -> Int32 {
    switch Invocation.parse(arguments: arguments) {
    case let .git(action):
        return GitFrontEnd(streams: streams) { GitKeyring(store: makeStore(), clock: SystemClock()) }
            .run(action: action)
    case let .docker(action):
        return DockerFrontEnd(streams: streams) { DockerKeyring(store: makeStore()) }
            .run(action: action)
    case let .help(topic):
        streams.writeOutput(Array((Help.text(topic: topic) + "\n").utf8))
        return 0
    case .version:
        streams.writeOutput(Array("entra-credential-helper \(Help.version)\n".utf8))
        return 0
    case let .usageError(text):
        streams.writeDiagnostic("entra-credential-helper: \(text)")
        return 2
    }
}

exit(run(arguments: CommandLine.arguments, streams: StandardStreams()))
