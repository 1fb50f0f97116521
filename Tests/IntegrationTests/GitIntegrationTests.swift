import Foundation
import Testing

/// Real git against the real gnome-keyring, and interop with git-credential-libsecret.
@Suite("git with a real keyring", .enabled(if: Harness.keyringReady, "needs scripts/test.sh's keyring session"))
struct GitKeyringIntegrationTests {
    let bin: HelperBin
    let home: TemporaryDirectory

    init() throws {
        bin = try HelperBin()
        home = try TemporaryDirectory()
    }

    /// git with a clean configuration, no prompts, and `helper` as the only helper.
    func git(_ arguments: [String], helper: String, input: String) throws -> Outcome {
        try run(["git", "-c", "credential.helper=", "-c", "credential.helper=\(helper)"] + arguments, stdin: input,
                environment: ["PATH": bin.searchPath, "HOME": home.path, "GIT_CONFIG_NOSYSTEM": "1",
                              "GIT_TERMINAL_PROMPT": "0"],
                removing: ["GIT_ASKPASS", "SSH_ASKPASS", "DISPLAY"])
    }

    @Test("git credential approve, fill and reject", arguments: ["entra", "ABSOLUTE"])
    func approveFillReject(helperForm: String) throws {
        let helper = helperForm == "entra" ? "entra" : "\(Harness.binary) git"
        let host = uniqueHost("git")
        let approve = try git(["credential", "approve"], helper: helper,
                              input: "protocol=https\nhost=\(host)\nusername=alice\npassword=pa55\n\n")
        #expect(approve.status == 0, "\(approve.stderr)")

        let fill = try git(["credential", "fill"], helper: helper, input: "protocol=https\nhost=\(host)\n\n")
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(fill.stdout == "protocol=https\nhost=\(host)\nusername=alice\npassword=pa55\n")

        let otherPort = try git(["credential", "fill"], helper: helper, input: "protocol=https\nhost=\(host):8443\n\n")
        #expect(otherPort.status != 0, "a credential for the default port must not answer for :8443")
        let portHost = uniqueHost("port")
        let portApprove = try git(["credential", "approve"], helper: helper,
                                  input: "protocol=https\nhost=\(portHost):8443\nusername=p\npassword=port-only\n\n")
        #expect(portApprove.status == 0)
        let portFill = try git(["credential", "fill"], helper: helper, input: "protocol=https\nhost=\(portHost):8443\n\n")
        #expect(portFill.stdout.contains("password=port-only"))
        let defaultPort = try git(["credential", "fill"], helper: helper, input: "protocol=https\nhost=\(portHost)\n\n")
        #expect(defaultPort.status != 0 && !defaultPort.stdout.contains("port-only"),
                "a credential for :8443 must not answer for the default port")

