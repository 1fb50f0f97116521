import Foundation
import Testing

/// A private HOME with the helper on PATH under its three names, profiles, and the real
/// git, docker CLI and kubectl reading what `setup` wrote. No keyring is involved: a
/// session bus that leads nowhere proves setup never touches one.
final class SetupWorld {
    let dir: TemporaryDirectory
    let bin: HelperBin
    var home: String { dir.file("home") }
    var extra: [String: String] = [:]

    init() throws {
        dir = try TemporaryDirectory()
        bin = try HelperBin()
        try FileManager.default.createDirectory(atPath: dir.file("home"), withIntermediateDirectories: true)
    }

    var environment: [String: String] {
        ["HOME": home, "XDG_CONFIG_HOME": home + "/.config", "PATH": bin.searchPath, "GIT_CONFIG_NOSYSTEM": "1",
         "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/ech-bus"].merging(extra) { _, new in new }
    }

    static let unset = ["KUBECONFIG", "DOCKER_CONFIG", "GIT_CONFIG_GLOBAL", "ENTRA_CREDENTIAL_HELPER_CONFIG", "XDG_DATA_HOME"]

    func helper(_ arguments: [String]) throws -> Outcome {
        try run([bin.dir.file("entra-credential-helper")] + arguments, environment: environment, removing: Self.unset)
    }

    func tool(_ argv: [String], stdin: String = "") throws -> Outcome {
        try run(argv, stdin: stdin, environment: environment, removing: Self.unset)
    }

