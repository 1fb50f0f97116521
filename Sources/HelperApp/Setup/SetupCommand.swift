#if canImport(Glibc)
import Glibc
#endif
import EntraAuth
import HelperCore
import HelperProtocol

/// `setup git|docker|kubectl`: points each tool at this helper, through the tool itself
/// where it can edit its own configuration (git config, kubectl config) and by a
/// faithful merge where it cannot (docker's config.json). Running it twice changes
/// nothing the second time. What it did goes to stderr, one line per change; only
/// `setup kubectl --print` writes to stdout (the stanza).
struct SetupCommand {
    let streams: ByteStreams
    let environment: (String) -> String?
    let services: Services

    func run(_ words: [String]) throws(HelperError) -> Int32 {
        let rest = Array(words.dropFirst())
        switch words.first {
        case "git": return try git(rest)
        case "docker": return try docker(rest)
        case "kubectl": return try kubectl(rest)
        default: throw .usage(Help.setupUsage)
        }
    }

    // MARK: git

    func git(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "setup git", options: ["profile"], flags: [])
        guard args.positional.isEmpty else { throw .usage(Help.setupUsage) }
        // Registry profiles serve docker; git gets them only when named.
        let profiles = try selectProfiles(args.value("profile"), command: "setup git", example: "--preset azure-devops",
                                          keep: { $0.kind != .acr })
        let git = Tool(argv: [environment("GIT_EXEC_PATH").map { $0 + "/git" } ?? "git"], name: "git",
                       fix: "install git (`sudo apt-get install git`), or copy integrations/git/gitconfig by hand")
        var changed = 0
        var file: String?
        for entry in GitSetup.entries(profiles) {
            let key = "credential.\(entry.url)"
            let current = GitSetup.values(try git.output(["config", "--global", "--get-all", key + ".helper"], okStatuses: [0, 1]))
            var done: [String] = []
            if current != GitSetup.helpers {
                try git.change(["config", "--global", "--replace-all", key + ".helper", ""])
                try git.change(["config", "--global", "--add", key + ".helper", "entra"])
                let previous = current.filter { !$0.isEmpty && $0 != "entra" }
                done.append("helper = entra" + (previous.isEmpty ? "" : " (replaced \(previous.map { "'\($0)'" }.joined(separator: ", ")))"))
            }
            if entry.useHttpPath {
                let value = try git.output(["config", "--global", "--type=bool", "--get", key + ".useHttpPath"], okStatuses: [0, 1])
                if value != "true\n" {
                    try git.change(["config", "--global", key + ".useHttpPath", "true"])
                    done.append("useHttpPath = true")
                }
            }
            if done.isEmpty {
                say("setup git: \(entry.url): already set up")
                continue
            }
            changed += 1
            if file == nil {
                let origin = try git.output(["config", "--global", "--show-origin", "--get-all", key + ".helper"], okStatuses: [0])
                file = origin.hasPrefix("file:") ? String(origin.dropFirst(5).prefix { $0 != "\t" }) : nil
            }
            say("setup git: \(entry.url): \(done.joined(separator: ", ")), git's earlier helpers skipped for this URL")
        }
        for pattern in profiles.flatMap(\.hosts) {
            if case let .subdomains(suffix) = pattern.kind {
                say("setup git: note: git's * matches one label: https://*.\(suffix) covers x.\(suffix), not x.y.\(suffix)")
            }
        }
        if changed == 0 {
            say("git is already set up for \(Self.names(profiles)); nothing changed.")
        } else {
            say("Changed \(changed) URL section\(changed == 1 ? "" : "s") in \(file ?? "git's global config"); git now asks entra for \(Self.names(profiles)).")
        }
        warnIfMissing("git-credential-entra", tool: "git")
        return 0
    }

    // MARK: shared

