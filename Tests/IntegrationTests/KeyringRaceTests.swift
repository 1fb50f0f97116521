import Foundation
import Testing

/// Items deleted by another process while the helper reads them: `docker list` (which
/// reads every docker login) and `git get` must answer from what is left, not fail with
/// "Object does not exist" (a full test run once failed so, while other suites erased).
@Suite("keyring items deleted meanwhile", .enabled(if: Harness.which("gnome-keyring-daemon") != nil))
struct KeyringRaceTests {
    @Test("docker list and git get while another process erases logins", arguments: ["plain", "encrypted"])
    func listWhileErasing(transport: String) throws {
        let bus = try PrivateBus(.session)
        defer { bus.stop() }
        try bus.startKeyring()
        let env = bus.variables.merging(["ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT": transport]) { $1 }
        let count = 60
        let dir = try TemporaryDirectory()
        let eraser = try dir.write("erase.sh", """
            for i in $(seq 1 \(count)); do echo "race$i.example" | '\(Harness.binary)' docker erase; done

            """)
        for i in 1...count {
            let stored = try run([Harness.binary, "docker", "store"], stdin: #"{"ServerURL":"race\#(i).example","Username":"u","Secret":"s"}"#,
                                 environment: env, timeout: 20)
            #expect(stored.status == 0, "\(stored.stdout)")
        }
        #expect(try run([Harness.binary, "git", "store"], stdin: "protocol=https\nhost=kept.example\nusername=u\npassword=p\n",
                        environment: env, timeout: 20).status == 0)
        let erasing = try Spawned(["bash", eraser], environment: bus.environment(extra: ["ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT": transport]))
        var failures: [String] = [], runs = 0
        repeat {
            let listed = try run([Harness.binary, "docker", "list"], environment: env, timeout: 20)
            let got = try run([Harness.binary, "git", "get"], stdin: "protocol=https\nhost=kept.example\n", environment: env, timeout: 20)
            runs += 1
            if listed.status != 0 { failures.append("list: \(listed.stdout)") }
            if got.status != 0 || !got.stdout.contains("password=p") { failures.append("get: \(got.stderr)") }
        } while !erasing.exited
        #expect(erasing.wait() == 0)
        #expect(runs > 0 && failures.isEmpty, "\(failures.count) of \(runs) rounds failed: \(failures.prefix(3))")
        let left = try run([Harness.binary, "docker", "list"], environment: env, timeout: 20)
        #expect(left.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "{}", "every login was erased: \(left.stdout)")
    }
}
