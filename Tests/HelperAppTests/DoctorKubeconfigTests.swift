import HelperApp
import HelperCore
import Testing
@testable import EntraAuth

/// `doctor` on kubeconfig users of this helper (provideClusterInfo) and on wildcards
/// directly over a public suffix, against the hand-written probes.
@Suite("doctor: kubeconfig users and public suffixes")
struct DoctorKubeconfigTests {
    static func user(_ name: String, command: String = "/home/u/.local/bin/entra-credential-helper",
                     args: [String] = ["kubectl", "--profile", "aks"], clusterInfo: Bool?) -> JSONValue {
        var exec: [String: JSONValue] = ["command": .string(command), "args": .array(args.map { .string($0) })]
        if let clusterInfo { exec["provideClusterInfo"] = .bool(clusterInfo) }
        return .object(["name": .string(name), "user": .object(["exec": .object(exec)])])
    }

    static func check(_ name: String, _ change: (inout FakeDoctorProbes) -> Void) -> DoctorCheck? {
        var probes = FakeDoctorProbes()
        probes.config(DoctorTests.profiles)
        change(&probes)
        return Doctor(probes: probes).run().first { $0.name == name }
    }

    static let tokenUser: JSONValue = .object(["name": .string("admin"), "user": .object(["token": .string("REDACTED")])])

    @Test("kubeconfig users", arguments: [
        ("no kubectl", KubeconfigUsers.noKubectl, DoctorCheck.Status.ok, "kubectl is not on PATH"),
        ("kubectl failed", .unreadable("exit status 1"), .warn, "exit status 1"),
        ("none of ours", .users([tokenUser]), .ok, "no user runs entra-credential-helper"),
        ("ours, with cluster info", .users([tokenUser, user("entra-aks", clusterInfo: true)]), .ok, "1 user runs"),
        ("ours, without cluster info", .users([user("entra-aks", clusterInfo: false), user("ok", clusterInfo: true)]), .warn,
         "user entra-aks runs entra-credential-helper without provideClusterInfo: true"),
        ("ours, the field absent", .users([user("a", command: "entra-credential-helper", args: ["kubectl"], clusterInfo: nil),
                                           user("b", clusterInfo: false)]), .warn, "users a, b run"),
        ("another plugin named alike", .users([user("x", command: "/bin/entra-credential-helper-old", clusterInfo: false),
                                               user("y", args: ["get-token"], clusterInfo: false)]), .ok, "no user runs"),
    ] as [(String, KubeconfigUsers, DoctorCheck.Status, String)])
    func kubeconfig(_ label: String, _ users: KubeconfigUsers, _ status: DoctorCheck.Status, _ phrase: String) throws {
        let check = try #require(Self.check("kubeconfig") { $0.kubeconfig = users })
        #expect(check.status == status, "\(label): \(check)")
        #expect(check.detail.contains(phrase), "\(label): \(check.detail)")
        if status == .warn, case .users = users {
            #expect(check.fix?.contains("--exec-provide-cluster-info=true") == true)
        }
    }

    static let shared = """
        {"profiles": {
          "web": {"tenant": "t", "client_id": "c", "scopes": ["s/.default"], "hosts": ["*.azurewebsites.net", "*.contoso.github.io",
                                                                          "*.blob.core.windows.net"]}
        }}
        """

    @Test("a wildcard over a public suffix is flagged; one under an owner's name is not")
    func publicSuffix() throws {
        var probes = FakeDoctorProbes()
        probes.config(Self.shared)
        let checks = Doctor(probes: probes).run()
        let hosts = try #require(checks.first { $0.name == "hosts" })
        #expect(hosts.status == .warn)
        #expect(hosts.detail.contains("'*.azurewebsites.net' is a wildcard over the public suffix azurewebsites.net"), "\(hosts.detail)")
        #expect(!hosts.detail.contains("contoso.github.io"), "\(hosts.detail)")
        // The fake's list lacks it, as Debian 12's does: the built-in supplement flags it.
        #expect(hosts.detail.contains("'*.blob.core.windows.net' is a wildcard over the public suffix"), "\(hosts.detail)")
        #expect(!checks.contains { $0.name == "public suffixes" })
    }

    @Test("a missing list is a warning when there are wildcards, and not read without them")
    func missingList() throws {
        let missing = try #require(Self.check("public suffixes") { $0.files[PublicSuffixList.defaultPath] = nil })
        #expect(missing.status == .warn && missing.fix?.contains("apt-get install publicsuffix") == true)
        #expect(Self.check("public suffixes") {
            $0.files[PublicSuffixList.defaultPath] = nil
            $0.config(#"{"profiles": {"p": {"tenant": "t", "client_id": "c", "scopes": ["s/.default"], "hosts": ["dev.azure.com"]}}}"#)
        } == nil)
    }
}
