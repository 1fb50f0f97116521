import Foundation
import Testing

/// The guard every child passes (Spawned): no test may start a process that could reach a
/// real managed identity endpoint.
@Suite("test guard: no child reaches a real managed identity endpoint")
struct ManagedIdentityGuardTests {
    @Test("refused: no override, an empty one, a link-local or other non-loopback endpoint, env -i", arguments: [
        (["true"], [String: String](), "without AZURE_POD_IDENTITY_AUTHORITY_HOST"),
        (["true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": ""], "without AZURE_POD_IDENTITY_AUTHORITY_HOST"),
        (["true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://169.254.169.254"], "AZURE_POD_IDENTITY_AUTHORITY_HOST=http://169.254.169.254"),
        (["true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": "http://127.0.0.1.example.com"], "tests talk only to loopback"),
        (["true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": ManagedIdentityGuard.closedIMDS, "IDENTITY_ENDPOINT": "http://169.254.129.3:8081/msi/token"],
         "IDENTITY_ENDPOINT=http://169.254.129.3:8081/msi/token"),
        (["true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": ManagedIdentityGuard.closedIMDS, "IMDS_ENDPOINT": "http://10.0.0.1:40342"], "IMDS_ENDPOINT="),
        (["/usr/bin/env", "-i", "true"], ["AZURE_POD_IDENTITY_AUTHORITY_HOST": ManagedIdentityGuard.closedIMDS], "env -i"),
    ])
    func refused(argv: [String], environment: [String: String], text: String) throws {
        // Spawned refuses before posix_spawn: nothing runs.
        #expect { _ = try Spawned(argv, environment: environment) } throws: { error in
            (error as? ManagedIdentityGuard.Refused)?.description.contains(text) == true
        }
    }

    @Test("allowed: Harness.environment as is (IMDS on a closed loopback port), and loopback endpoints")
    func allowed() throws {
        #expect(Harness.environment["AZURE_POD_IDENTITY_AUTHORITY_HOST"] == ManagedIdentityGuard.closedIMDS)
        let child = try Spawned(["true"], environment: Harness.environment)
        #expect(child.wait() == 0)
        for url in ["http://127.0.0.1:40342/metadata/identity/oauth2/token", "http://localhost:9", "https://[::1]:8443/x"] {
            #expect(ManagedIdentityGuard.isLoopback(url: url), "\(url)")
            try ManagedIdentityGuard.check(["true"], environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": url, "IDENTITY_ENDPOINT": url])
        }
    }
}
