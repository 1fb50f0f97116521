import Foundation
import Testing

/// One user with real git, the docker CLI and kubectl wired to the helper, against the
/// demo servers: a SignInWorld (emulator, private HOME and XDG dirs) with three profiles
/// that share tenant, client id and authority, so one refresh token serves all of them:
///   demo-git  api://demo-git/.default                         host 127.0.0.1:GITPORT
///   demo-acr  https://containerregistry.azure.net/.default    host 127.0.0.1:REGPORT (kind acr)
///   demo-aks  6dae42f8-…/.default                             host 127.0.0.1:KUBEPORT
/// git runs `git-credential-entra` (credential.helper=entra in HOME's .gitconfig), docker
/// `docker-credential-entra` (credHelpers in DOCKER_CONFIG under HOME), kubectl the helper as
/// its exec plugin (KUBECONFIG under HOME). Each of them reaches the real binary through a
/// wrapper that records the call and copies the answer into `capture`, outside HOME, so the
/// tests can see which token went out (and look for it in HOME afterwards).
final class EndToEndWorld {
    let world: SignInWorld
    let servers: DemoServers
    let bin: HelperBin
    /// The wrappers, `<name>.calls` (arguments per call) and `<name>.answers` (stdout).
    let capture: TemporaryDirectory
    var emulator: Emulator { world.emulator }

    static let aksProfile = "demo-aks"
    static let acrUser = "00000000-0000-0000-0000-000000000000"

    /// Variables removed from every client command's environment, beside SignInWorld.unset
    /// (e.g. DBUS_SESSION_BUS_ADDRESS, for callers without a Secret Service).
    var unset: [String] = []

