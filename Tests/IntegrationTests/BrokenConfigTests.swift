import Foundation
import Testing

/// A config file that does not parse: no host is routed, stored logins of hosts it cannot
/// have named still answer (git and docker), the error is said once, and a host it names
/// gets nothing, not even a stored login.
@Suite("broken config", .serialized, .enabled(if: Harness.keyringReady))
struct BrokenConfigTests {
    static func breakConfig(_ world: SignInWorld) throws -> String {
        let path = world.home.file("config/entra-credential-helper/config.json")
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"profiles\"", with: "\"profiles\" ,")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("git: a stored login for another host answers, with the config error once on stderr; the routed host gets nothing")
    func git() throws {
        let world = try SignInWorld()
        let other = uniqueHost("other")
        let login = "protocol=https\nhost=\(other)\nusername=u\npassword=stored-secret\n\n"
        #expect(try GitEntraTests.git(world, "approve", login).status == 0)
        defer { _ = try? GitEntraTests.git(world, "reject", login) }
        // A stored login for the routed host too: a broken config must not hand it out.
        let routedLogin = "protocol=https\nhost=git.example\nusername=u\npassword=old-pat\n\n"
        let keyringOnly = try run([Harness.binary, "git", "store"], stdin: routedLogin)
        #expect(keyringOnly.status == 0, "\(keyringOnly.stderr)")
        defer { _ = try? run([Harness.binary, "git", "erase"], stdin: routedLogin) }
        let path = try Self.breakConfig(world)
        try world.emulator.control("reset-counters", [:])

        let fill = try GitEntraTests.git(world, "fill", "protocol=https\nhost=\(other)\n\n")
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(GitEntraTests.password(fill.stdout) == "stored-secret")
        let lines = fill.stderr.split(separator: "\n").filter { $0.contains(path) }
        #expect(lines.count == 1, "\(fill.stderr)")
        #expect(lines.first?.hasPrefix("entra-credential-helper: \(path), line ") == true, "\(fill.stderr)")

        let routed = try GitEntraTests.git(world, "fill", "protocol=https\nhost=git.example\n\n")
        #expect(routed.status != 0)
        #expect(!routed.stdout.contains("password="), "\(routed.stdout)")
        #expect(routed.stderr.split(separator: "\n").filter { $0.contains(path) }.count == 1, "\(routed.stderr)")
        #expect(try world.emulator.totalRequests() == 0)
    }

    @Test("docker: get answers a stored login for another registry; a registry the config names gets the error")
    func docker() throws {
        let world = try SignInWorld()
        let other = uniqueHost("registry")
        let env = world.environment
        let stored = try run([Harness.binary, "docker", "store"], stdin: #"{"ServerURL":"\#(other)","Username":"u","Secret":"kept"}"#,
                             environment: env)
        #expect(stored.status == 0, "\(stored.stdout)")
        defer { _ = try? run([Harness.binary, "docker", "erase"], stdin: other, environment: env) }
        let path = try Self.breakConfig(world)

        let get = try run([Harness.binary, "docker", "get"], stdin: other, environment: env)
        #expect(get.status == 0, "\(get.stdout)")
        #expect(get.stdout.contains(#""Secret":"kept""#))
        #expect(get.stderr.split(separator: "\n").filter { $0.contains(path) }.count == 1, "\(get.stderr)")
        let named = try run([Harness.binary, "docker", "get"], stdin: "git.example", environment: env)
        #expect(named.status == 1)
        #expect(named.stdout.hasPrefix("\(path), line "), "\(named.stdout)")
    }
}