    func addProfile(_ arguments: [String]) throws {
        let added = try helper(["profile", "add"] + arguments)
        #expect(added.status == 0, "\(added.stderr)")
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func files(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}

@Suite("setup git, docker and kubectl on real config files")
struct SetupTests {
    @Test("git: URL sections through git config, after an existing helper; twice changes nothing")
    func git() throws {
        let world = try SetupWorld()
        try world.addProfile(["ado", "--preset", "azure-devops"])
        try world.addProfile(["org", "--tenant", "t", "--client-id", "c", "--host", "git.example/contoso", "--host", "127.0.0.1:8443"])
        #expect(try world.tool(["git", "config", "--global", "credential.helper", "store"]).status == 0)
        let gitconfig = world.home + "/.gitconfig"

        let first = try world.helper(["setup", "git"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        #expect(first.stderr.contains("https://dev.azure.com: helper = entra"))
        #expect(first.stderr.contains("Changed 5 URL sections in \(gitconfig)"), "\(first.stderr)")
        let written = try #require(world.bytes(gitconfig))

        let second = try world.helper(["setup", "git"])
        #expect(second.status == 0)
        #expect(second.stderr.contains("https://dev.azure.com: already set up"))
        #expect(second.stderr.contains("nothing changed"))
        #expect(world.bytes(gitconfig) == written)

        // What git itself now picks for each URL; the global helper still serves the rest.
        for (url, helper) in [("https://dev.azure.com/org/project/_git/repo", "entra"), ("https://org.visualstudio.com/x", "entra"),
                              ("https://git.example/contoso/repo", "entra"), ("https://git.example/other/repo", "store"),
                              ("http://127.0.0.1:8443/repo", "entra"), ("https://github.com/x", "store")] {
            let match = try world.tool(["git", "config", "--get-urlmatch", "credential.helper", url])
            #expect(match.stdout == helper + "\n", "\(url)")
        }
        let path = try world.tool(["git", "config", "--get-urlmatch", "credential.useHttpPath", "https://git.example/contoso/r"])
        #expect(path.stdout == "true\n")

        // git runs our helper, and only ours, for a profile's URL (the empty entry resets the list).
        var trace = world.extra
        trace["GIT_TRACE"] = "1"
        trace["GIT_TERMINAL_PROMPT"] = "0"
        world.extra = trace
        let fill = try world.tool(["git", "credential", "fill"], stdin: "url=https://dev.azure.com/org/r\n\n")
        #expect(fill.stderr.contains("git credential-entra get") || fill.stderr.contains("git-credential-entra get"), "\(fill.stderr)")
        #expect(!fill.stderr.contains("credential-store"), "\(fill.stderr)")
    }

    @Test("git: GIT_CONFIG_GLOBAL is where git config --global writes, so setup writes there")
    func gitConfigGlobal() throws {
        let world = try SetupWorld()
        try world.addProfile(["ado", "--preset", "azure-devops"])
        let file = world.dir.file("elsewhere.gitconfig")
        world.extra["GIT_CONFIG_GLOBAL"] = file
        let result = try world.helper(["setup", "git", "--profile", "ado"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("in \(file)"))
        #expect(world.bytes(world.home + "/.gitconfig") == nil)
        let text = String(decoding: try #require(world.bytes(file)), as: UTF8.self)
        #expect(text.contains("[credential \"https://dev.azure.com\"]"))
    }

    @Test("setup refuses what it cannot set up, with one line naming the fix", arguments: [
        (["setup", "git", "--profile", "nope"], "no profile named 'nope'", Int32(1)),
        (["setup", "git", "--profile", "bare"], "profile 'bare' names no hosts", 1),
        (["setup", "docker", "--profile", "ado"], "docker needs an acr profile", 2),
        (["setup", "docker"], "name your registries", 2),
        (["setup", "docker", "--registry", "evil.example"], "no acr profile names the registry evil.example", 2),
        (["setup", "docker", "--registry", "*.azurecr.io"], "--registry takes one registry host", 2),
        (["setup", "kubectl", "--profile", "nope"], "no profile named 'nope'", 1),
        (["setup", "kubectl", "--profile", "aks", "--user", "a b"], "is not a user name", 2),
        (["setup", "frobnicate"], "usage: entra-credential-helper setup", 2),
        (["setup", "git", "--bogus"], "unknown option '--bogus'", 2),
    ])
    func refusals(arguments: [String], message: String, status: Int32) throws {
        let world = try SetupWorld()
        try world.addProfile(["ado", "--preset", "azure-devops"])
        try world.addProfile(["acr", "--preset", "acr"])
        try world.addProfile(["aks", "--preset", "aks"])
        try world.addProfile(["bare", "--tenant", "t", "--client-id", "c"])
        let result = try world.helper(arguments)
        #expect(result.status == status, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        #expect(world.files(world.home).filter { $0 != ".config" }.isEmpty, "nothing written: \(world.files(world.home))")
    }

    static let dockerBefore = """
    {
    \t"auths": {"other.example": {"auth": "dXNlcjpwYXNz"}},
    \t"credHelpers": {"gcr.io": "gcloud"},
    \t"credsStore": "desktop",
    \t"psFormat": "table {{.ID}}\\t{{.Names}}",
    \t"proxies": {"default": {"httpsProxy": "http://proxy.example:3128", "noProxy": "*.local"}},
    \t"experimental": "enabled",
    \t"future": [1.0, 2e10, null, true, {"nested": "é<>&"}]
    }
    """

    @Test("docker: merged into config.json, others kept, backup written, mode 0600; twice changes nothing")
    func docker() throws {
        let world = try SetupWorld()
        try world.addProfile(["acr", "--preset", "acr", "--host", "fixed.azurecr.io", "--host", "*.azurecr.io"])
        let dockerDir = world.home + "/.docker", config = dockerDir + "/config.json"
        try FileManager.default.createDirectory(atPath: dockerDir, withIntermediateDirectories: true)
        try Data(Self.dockerBefore.utf8).write(to: URL(fileURLWithPath: config))
        chmod(config, 0o644)

        let first = try world.helper(["setup", "docker", "--registry", "https://MyReg.azurecr.io", "--creds-store"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        #expect(first.stderr.contains(#"credHelpers["fixed.azurecr.io"] = "entra" (added)"#))
        #expect(first.stderr.contains(#"credHelpers["myreg.azurecr.io"] = "entra" (added)"#))
        #expect(first.stderr.contains("credsStore is 'desktop'; left as it is"), "\(first.stderr)")
        let after = try #require(world.bytes(config))
        let object = try #require(try JSONSerialization.jsonObject(with: after) as? NSDictionary)
        var expected = try #require(try JSONSerialization.jsonObject(with: Data(Self.dockerBefore.utf8)) as? [String: Any])
        expected["credHelpers"] = ["gcr.io": "gcloud", "fixed.azurecr.io": "entra", "myreg.azurecr.io": "entra"]
        #expect(object == expected as NSDictionary)
        var info = stat()
        stat(config, &info)
        #expect(info.st_mode & 0o777 == 0o600)
        let backups = world.files(dockerDir).filter { $0.hasPrefix("config.json.bak-") }
        #expect(backups.count == 1)
        #expect(world.bytes(dockerDir + "/" + backups[0]) == Data(Self.dockerBefore.utf8))

        let second = try world.helper(["setup", "docker", "--registry", "myreg.azurecr.io", "--creds-store"])
        #expect(second.status == 0)
        #expect(second.stderr.contains("nothing changed"), "\(second.stderr)")
        #expect(world.bytes(config) == after)
        #expect(world.files(dockerDir).count == 2)

        // The real docker CLI reads the merged file (a file it cannot parse fails every command).
        if let docker = Harness.which("docker") {
            world.extra["DOCKER_CONFIG"] = dockerDir
            let read = try world.tool([docker, "context", "ls"])
            #expect(read.status == 0, "\(read.stderr)")
        }
    }

    @Test("docker: no file yet: created with credHelpers and credsStore, under DOCKER_CONFIG")
    func dockerCreates() throws {
        let world = try SetupWorld()
        try world.addProfile(["acr", "--preset", "acr"])
        let dockerDir = world.dir.file("docker-config")
        world.extra["DOCKER_CONFIG"] = dockerDir
        let result = try world.helper(["setup", "docker", "--registry", "myreg.azurecr.io", "--creds-store"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("Created \(dockerDir)/config.json."))
        let text = String(decoding: try #require(world.bytes(dockerDir + "/config.json")), as: UTF8.self)
        #expect(text == "{\n  \"credHelpers\": {\n    \"myreg.azurecr.io\": \"entra\"\n  },\n  \"credsStore\": \"entra\"\n}\n")
    }

    @Test("docker: a config.json that is not JSON is refused and left untouched", arguments: [
        "{\"auths\": {", "[]", "{\"credHelpers\": \"entra\"}",
    ])
    func dockerInvalid(text: String) throws {
        let world = try SetupWorld()
        try world.addProfile(["acr", "--preset", "acr"])
        let dockerDir = world.home + "/.docker"
        try FileManager.default.createDirectory(atPath: dockerDir, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: dockerDir + "/config.json"))
        let result = try world.helper(["setup", "docker", "--registry", "myreg.azurecr.io"])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("entra-credential-helper: \(dockerDir)/config.json: "), "\(result.stderr)")
        #expect(result.stderr.contains("(nothing was changed)"))
        #expect(world.bytes(dockerDir + "/config.json") == Data(text.utf8))
        #expect(world.files(dockerDir) == ["config.json"])
    }

    @Test("kubectl: a user added with kubectl config set-credentials; twice changes nothing; a foreign user is refused",
          .enabled(if: Harness.which("kubectl") != nil || Harness.integrationRequired))
    func kubectl() throws {
        let world = try SetupWorld()
        try world.addProfile(["aks", "--preset", "aks"])
        let kubeconfig = world.dir.file("kube/config")
        world.extra["KUBECONFIG"] = kubeconfig
        #expect(try world.tool(["kubectl", "config", "set-cluster", "demo", "--server=https://demo.hcp.westeurope.azmk8s.io:443"]).status == 0)
        #expect(try world.tool(["kubectl", "config", "set-credentials", "other", "--token=not-a-real-token"]).status == 0)
        let before = try #require(world.bytes(kubeconfig))

        let first = try world.helper(["setup", "kubectl", "--profile", "aks"])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.isEmpty)
        #expect(first.stderr.contains("added user entra-aks to \(kubeconfig)"), "\(first.stderr)")
        #expect(first.stderr.contains("kubectl config set-context --current --user entra-aks"))
        #expect(!first.stderr.contains("not-a-real-token") && !first.stdout.contains("not-a-real-token"))
        let view = try world.tool(["kubectl", "config", "view", "-o", "json"])
        let users = try #require((try JSONSerialization.jsonObject(with: Data(view.stdout.utf8)) as? [String: Any])?["users"] as? [[String: Any]])
        let exec = try #require((users.first { $0["name"] as? String == "entra-aks" }?["user"] as? [String: Any])?["exec"] as? [String: Any])
        #expect(exec["apiVersion"] as? String == "client.authentication.k8s.io/v1")
        #expect(exec["command"] as? String == world.bin.dir.file("entra-credential-helper"))
        #expect(exec["args"] as? [String] == ["kubectl", "--profile", "aks"])
        #expect(exec["interactiveMode"] as? String == "IfAvailable")
        #expect(exec["provideClusterInfo"] as? Bool == true)
        #expect(users.contains { $0["name"] as? String == "other" }, "the other user is kept")
        let backups = world.files(world.dir.file("kube")).filter { $0.hasPrefix("config.bak-") }
        #expect(backups.count == 1)
        #expect(world.bytes(world.dir.file("kube/" + backups[0])) == before)

        let written = try #require(world.bytes(kubeconfig))
        let second = try world.helper(["setup", "kubectl", "--profile", "aks"])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("nothing changed"))
        #expect(world.bytes(kubeconfig) == written)

        let foreign = try world.helper(["setup", "kubectl", "--profile", "aks", "--user", "other"])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("has a user 'other' that is not ours (it has token)"), "\(foreign.stderr)")
        #expect(!foreign.stderr.contains("not-a-real-token"))
        #expect(world.bytes(kubeconfig) == written)

        // --print changes nothing and prints the entry kubectl would read.
        let printed = try world.helper(["setup", "kubectl", "--profile", "aks", "--print", "--command", "entra-credential-helper"])
        #expect(printed.status == 0)
        #expect(printed.stdout.hasPrefix("- name: entra-aks\n"))
        #expect(printed.stdout.contains("installHint: "))
        #expect(world.bytes(kubeconfig) == written)
        let file = try world.dir.write("printed.yaml", "apiVersion: v1\nkind: Config\nusers:\n" + printed.stdout)
        let parsed = try world.tool(["kubectl", "--kubeconfig", file, "config", "view", "-o", "jsonpath={.users[0].user.exec.args}"])
        #expect(parsed.stdout == #"["kubectl","--profile","aks"]"#, "\(parsed.stderr)")
    }

    @Test("kubectl: a user of ours without provideClusterInfo is updated to send it, as real kubectl reads it back",
          .enabled(if: Harness.which("kubectl") != nil || Harness.integrationRequired))
    func kubectlClusterInfo() throws {
        let world = try SetupWorld()
        try world.addProfile(["aks", "--preset", "aks"])
        let kubeconfig = world.dir.file("kube/config")
        world.extra["KUBECONFIG"] = kubeconfig
        let command = world.bin.dir.file("entra-credential-helper")
        #expect(try world.tool(["kubectl", "config", "set-credentials", "entra-aks", "--exec-command=\(command)",
                                "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=kubectl", "--exec-arg=--profile",
                                "--exec-arg=aks", "--exec-interactive-mode=IfAvailable"]).status == 0)
        let info = ["kubectl", "config", "view", "-o", "jsonpath={.users[0].user.exec.provideClusterInfo}"]
        #expect(try world.tool(info).stdout == "false")
        let result = try world.helper(["setup", "kubectl", "--profile", "aks"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("updated user entra-aks") && result.stderr.contains("provideClusterInfo false"), "\(result.stderr)")
        #expect(try world.tool(info).stdout == "true")
    }

    @Test("help setup and setup --help describe every target")
    func help() throws {
        let world = try SetupWorld()
        for arguments in [["help", "setup"], ["setup", "--help"], ["setup"]] {
            let result = try world.helper(arguments)
            #expect(result.status == 0)
            for word in ["setup git", "setup docker", "setup kubectl", "useHttpPath", "credHelpers", "--creds-store", "set-credentials", "--print"] {
                #expect(result.stdout.contains(word), "\(word)")
            }
        }
        #expect(try world.helper(["--help"]).stdout.contains("setup git|docker|kubectl"))
    }
}
