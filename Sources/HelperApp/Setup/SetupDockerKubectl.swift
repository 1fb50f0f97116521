#if canImport(Glibc)
import Glibc
#endif
import EntraAuth
import HelperCore

extension SetupCommand {
    // MARK: docker

    /// Merges `credHelpers[registry] = "entra"` (and `credsStore` on request) into
    /// $DOCKER_CONFIG/config.json: every other key kept, a backup of the previous file,
    /// written atomically with mode 0600; a file that is not JSON is never replaced.
    func docker(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "setup docker", options: ["profile", "registry"], flags: ["creds-store"])
        guard args.positional.isEmpty else { throw .usage(Help.setupUsage) }
        let config = try services.config()
        let credsStore = args.has("creds-store")
        var profiles: [Profile]
        if let name = args.value("profile") {
            guard let profile = config.profiles[name] else { throw .unknownProfile(name, known: config.profiles.keys.sorted()) }
            guard profile.kind == .acr else {
                throw .usage("setup docker: profile '\(name)' is of kind \(profile.kind.rawValue); docker needs an acr profile (`entra-credential-helper profile add NAME --preset acr`)")
            }
            profiles = [profile]
        } else {
            profiles = config.profiles.values.filter { $0.kind == .acr }.sorted { $0.name < $1.name }
            guard !profiles.isEmpty else {
                throw .usage("setup docker: no acr profile to set up; add one with `entra-credential-helper profile add NAME --preset acr`, then rerun")
            }
        }
        var registries: [String] = []
        var wildcards: [String] = []
        for profile in profiles {
            for pattern in profile.hosts {
                if case .exact = pattern.kind, pattern.path.isEmpty, let name = DockerSetup.registryName(pattern.description) {
                    registries.append(name)
                } else {
                    wildcards.append("\(pattern) (profile \(profile.name))")
                }
            }
        }
        let router = HostRouter(profiles: profiles)
        for text in args.all("registry") {
            guard let name = DockerSetup.registryName(text) else {
                throw .usage("setup docker: --registry takes one registry host such as myreg.azurecr.io (no wildcard, scheme or path), not '\(text.prefix(80))'")
            }
            guard let request = HostRouter.Request(url: name), router.route(request) != nil else {
                throw .usage("setup docker: no acr profile\(args.value("profile").map { " '\($0)'" } ?? "") names the registry \(name); add it with `entra-credential-helper profile add NAME --preset acr --host \(name)`")
            }
            registries.append(name)
        }
        var seen: Set<String> = []
        registries = registries.filter { seen.insert($0).inserted }
        guard !registries.isEmpty || credsStore else {
            throw .usage("setup docker: docker's credHelpers names each registry exactly, and \(wildcards.joined(separator: ", ")) is a wildcard; name your registries: `entra-credential-helper setup docker --registry myreg.azurecr.io` (repeatable)")
        }

