@testable import HelperApp
import Foundation
import HelperCore
import Testing
@testable import EntraAuth

@Suite("setup plans")
struct SetupPlanTests {
    @Test("git: one credential.<url> section per pattern", arguments: [
        ("dev.azure.com", ["https://dev.azure.com"], false),
        ("*.visualstudio.com", ["https://*.visualstudio.com"], false),
        ("dev.azure.com/Contoso", ["https://dev.azure.com/contoso"], true),
        ("git.example:8443", ["https://git.example:8443"], false),
        ("git.example:443", ["https://git.example"], false),
        ("127.0.0.1:8080", ["https://127.0.0.1:8080", "http://127.0.0.1:8080"], false),
        ("localhost", ["https://localhost", "http://localhost"], false),
    ])
    func gitEntries(pattern: String, urls: [String], useHttpPath: Bool) throws {
        let entries = GitSetup.entries(try HostPattern(parsing: pattern))
        #expect(entries.map(\.url) == urls)
        #expect(entries.allSatisfy { $0.useHttpPath == useHttpPath })
    }

    @Test("git: each URL once across profiles, in order")
    func gitDeduplicates() throws {
        let a = try Preset.azureDevOps.profile(name: "a")
        var b = Profile(name: "b", tenant: "t", clientID: "c", scopes: [])
        b.hosts = [try HostPattern(parsing: "dev.azure.com"), try HostPattern(parsing: "git.example")]
        #expect(GitSetup.entries([a, b]).map(\.url) == ["https://dev.azure.com", "https://*.visualstudio.com", "https://git.example"])
    }

    @Test("git: --get-all output keeps empty values", arguments: [
        ("", [String]()), ("\nentra\n", ["", "entra"]), ("store\n", ["store"]), ("\n", [""]),
    ])
    func gitValues(output: String, values: [String]) {
        #expect(GitSetup.values(output) == values)
    }

    static func document(_ text: String) throws -> JSONValue { try JSON.parse(Array(text.utf8)) }

    @Test("docker: adds credHelpers and keeps every other key and value as it was")
    func dockerMerge() throws {
        let before = #"{"auths":{"r.io":{"auth":"dTpw"}},"psFormat":"{{.ID}}<x>","n":1.50e3,"x":[null,true,{"a":"\u00e9"}],"credHelpers":{"gcr.io":"gcloud","b.azurecr.io":"old"}}"#
        let plan = try DockerSetup.plan(existing: Array(before.utf8), path: "c.json", registries: ["a.azurecr.io", "b.azurecr.io"], credsStore: false)
        #expect(plan.changes == [.helperAdded(registry: "a.azurecr.io"), .helperReplaced(registry: "b.azurecr.io", previous: "old")])
        var expected = try Self.document(before)
        if case var .object(top) = expected {
            top["credHelpers"] = .object(["gcr.io": .string("gcloud"), "a.azurecr.io": .string("entra"), "b.azurecr.io": .string("entra")])
            expected = .object(top)
        }
        #expect(plan.document == expected)
        // Numbers as written, escapes only where Go writes them.
        let text = String(decoding: JSON.encodePretty(plan.document), as: UTF8.self)
        #expect(text.contains("1.50e3") && text.contains(#""{{.ID}}\u003cx\u003e""#) && text.contains("é"))
        // The merged file plans no further change.
        let again = try DockerSetup.plan(existing: JSON.encodePretty(plan.document), path: "c.json", registries: ["a.azurecr.io", "b.azurecr.io"], credsStore: false)
        #expect(again.changes.isEmpty && again.unchanged == ["a.azurecr.io", "b.azurecr.io"])
    }

