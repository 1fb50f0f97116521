import Foundation
import Testing

/// Under the test command every real-component suite must run: a missing keyring,
/// peer or tool there is a failure, not a quiet skip.
@Suite("test environment")
struct RequirementsTests {
    @Test("the test command provides every real component",
          .enabled(if: Harness.integrationRequired, "only under scripts/test.sh"))
    func everythingPresent() {
        #expect(Harness.keyringReady, "gnome-keyring session from scripts/with-keyring.sh")
        #expect(Harness.gitPeer != nil, "git-credential-libsecret (ECH_PEER_GIT)")
        #expect(Harness.dockerPeer != nil, "docker-credential-secretservice")
        for tool in ["git", "docker", "docker-registry", "htpasswd", "dbus-daemon", "dbus-test-tool",
                     "gnome-keyring-daemon", "secret-tool", "gdbus", "valgrind", "chromium", "python3", "setsid", "curl",
                     "kubectl", "openssl", "gdb", "unshare", "setpriv"] {
            #expect(Harness.which(tool) != nil, "\(tool) on PATH")
        }
        #expect(FileManager.default.isExecutableFile(atPath: Harness.binary), "the helper at \(Harness.binary)")
    }
}