    /// The named profile (it must name hosts), or every profile with hosts that `keep`
    /// accepts.
    func selectProfiles(_ name: String?, command: String, example: String,
                        keep: (Profile) -> Bool = { _ in true }) throws(HelperError) -> [Profile] {
        let config = try services.config()
        if let name {
            guard let profile = config.profiles[name] else { throw .unknownProfile(name, known: config.profiles.keys.sorted()) }
            guard !profile.hosts.isEmpty else { throw .profileHasNoHosts(name) }
            return [profile]
        }
        let chosen = config.profiles.values.filter { !$0.hosts.isEmpty && keep($0) }.sorted { $0.name < $1.name }
        guard !chosen.isEmpty else {
            throw .usage("\(command): no profile to set up (none names a host); add one with `entra-credential-helper profile add NAME \(example)`, or pass --profile NAME")
        }
        return chosen
    }

    static func names(_ profiles: [Profile]) -> String {
        (profiles.count == 1 ? "profile " : "profiles ") + profiles.map(\.name).joined(separator: ", ")
    }

    /// A note when the tool could not find the helper under the name it runs.
    func warnIfMissing(_ name: String, tool: String) {
        guard Files.findExecutable(name, searchPath: environment("PATH")) == nil else { return }
        say("note: \(name) is not on PATH, so \(tool) cannot run it yet; install it with integrations/install.sh, or link it to this binary in a PATH directory")
    }

    /// A backup of `bytes` next to `path` (`PATH.bak-TIMESTAMP`, never over another
    /// file), mode 0600: the previous file may hold logins.
    func backUp(_ bytes: [UInt8], of path: String) throws(HelperError) -> String {
        let stamp = Timestamp.rfc3339(Int64(time(nil)))
        var backup = "\(path).bak-\(stamp)"
        var attempt = 1
        while access(backup, F_OK) == 0 {
            backup = "\(path).bak-\(stamp).\(attempt)"
            attempt += 1
        }
        do {
            try Files.writeAtomically(backup, bytes)
        } catch {
            throw .fileNotWritten(path: backup, reason: Self.reason(error))
        }
        return backup
    }

    static func reason(_ failure: Files.Failure) -> String {
        switch failure {
        case .missing: return "no such file or directory"
        case let .failed(text): return text
        }
    }

    /// The file a symbolic link points at, so that writing replaces the target (a
    /// dotfile manager's link stays a link).
    static func resolvingLink(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK, let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    func say(_ line: String) { streams.writeDiagnostic(line) }
    func out(_ text: String) { streams.writeOutput(Array(text.utf8)) }
}

/// A tool run for setup (git, kubectl) through the bounded Subprocess: its stderr is
/// captured for the error message; nothing is ever passed to it on stdin.
struct Tool {
    let argv: [String]
    let name: String
    let fix: String
    var timeoutMilliseconds = 15_000

    /// Its stdout; a status outside `okStatuses` is an error naming the command.
    func output(_ arguments: [String], okStatuses: Set<Int32>) throws(HelperError) -> String {
        guard let result = Subprocess.run(argv + arguments, timeoutMilliseconds: timeoutMilliseconds) else {
            throw .toolFailed(command: shown(arguments), detail: "\(name) is missing or did not finish within \(timeoutMilliseconds / 1000) s", fix: fix)
        }
        guard okStatuses.contains(result.status) else {
            // Read-only, so safe to run again for the message on its stderr.
            return try fail(arguments, Subprocess.run(argv + arguments, timeoutMilliseconds: timeoutMilliseconds, stderrToStdout: true) ?? result)
        }
        return result.status == 0 ? result.stdout : ""
    }

    /// Runs a command that changes something; its output is only for the error.
    func change(_ arguments: [String]) throws(HelperError) {
        guard let result = Subprocess.run(argv + arguments, timeoutMilliseconds: timeoutMilliseconds, stderrToStdout: true) else {
            throw .toolFailed(command: shown(arguments), detail: "\(name) is missing or did not finish within \(timeoutMilliseconds / 1000) s", fix: fix)
        }
        if result.status != 0 { _ = try fail(arguments, result) }
    }

    func fail(_ arguments: [String], _ result: Subprocess.Result) throws(HelperError) -> String {
        let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        let detail = "exit \(result.status)" + (first.isEmpty ? "" : ": " + String(first.prefix(200)))
        throw .toolFailed(command: shown(arguments), detail: detail, fix: fix)
    }

    func shown(_ arguments: [String]) -> String {
        ([name] + arguments).map { $0.isEmpty ? "''" : $0 }.joined(separator: " ")
    }
}