    /// `captureStderr`: the wrappers also keep the helper's stderr in `<name>.errors` (and pass
    /// it on once the helper ends, so the client sees it late).
    init(decoy: Bool = false, tlsRegistry: Bool = false, captureStderr: Bool = false) throws {
        world = try SignInWorld()
        servers = try DemoServers(emulator: world.emulator, decoy: decoy, tlsRegistry: tlsRegistry)
        bin = try HelperBin()
        capture = try TemporaryDirectory()
        let profiles: [(String, String, String, [String])] = [
            ("demo-git", "api://demo-git/.default", servers.gitHost, []),
            ("demo-acr", "\(DemoServers.registryAudience)/.default", servers.registryHost, ["--kind", "acr"]),
            (Self.aksProfile, "\(DemoServers.kubeAudience)/.default", servers.kubeHost, []),
        ]
        for (name, scope, host, more) in profiles {
            let added = try world.helper(["profile", "add", name, "--tenant", "organizations", "--client-id", world.clientID,
                                          "--scope", scope, "--authority-host", world.authority, "--host", host] + more)
            guard added.status == 0 else { throw ControlFailed(text: "profile add \(name): \(added.stderr)") }
        }
        for name in ["git-credential-entra", "docker-credential-entra", "entra-credential-helper"] {
            let errors = capture.file("\(name).errors")
            let keep = captureStderr ? " 2>\"$err\"" : ""
            _ = try capture.writeExecutable(name, """
                #!/bin/bash
                set -o pipefail
                printf '%s\\n' "$*" >>'\(capture.file("\(name).calls"))'
                \(captureStderr ? "err=$(mktemp -p '\(capture.path)')" : "")
                '\(bin.dir.file(name))' "$@"\(keep) | tee -a '\(capture.file("\(name).answers"))'
                status=$?
                \(captureStderr ? "cat \"$err\" >&2; cat \"$err\" >>'\(errors)'; rm -f \"$err\"" : "")
                exit $status

                """)
        }
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        for (key, value) in [("user.name", "E2E Test"), ("user.email", "e2e@contoso.example"), ("init.defaultBranch", "main"),
                             ("credential.helper", "entra"), ("protocol.version", "2")] {
            let set = try tool(["git", "config", "--global", key, value])
            guard set.status == 0 else { throw ControlFailed(text: "git config: \(set.stderr)") }
        }
        try world.home.write("home/.docker/config.json", #"{"credHelpers": {"\#(servers.registryHost)": "entra"}}"#)
        try kubeconfig(interactiveMode: "IfAvailable")
    }

    /// Writes HOME/.kube/config with the helper (through its wrapper) as the exec plugin.
    func kubeconfig(interactiveMode: String, server: String? = nil, profile: String? = nil) throws {
        try world.home.write("home/.kube/config", try servers.kubeconfig(
            command: capture.file("entra-credential-helper"), interactiveMode: interactiveMode, server: server, profile: profile))
    }

    var home: String { world.home.file("home") }
    var clone: String { "\(home)/work/demo" }

    /// A client command as a user runs it, detached from any terminal: the world's HOME
    /// and XDG dirs, the wrappers first on PATH, no system git config, no docker daemon.
    func tool(_ argv: [String], timeout: Int = 120) throws -> Outcome {
        try run(["setsid", "-w"] + argv, environment: toolEnvironment, removing: toolUnset, timeout: timeout)
    }

    /// What `tool` sets and removes.
    var toolEnvironment: [String: String] {
        var env = world.environment
        env["PATH"] = "\(capture.path):\(bin.searchPath)"
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        env["GIT_TERMINAL_PROMPT"] = "0"
        env["DOCKER_CONFIG"] = "\(home)/.docker"
        env["DOCKER_HOST"] = "unix://\(capture.file("no-docker-daemon.sock"))"
        env["KUBECONFIG"] = "\(home)/.kube/config"
        env["NO_PROXY"] = "127.0.0.1,localhost"
        return env
    }
    var toolUnset: [String] { SignInWorld.unset + ["GIT_ASKPASS", "SSH_ASKPASS", "KUBERNETES_EXEC_INFO"] + unset }

    /// Starts a client command like `tool` without waiting; its output goes to `capture`'s
    /// `<name>.out` and `<name>.err`.
    func startTool(_ argv: [String], stdin: String, name: String) throws -> Spawned {
        var env = Harness.environment
        for key in toolUnset { env[key] = nil }
        env.merge(toolEnvironment) { _, new in new }
        let input = try capture.write("\(name).in", stdin)
        return try Spawned(["/usr/bin/timeout", "-k", "5", "120", "setsid", "-w"] + argv, environment: env, stdin: input,
                           stdout: capture.file("\(name).out"), stderr: capture.file("\(name).err"))
    }

    /// The helper's stderr the wrappers kept (`captureStderr`).
    func errors(_ name: String) -> String {
        (try? String(contentsOfFile: capture.file("\(name).errors"), encoding: .utf8)) ?? ""
    }

    /// Signs in once, for demo-git, through the device code the emulator is told to approve.
    func login() throws {
        _ = try world.signInWithDeviceCode(["--profile", "demo-git"], command: "login")
    }

    /// git clone of the demo repository (into `clone`, or `directory`), then a commit pushed
    /// back; returns what git said at each step.
    @discardableResult
    func cloneAndPush(file: String = "README", into directory: String? = nil) throws -> [Outcome] {
        let target = directory ?? clone
        let cloned = try tool(["git", "clone", "-q", servers.repositoryURL, target])
        guard cloned.status == 0 else { throw ControlFailed(text: "git clone: \(cloned.stderr)") }
        try Data("pushed through the helper\n".utf8).write(to: URL(fileURLWithPath: "\(target)/\(file)"))
        var outcomes = [cloned]
        for step in [["add", file], ["commit", "-qm", "e2e"], ["push", "-q", "origin", "HEAD:main"]] {
            let done = try tool(["git", "-C", target] + step)
            guard done.status == 0 else { throw ControlFailed(text: "git \(step[0]): \(done.stderr)") }
            outcomes.append(done)
        }
        return outcomes
    }

    func kubectlVersion() throws -> Outcome { try tool(["kubectl", "get", "--raw", "/version"]) }

    func dockerInspect(_ reference: String? = nil) throws -> Outcome {
        try tool(["docker", "manifest", "inspect", "--insecure", reference ?? "\(servers.registryHost)/demo/hello:latest"])
    }

    /// What each wrapper recorded.
    func calls(_ name: String) -> [String] { lines(capture.file("\(name).calls")) }
    func answers(_ name: String) -> String {
        (try? String(contentsOfFile: capture.file("\(name).answers"), encoding: .utf8)) ?? ""
    }

    /// The passwords git got from the helper, in order.
    var gitTokens: [String] {
        answers("git-credential-entra").split(separator: "\n").filter { $0.hasPrefix("password=") }
            .map { String($0.dropFirst("password=".count)) }
    }

    /// status.token of every ExecCredential kubectl got.
    var kubeTokens: [String] { jsonObjects(answers("entra-credential-helper")).compactMap { ($0["status"] as? [String: Any])?["token"] as? String } }

    /// (Username, Secret) of every docker answer.
    var dockerCredentials: [(user: String, secret: String)] {
        jsonObjects(answers("docker-credential-entra")).compactMap { object in
            guard let user = object["Username"] as? String, let secret = object["Secret"] as? String else { return nil }
            return (user, secret)
        }
    }

    /// The emulator's grant count of one kind.
    func grants(_ kind: String) throws -> Int { try emulator.grants(kind) }

    /// The refresh-token items for this world's authority in the keyring.
    func refreshTokenItems() throws -> Int {
        // This world's own client id too: the keyring is shared by the whole run, and another
        // world's emulator may have had this port (and left its sign-in) earlier.
        let found = try run(["secret-tool", "search", "--all", "xdg:schema", "io.github.entra-credential-helper.RefreshToken",
                             "authority", world.authority, "client_id", world.clientID])
        let count = (found.stdout + found.stderr).split(separator: "\n").filter { $0.hasPrefix("[/") }.count
        if count != 1 { print("refresh-token items for \(world.authority) \(world.clientID): \(count)\n\(found.stdout)\(found.stderr)") }
        return count
    }

    /// The emulator's verdict on a token: its claims when this run issued it and it is valid.
    func verified(_ token: String) throws -> [String: Any]? {
        let verdict = try emulator.control("verify", ["token": token]) as? [String: Any]
        return verdict?["valid"] as? Bool == true ? verdict?["claims"] as? [String: Any] : nil
    }

    private func lines(_ path: String) -> [String] {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    private func jsonObjects(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