        let path = (environment("DOCKER_CONFIG") ?? Files.home() + "/.docker") + "/config.json"
        let target = Self.resolvingLink(path)
        var existing: [UInt8]?
        do {
            existing = try Files.read(target)
        } catch .missing {
            existing = nil
        } catch {
            throw .unparsableFile(path: target, detail: "cannot read it (\(Self.reason(error)))", fix: "fix its permissions")
        }
        let plan = try DockerSetup.plan(existing: existing, path: target, registries: registries, credsStore: credsStore)
        for registry in plan.unchanged { say("setup docker: credHelpers[\"\(registry)\"] is entra already") }
        if let other = plan.otherCredsStore {
            say("setup docker: credsStore is '\(other)'; left as it is (other logins stay there); edit \(target) to switch")
        }
        if !(credsStore && plan.otherCredsStore == nil) {
            for pattern in wildcards where args.all("registry").isEmpty {
                say("setup docker: note: \(pattern) cannot go in credHelpers (docker names each registry exactly); add registries with --registry NAME")
            }
        }
        warnIfMissing("docker-credential-entra", tool: "docker")
        guard !plan.changes.isEmpty else {
            say("docker is already set up in \(target); nothing changed.")
            return 0
        }
        var backup: String?
        if let existing { backup = try backUp(existing, of: target) }
        do {
            try Files.writeAtomically(target, JSON.encodePretty(plan.document))
        } catch {
            throw .fileNotWritten(path: target, reason: Self.reason(error))
        }
        for change in plan.changes {
            switch change {
            case let .helperAdded(registry):
                say("setup docker: credHelpers[\"\(registry)\"] = \"entra\" (added)")
            case let .helperReplaced(registry, previous):
                say("setup docker: credHelpers[\"\(registry)\"] = \"entra\" (was \"\(previous.prefix(80))\")")
            case .credsStoreSet:
                say("setup docker: credsStore = \"entra\" (added): other registries' logins go to the Secret Service")
            }
        }
        say(backup.map { "Wrote \(target); the previous file is kept as \($0)." } ?? "Created \(target).")
        return 0
    }

    // MARK: kubectl

    /// Adds (or updates) a kubeconfig user whose exec plugin runs this helper, through
    /// `kubectl config set-credentials`, so no YAML is edited by hand; `--print`, or no
    /// kubectl, prints the entry instead.
    func kubectl(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "setup kubectl", options: ["profile", "kubeconfig", "user", "command"], flags: ["print"])
        guard args.positional.isEmpty else { throw .usage(Help.setupUsage) }
        let profile = args.value("profile")
        if let profile {
            let config = try services.config()
            guard config.profiles[profile] != nil else { throw .unknownProfile(profile, known: config.profiles.keys.sorted()) }
        } else {
            _ = try selectProfiles(nil, command: "setup kubectl", example: "--preset aks")
        }
        let name = args.value("user") ?? (profile.map { "entra-\($0)" } ?? "entra")
        guard Config.isValidName(name) else {
            throw .usage("setup kubectl: '\(name.prefix(64))' is not a user name; use letters, digits, '.', '_' and '-'")
        }
        let user = KubeconfigUser(name: name, command: args.value("command") ?? selfPath(), profile: profile)
        let kubectlPath = Files.findExecutable("kubectl", searchPath: environment("PATH"))
        let next = "kubectl config set-context --current --user \(name)"
        guard !args.has("print"), let kubectlPath else {
            if !args.has("print") {
                say("setup kubectl: kubectl is not on PATH, so no kubeconfig was changed; add this entry under users: in your kubeconfig:")
            }
            out(user.yaml())
            say("Then use it: \(next)")
            return 0
        }
        let given = args.value("kubeconfig")
        let file = given ?? environment("KUBECONFIG").flatMap { $0.split(separator: ":").first.map(String.init) }
            ?? Files.home() + "/.kube/config"
        let kubectl = Tool(argv: [kubectlPath, "--kubeconfig", file], name: "kubectl",
                           fix: "check \(file), or add the user by hand from `entra-credential-helper setup kubectl --print`")
        let before = try entry(kubectl, user)
        let state = user.state(of: before)
        let withFile = given == nil ? "" : " --kubeconfig \(file)"
        switch state {
        case .current:
            say("setup kubectl: user \(name) in \(file) runs entra-credential-helper already; nothing changed.")
            say("Use it: \(next)\(withFile)")
            return 0
        case let .foreign(why):
            throw .usage("setup kubectl: \(file) has a user '\(name)' that is not ours (\(why)); pick another name with --user NAME (nothing was changed)")
        case .absent, .outdated:
            break
        }
        let real = Self.resolvingLink(file)
        var bytes: [UInt8]?
        do {
            bytes = try Files.read(real, limit: 16 << 20)
        } catch .missing {
            bytes = nil
        } catch {
            throw .unparsableFile(path: file, detail: "cannot read it (\(Self.reason(error)))", fix: "fix its permissions")
        }
        var backup: String?
        if let bytes { backup = try backUp(bytes, of: real) }
        try kubectl.change(user.setCredentialsArguments)
        guard user.state(of: try entry(kubectl, user)) == .current else {
            throw .toolFailed(command: "kubectl config set-credentials \(name)", detail: "the user does not read back as written",
                              fix: "check \(file)\(backup.map { " against \($0)" } ?? "")")
        }
        let exec = ([user.command] + user.args).joined(separator: " ")
        if case let .outdated(was) = state {
            say("setup kubectl: updated user \(name) in \(file): exec \(exec) (was \(was))")
        } else {
            say("setup kubectl: added user \(name) to \(file): exec \(exec), interactiveMode IfAvailable, provideClusterInfo true")
        }
        if let backup { say("The previous file is kept as \(backup).") }
        say("Next: \(next)\(withFile)   (or set --user \(name) on your AKS cluster's context)")
        return 0
    }

    /// The user's entry as kubectl reads it (secrets redacted: --raw is never passed).
    func entry(_ kubectl: Tool, _ user: KubeconfigUser) throws(HelperError) -> JSONValue? {
        let text = try kubectl.output(["config", "view", "-o", KubeconfigUser.viewUsersFormat], okStatuses: [0])
        var entries: [JSONValue] = []
        for line in text.split(separator: "\n") where line.contains(where: { !$0.isWhitespace }) {
            do {
                entries.append(try JSON.parse(Array(line.utf8)))
            } catch {
                throw .toolFailed(command: "kubectl config view", detail: "unexpected output: \(error.description)", fix: kubectl.fix)
            }
        }
        return user.entry(in: entries)
    }

    /// This binary as the user ran it: an absolute path without resolving symbolic
    /// links (an installed link keeps working across upgrades), else /proc/self/exe.
    func selfPath() -> String {
        let argv0 = CommandLine.arguments.first ?? ""
        if argv0.hasPrefix("/") { return argv0 }
        if argv0.contains("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                return cwd + "/" + (argv0.hasPrefix("./") ? String(argv0.dropFirst(2)) : argv0)
            }
        } else if !argv0.isEmpty, let found = Files.findExecutable(argv0, searchPath: environment("PATH")) {
            return found
        }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        return n > 0 ? String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self) : "entra-credential-helper"
    }
}
