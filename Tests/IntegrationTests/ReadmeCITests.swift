import Foundation
import Testing

/// README.md's "In CI and on Azure": the GitHub Actions job, the Azure Pipelines job and the AKS
/// pod are read as YAML (Debian's python3-yaml), their keys checked, and every
/// `entra-credential-helper` (and `export`) line of their scripts run by bash on real config
/// files, in the environment the CI system or the AKS webhook would give them (the emulator
/// standing in for Entra, GitHub's and Azure DevOps' OIDC endpoints and the projected token).
/// Then real git asks for the credential of the example's `git clone` URL through the config
/// the example wrote, and gets an app token from a federated assertion; docker's config names
/// the example's registry. No D-Bus: these flows must not need one.
@Suite("README: In CI and on Azure")
struct ReadmeCITests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../README.md").standardized.path
    static let tenant = "0f6d2a4b-8c1e-4d3f-a5b7-9e2c4d6f8a10"
    static let client = "7b3e5d1f-2a4c-4e6b-8d0f-1a3c5e7b9d21"

    /// The section from its heading to the next `## ` heading.
    static func section() throws -> String {
        let text = try String(contentsOfFile: readme, encoding: .utf8)
        guard let start = text.range(of: "\n## In CI and on Azure\n") else {
            Issue.record("README.md has no section '## In CI and on Azure'")
            return ""
        }
        let rest = text[start.upperBound...]
        return String(rest[..<(rest.range(of: "\n## ")?.lowerBound ?? rest.endIndex)])
    }

    /// Each ```yaml block of the section, as the list of its documents (parsed by python3-yaml).
    static func yamlBlocks() throws -> [[[String: Any]]] {
        let parts = try section().components(separatedBy: "```yaml\n").dropFirst()
        return try parts.map { part in
            let block = part.components(separatedBy: "\n```").first ?? ""
            let parsed = try run(["/usr/bin/python3", "-c",
                                  "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(sys.stdin))))"],
                                 stdin: block)
            guard parsed.status == 0 else { throw ControlFailed(text: "not YAML: \(parsed.stderr)\n\(block)") }
            let documents = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as? [Any] ?? []
            return documents.compactMap { $0 as? [String: Any] }
        }
    }

    /// One example: the script lines it runs, the environment its platform gives them.
    struct Example {
        var name: String
        var script: String
        var environment: [String: String]
    }

    /// The three examples, checked for the keys the README names, with the environment their
    /// platform would set (pointing at the emulator).
    static func examples(_ emulator: Emulator, tokenFile: String) throws -> [Example] {
        let blocks = try yamlBlocks()
        try #require(blocks.count == 3, "expected the GitHub Actions, Azure Pipelines and AKS YAML blocks")
        let oidc = try #require(try emulator.control("oidc") as? [String: Any])
        let github = try #require(oidc["github"] as? [String: Any]), pipelines = try #require(oidc["pipelines"] as? [String: Any])
        let authority = ["AZURE_AUTHORITY_HOST": emulator.authority]  // in place of login.microsoftonline.com

        // GitHub Actions: id-token: write; the job's env (AZURE_TENANT_ID, AZURE_CLIENT_ID from vars).
        let workflow = try #require(blocks[0].first)
        #expect((workflow["permissions"] as? [String: String])?["id-token"] == "write")
        let job = try #require((workflow["jobs"] as? [String: [String: Any]])?.values.first)
        let jobEnv = try #require(job["env"] as? [String: String])
        #expect(Set(jobEnv.keys) == ["AZURE_TENANT_ID", "AZURE_CLIENT_ID"], "\(jobEnv)")
        let steps = try #require(job["steps"] as? [[String: Any]])
        let githubScript = steps.compactMap { $0["run"] as? String }.joined(separator: "\n")
        let githubEnv = authority.merging([
            "AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": client, "GITHUB_ACTIONS": "true", "CI": "true",
            "ACTIONS_ID_TOKEN_REQUEST_URL": "\(github["ACTIONS_ID_TOKEN_REQUEST_URL"] ?? "")",
            "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "\(github["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] ?? "")"]) { $1 }

        // Azure Pipelines: an AzureCLI@2 bash task, SYSTEM_ACCESSTOKEN passed in.
        let pipeline = try #require(blocks[1].first)
        let task = try #require((pipeline["steps"] as? [[String: Any]])?.first { $0["task"] as? String == "AzureCLI@2" })
        let inputs = try #require(task["inputs"] as? [String: String])
        #expect(inputs["scriptType"] == "bash" && inputs["scriptLocation"] == "inlineScript" && inputs["azureSubscription"] != nil)
        #expect((task["env"] as? [String: String])?["SYSTEM_ACCESSTOKEN"] == "$(System.AccessToken)")
        let pipelinesEnv = authority.merging([
            "TF_BUILD": "True", "AZURESUBSCRIPTION_TENANT_ID": tenant, "AZURESUBSCRIPTION_CLIENT_ID": client,
            "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": "\(pipelines["service_connection_id"] ?? "")",
            "SYSTEM_OIDCREQUESTURI": "\(pipelines["SYSTEM_OIDCREQUESTURI"] ?? "")",
            "SYSTEM_ACCESSTOKEN": "\(pipelines["SYSTEM_ACCESSTOKEN"] ?? "")"]) { $1 }

        // AKS: the service account's client id annotation, the pod's label, the container's env
        // and script; the webhook's variables (AZURE_AUTHORITY_HOST with its trailing slash).
        let account = try #require(blocks[2].first { $0["kind"] as? String == "ServiceAccount" })
        let pod = try #require(blocks[2].first { $0["kind"] as? String == "Pod" })
        let accountMeta = try #require(account["metadata"] as? [String: Any])
        let annotatedClient = try #require((accountMeta["annotations"] as? [String: String])?["azure.workload.identity/client-id"])
        #expect(((pod["metadata"] as? [String: Any])?["labels"] as? [String: String])?["azure.workload.identity/use"] == "true")
        let spec = try #require(pod["spec"] as? [String: Any])
        #expect(spec["serviceAccountName"] as? String == accountMeta["name"] as? String)
        let container = try #require((spec["containers"] as? [[String: Any]])?.first)
        let containerEnv = (container["env"] as? [[String: String]] ?? []).reduce(into: [String: String]()) {
            $0[$1["name"] ?? ""] = $1["value"] ?? ""
        }
        let subject = "system:serviceaccount:\(accountMeta["namespace"] ?? ""):\(accountMeta["name"] ?? "")"
        let minted = try emulator.control("federated-token", ["issuer": "https://oidc.aks.example/", "subject": subject])
        let token = try #require((minted as? [String: String])?["token"])
        try Data(token.utf8).write(to: URL(fileURLWithPath: tokenFile))
        let aksEnv = containerEnv.merging([
            "AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": annotatedClient, "AZURE_FEDERATED_TOKEN_FILE": tokenFile,
            "AZURE_AUTHORITY_HOST": emulator.authority + "/"]) { $1 }

        // The app behind all three: a federated credential for each issuer and subject.
        try emulator.control("apps", ["client_id": client, "federated_credentials": [
            ["issuer": github["issuer"], "subject": github["subject"]],
            ["issuer": pipelines["issuer"], "subject": pipelines["subject"]]]])
        try emulator.control("apps", ["client_id": annotatedClient, "federated_credentials": [
            ["issuer": "https://oidc.aks.example/", "subject": subject]]])
        return [Example(name: "GitHub Actions", script: githubScript, environment: githubEnv),
                Example(name: "Azure Pipelines", script: inputs["inlineScript"] ?? "", environment: pipelinesEnv),
                Example(name: "AKS", script: (container["args"] as? [String])?.first ?? "", environment: aksEnv)]
    }

    @Test("each example's helper lines run as written, and git gets an app token through what they set up",
          arguments: ["GitHub Actions", "Azure Pipelines", "AKS"])
    func example(name: String) throws {
        let emulator = try Emulator()
        let world = try SetupWorld()
        let example = try #require(try Self.examples(emulator, tokenFile: world.dir.file("azure-identity-token"))
            .first { $0.name == name })
        let lines = example.script.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let helperLines = lines.filter { $0.hasPrefix("entra-credential-helper ") || $0.hasPrefix("export ") }
        #expect(helperLines.filter { $0.hasPrefix("entra-credential-helper profile add ") }.count == 2, "\(lines)")
        #expect(helperLines.contains { $0.hasPrefix("entra-credential-helper setup git ") }, "\(lines)")
        #expect(helperLines.contains { $0.hasPrefix("entra-credential-helper setup docker ") }, "\(lines)")
        let cloneURL = try #require(lines.first { $0.hasPrefix("git clone ") }?.split(separator: " ").last.map(String.init))
        let image = try #require(lines.first { $0.hasPrefix("docker pull ") || $0.hasPrefix("docker manifest inspect ") }?
            .split(separator: " ").last.map(String.init))
        let registry = String(image.prefix { $0 != "/" })

        world.extra = example.environment.merging(["GIT_TERMINAL_PROMPT": "0", "DOCKER_CONFIG": world.home + "/.docker"]) { $1 }
        let ran = try world.tool(["bash", "-euo", "pipefail", "-c", helperLines.joined(separator: "\n")])
        #expect(ran.status == 0, "\(name): \(ran.stderr)")
        defer { for profile in ["ado", "acr"] { _ = try? world.helper(["logout", "--profile", profile]) } }

        // Entra itself is not reachable from a test: a profile the example left on the default
        // authority (login.microsoftonline.com) is pointed at the emulator, and nothing else changes.
        let configPath = world.home + "/.config/entra-credential-helper/config.json"
        let written = try #require(world.bytes(configPath))
        var config = try #require(try JSONSerialization.jsonObject(with: written) as? [String: Any])
        var profiles = try #require(config["profiles"] as? [String: [String: Any]])
        #expect(Set(profiles.keys) == ["ado", "acr"], "\(name): \(profiles.keys.sorted())")
        for (key, var profile) in profiles where profile["authority_host"] == nil {
            profile["authority_host"] = emulator.authority
            profiles[key] = profile
        }
        config["profiles"] = profiles
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: configPath))

        // What the README says setup wrote: git's helper for dev.azure.com, docker's credHelpers.
        let helpers = try world.tool(["git", "config", "--global", "--get-all", "credential.https://dev.azure.com.helper"])
        #expect(helpers.stdout == "\nentra\n", "\(name): \(helpers.stdout)")
        let docker = try #require(world.bytes(world.home + "/.docker/config.json"))
        let dockerConfig = try JSONSerialization.jsonObject(with: docker) as? [String: Any]
        #expect((dockerConfig?["credHelpers"] as? [String: String])?[registry] == "entra", "\(name): \(dockerConfig ?? [:])")

        // Real git, through that config, gets the app's token for the clone URL: one federated grant.
        let filled = try world.tool(["git", "credential", "fill"], stdin: "url=\(cloneURL)\n\n")
        #expect(filled.status == 0, "\(name): \(filled.stderr)")
        #expect(filled.stdout.contains("password=ey") || filled.stdout.contains("credential=ey"), "\(name): no token")
        let federated = ((try emulator.counters()["client_credentials"] as? [String: Any])?["federated"] as? Int) ?? -1
        #expect(federated == 1, "\(name): \(federated) federated grants")
    }

    /// Every variable of ours, the Azure SDKs' or the CI systems' the section names is one the
    /// helper reads (a string in Sources/), or one it is documented not to read.
    @Test("the variables the section names are read by the helper")
    func variables() throws {
        let sources = URL(fileURLWithPath: Self.readme).deletingLastPathComponent().appendingPathComponent("Sources").path
        let code = try FileManager.default.subpathsOfDirectory(atPath: sources).filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOfFile: sources + "/" + $0, encoding: .utf8) }.joined()
        let text = try Self.section()
        let pattern = try NSRegularExpression(pattern: "\\b(?:AZURE|AZURESUBSCRIPTION|SYSTEM|ACTIONS|ENTRA_CREDENTIAL_HELPER)_[A-Z_]+\\b")
        let names = Set(pattern.matches(in: text, range: NSRange(text.startIndex..., in: text))
            .compactMap { Range($0.range, in: text).map { String(text[$0]) } })
        // Set by the platform for others, or mapped by the example itself: not read by the helper.
        let notOurs: Set<String> = ["AZURESUBSCRIPTION_CLIENT_ID", "AZURESUBSCRIPTION_TENANT_ID"]
        #expect(names.count >= 10, "\(names.sorted())")
        for name in names.subtracting(notOurs).sorted() {
            #expect(code.contains("\"\(name)\""), "README names \(name), which no source file reads")
        }
    }
}