        let reject = try git(["credential", "reject"], helper: helper,
                             input: "protocol=https\nhost=\(host)\nusername=alice\npassword=pa55\n\n")
        #expect(reject.status == 0)
        let after = try git(["credential", "fill"], helper: helper, input: "protocol=https\nhost=\(host)\n\n")
        #expect(after.status != 0 && !after.stdout.contains("pa55"))
    }

    @Test("the password goes in the secret, never in the attributes")
    func secretNotInAttributes() throws {
        let host = uniqueHost("attrs")
        _ = try git(["credential", "approve"], helper: "entra",
                    input: "protocol=https\nhost=\(host)\nusername=alice\npassword=Very-Secret-42\n\n")
        let listing = try run(["secret-tool", "search", "--all", "server", host])
        let attributeLines = (listing.stdout + listing.stderr).split(separator: "\n").filter { $0.hasPrefix("attribute.") }
        #expect(attributeLines.count >= 3)
        #expect(!attributeLines.contains { $0.contains("Very-Secret-42") })
        #expect(listing.stdout.contains("secret = Very-Secret-42"))
    }

    @Test("stored by git-credential-libsecret, read by us; and back",
          .enabled(if: Harness.gitPeer != nil, "needs ECH_PEER_GIT"))
    func interop() throws {
        let peer = Harness.gitPeer!
        let hostA = uniqueHost("peer-to-us")
        let stored = try run([peer, "store"], stdin: "protocol=https\nhost=\(hostA)\nusername=pat\npassword=from-peer\n")
        #expect(stored.status == 0)
        let ours = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(hostA)\n")
        #expect(ours.stdout == "username=pat\npassword=from-peer\n")

        let hostB = uniqueHost("us-to-peer")
        let ourStore = try run([Harness.binary, "git", "store"],
                               stdin: "protocol=https\nhost=\(hostB):8443\npath=org/repo.git\nusername=sam\npassword=from-us\n")
        #expect(ourStore.status == 0, "\(ourStore.stderr)")
        let theirs = try run([peer, "get"], stdin: "protocol=https\nhost=\(hostB):8443\npath=org/repo.git\n")
        #expect(theirs.stdout == "username=sam\npassword=from-us\n")

        // git ≥ 2.43's extra lines: this peer predates them and passes them through as
        // protocol lines, which is exactly how newer git reads them.
        let hostC = uniqueHost("expiry")
        _ = try run([Harness.binary, "git", "store"],
                    stdin: "protocol=https\nhost=\(hostC)\nusername=u\npassword=p\npassword_expiry_utc=4000000000\n")
        let withExpiry = try run([peer, "get"], stdin: "protocol=https\nhost=\(hostC)\n")
        #expect(withExpiry.stdout == "username=u\npassword=p\npassword_expiry_utc=4000000000\n")

        // Erase with the peer what we stored: the item is the same for both.
        _ = try run([peer, "erase"], stdin: "protocol=https\nhost=\(hostB):8443\npath=org/repo.git\n")
        let gone = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(hostB):8443\npath=org/repo.git\n")
        #expect(gone.status == 0 && gone.stdout.isEmpty)
    }

    @Test("an expired password is not handed to git, and stays in the keyring")
    func expired() throws {
        let host = uniqueHost("expired")
        _ = try run([Harness.binary, "git", "store"],
                    stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=old\npassword_expiry_utc=1000000000\n")
        let result = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n")
        #expect(result.status == 0 && result.stdout.isEmpty)
        let listing = try run(["secret-tool", "search", "--all", "server", host])
        #expect(listing.stdout.contains("secret = old"))
    }

    @Test("erase removes only the item holding the rejected password")
    func eraseMatchesPassword() throws {
        let host = uniqueHost("erase")
        _ = try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=new\n")
        _ = try run([Harness.binary, "git", "erase"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=old\n")
        #expect(try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n").stdout.contains("password=new"))
        _ = try run([Harness.binary, "git", "erase"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=new\n")
        #expect(try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n").stdout.isEmpty)
    }

    @Test("both transports read the same secrets, the empty one included", arguments: ["ü-p@ss", ""])
    func transports(password: String) throws {
        let host = uniqueHost("dh")
        let stored = try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=\(host)\nusername=u\npassword=\(password)\n")
        #expect(stored.status == 0)
        let plain = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n")
        let encrypted = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=\(host)\n",
                                environment: ["ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT": "encrypted"])
        #expect(plain.stdout == "username=u\npassword=\(password)\n")
        #expect(encrypted.stdout == plain.stdout)
        if let peer = Harness.gitPeer {
            #expect(try run([peer, "get"], stdin: "protocol=https\nhost=\(host)\n").stdout.contains("username=u"))
        }
    }

    @Test("git appends the action last: extra words in credential.helper are fine")
    func helperWithOptions() throws {
        let host = uniqueHost("opts")
        let approve = try git(["credential", "approve"], helper: "entra --future-option",
                              input: "protocol=https\nhost=\(host)\nusername=o\npassword=opt\n\n")
        #expect(approve.status == 0)
        let fill = try git(["credential", "fill"], helper: "entra --future-option", input: "protocol=https\nhost=\(host)\n\n")
        #expect(fill.stdout.contains("password=opt"))
    }
}
