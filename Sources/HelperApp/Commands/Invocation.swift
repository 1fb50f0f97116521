import EntraAuth
/// What the command line asks for. The executable answers to three names:
/// `entra-credential-helper SUBCOMMAND …`, `git-credential-entra ACTION` (so that
/// `credential.helper = entra` works) and `docker-credential-entra ACTION` (so that
/// `"credsStore": "entra"` works).
enum Invocation: Equatable {
    case git(action: String)
    case docker(action: String?)
    case help(topic: String?)
    case manPage(String)
    case version
    case profile([String])
    case token(command: String, [String])
    case kubectl([String])
    case setup([String])
    case doctor([String])
    case usageError(String)

    static func parse(arguments: [String]) -> Invocation {
        let name = arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
        let rest = Array(arguments.dropFirst())
        switch name {
        case "git-credential-entra":
            return gitAction(rest)
        case "docker-credential-entra":
            return .docker(action: rest.count == 1 ? rest[0] : nil)
        default:
            return parseSubcommand(rest)
        }
    }

    /// git appends the action to the configured helper command, so it is the last
    /// argument: `credential.helper = "entra --some-option"` runs `… --some-option get`.
    private static func gitAction(_ arguments: [String]) -> Invocation {
        switch arguments.last {
        case "--help", "-h": return .help(topic: "git")
        case "--version": return .version
        case let action?: return .git(action: action)
        case nil: return .usageError(Help.gitUsage)
        }
    }

    private static func parseSubcommand(_ rest: [String]) -> Invocation {
        guard let command = rest.first else { return .help(topic: nil) }
        let tail = Array(rest.dropFirst())
        switch command {
        case "--help", "-h": return .help(topic: nil)
        case "help" where tail.first == "--man": return .manPage(tail.dropFirst().first ?? "entra-credential-helper")
        case "help": return .help(topic: tail.first)
        case "--version", "-V", "version": return .version
        case "git":
            return gitAction(tail)
        case "profile":
            if tail.first == "--help" { return .help(topic: "profile") }
            return .profile(tail)
        case "create-profile", "delete-profile":
            if tail.contains("--help") || tail.contains("-h") { return .help(topic: command) }
            return .profile([command] + tail)
        case "get-token", "login", "status", "refresh", "logout", "clear-cache", "inspect":
            if tail.contains("--help") || tail.contains("-h") { return .help(topic: command) }
            return .token(command: command, tail)
        case "kubectl":
            if tail.contains("--help") || tail.contains("-h") { return .help(topic: command) }
            return .kubectl(tail)
        case "setup":
            if tail.isEmpty || tail.contains("--help") || tail.contains("-h") { return .help(topic: "setup") }
            return .setup(tail)
        case "doctor":
            if tail.contains("--help") || tail.contains("-h") { return .help(topic: "doctor") }
            return .doctor(tail)
        case "docker":
            if tail.first == "--help" { return .help(topic: "docker") }
            return .docker(action: tail.count == 1 ? tail[0] : nil)
        default:
            return .usageError("unknown command '\(command.prefix(40))'; run `entra-credential-helper --help` for the list")
        }
    }
}