    @Test("docker: credsStore only where none is set", arguments: [
        (#"{}"#, true, String?.none),
        (#"{"credsStore":""}"#, true, nil),
        (#"{"credsStore":"entra"}"#, false, nil),
        (#"{"credsStore":"desktop"}"#, false, "desktop"),
    ])
    func dockerCredsStore(before: String, changes: Bool, other: String?) throws {
        let plan = try DockerSetup.plan(existing: Array(before.utf8), path: "c.json", registries: [], credsStore: true)
        #expect(plan.changes == (changes ? [.credsStoreSet] : []))
        #expect(plan.otherCredsStore == other)
        if other != nil { #expect(plan.document == (try Self.document(before))) }
    }

    @Test("docker: no file or a blank one is {}", arguments: [nil, [UInt8](), Array(" \n".utf8)])
    func dockerEmpty(bytes: [UInt8]?) throws {
        let plan = try DockerSetup.plan(existing: bytes, path: "c.json", registries: ["a.azurecr.io"], credsStore: false)
        #expect(plan.document == .object(["credHelpers": .object(["a.azurecr.io": .string("entra")])]))
    }

    @Test("docker: a file that is not a JSON object is refused", arguments: [
        #"{"auths": "#, "[1]", #"{"credHelpers": []}"#, "{}x",
    ])
    func dockerInvalid(text: String) {
        #expect {
            try DockerSetup.plan(existing: Array(text.utf8), path: "/h/.docker/config.json", registries: ["a.azurecr.io"], credsStore: false)
        } throws: { error in
            guard case let .unparsableFile(path, _, fix) = error as? HelperError else { return false }
            return path == "/h/.docker/config.json" && fix.contains("setup docker")
        }
    }

    @Test("docker: registry names", arguments: [
        ("myreg.azurecr.io", "myreg.azurecr.io"), ("https://MyReg.azurecr.io", "myreg.azurecr.io"),
        ("reg.example:5000", "reg.example:5000"), ("reg.example/", "reg.example"),
        ("*.azurecr.io", nil), ("u@reg.example", nil), ("reg.example/path", nil), ("", nil), ("ftp://reg.example", "reg.example"),
    ])
    func registryNames(text: String, name: String?) {
        #expect(DockerSetup.registryName(text) == name)
    }

    static let user = KubeconfigUser(name: "entra-aks", command: "/opt/bin/entra-credential-helper", profile: "aks")

    static func entry(_ exec: String, extra: String = "") throws -> JSONValue {
        try document(#"{"name":"entra-aks","user":{"exec":\#(exec)\#(extra)}}"#)
    }

    static let current = #"{"apiVersion":"client.authentication.k8s.io/v1","args":["kubectl","--profile","aks"],"command":"/opt/bin/entra-credential-helper","env":null,"interactiveMode":"IfAvailable","provideClusterInfo":true}"#

    @Test("kubectl: where an existing user stands")
    func kubeconfigState() throws {
        let user = Self.user
        #expect(user.state(of: nil) == .absent)
        #expect(user.state(of: try Self.entry(Self.current)) == .current)
        let other = Self.current.replacingOccurrences(of: #""aks"]"#, with: #""acr"]"#)
        #expect(user.state(of: try Self.entry(other)) == .outdated("args kubectl --profile acr"))
        let moved = Self.current.replacingOccurrences(of: "/opt/bin/", with: "/usr/local/bin/")
        #expect(user.state(of: try Self.entry(moved)) == .outdated("command /usr/local/bin/entra-credential-helper"))
        #expect(user.state(of: try Self.entry(Self.current, extra: #","token":"REDACTED""#)) == .foreign("it has token"))
        #expect(user.state(of: try Self.entry(#"{"command":"kubelogin","args":["get-token"]}"#)) == .foreign("its exec plugin runs kubelogin"))
        #expect(user.state(of: try Self.document(#"{"name":"entra-aks","user":{"token":"REDACTED"}}"#)) == .foreign("it has token"))
        let lines = [try Self.document(#"{"name":"other","user":{}}"#), try Self.entry(Self.current)]
        #expect(user.entry(in: lines) == lines[1])
    }

    @Test("kubectl: the printed entry quotes what YAML would misread", arguments: [
        ("kubectl", "kubectl"), ("--profile", "--profile"), ("/a b/x", #""/a b/x""#), ("true", #""true""#),
        ("-x", #""-x""#), ("1.5", #""1.5""#), ("", #""""#), ("a: b", #""a: b""#),
    ])
    func yamlScalars(text: String, yaml: String) {
        #expect(KubeconfigUser.scalar(text) == yaml)
    }

    @Test("kubectl: set-credentials arguments and the printed entry")
    func kubeconfigRendering() {
        let user = Self.user
        #expect(user.setCredentialsArguments == [
            "config", "set-credentials", "entra-aks", "--exec-command=/opt/bin/entra-credential-helper",
            "--exec-api-version=client.authentication.k8s.io/v1", "--exec-arg=kubectl", "--exec-arg=--profile", "--exec-arg=aks",
            "--exec-interactive-mode=IfAvailable", "--exec-provide-cluster-info=true",
        ])
        let yaml = user.yaml()
        #expect(yaml.hasPrefix("- name: entra-aks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n"))
        #expect(yaml.contains("      args:\n      - kubectl\n      - --profile\n      - aks\n"))
        #expect(yaml.contains("installHint: \"entra-credential-helper gets"))
        #expect(KubeconfigUser(name: "entra", command: "x", profile: nil).args == ["kubectl"])
    }
}
