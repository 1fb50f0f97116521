import Foundation
import Testing

/// The newcomer's path: most people who want a git helper have neither docker nor kubectl.
/// The offline demo (what install.sh runs after installing) must then still run git and the
/// helper's own docker answer, skip the docker and kubectl steps, and say how to get them.
@Suite("the offline demo without docker or kubectl", .enabled(if: Harness.keyringReady))
struct DemoWithoutClientsTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../..").standardized.path

    /// A directory of links to everything on PATH except `hidden`: PATH as a machine without them.
    static func searchPath(hiding hidden: Set<String>, in dir: TemporaryDirectory) throws -> String {
        let files = FileManager.default
        let bin = dir.file("path")
        try files.createDirectory(atPath: bin, withIntermediateDirectories: true)
        var seen = hidden
        for folder in (Harness.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").map(String.init) {
            for name in (try? files.contentsOfDirectory(atPath: folder)) ?? [] where !seen.contains(name) {
                let path = "\(folder)/\(name)"
                guard files.isExecutableFile(atPath: path) else { continue }
                seen.insert(name)
                try files.createSymbolicLink(atPath: "\(bin)/\(name)", withDestinationPath: path)
            }
        }
        return bin
    }

    @Test("demo.sh with no docker and no kubectl on PATH: git and the ACR exchange run, both client steps are skipped naming how to get them, exit 0")
    func withoutClients() throws {
        let dir = try TemporaryDirectory()
        let path = try Self.searchPath(hiding: ["docker", "kubectl"], in: dir)
        let helper = try HelperBin()
        // Another sign-in's cached access token in the same kernel user keyring (as a user's
        // own would be): the demo signs out of its own sign-in only, never sweeping it.
        let sentinel = "entra-credential-helper:at:demo-sentinel-\(UUID().uuidString.prefix(8))"
        #expect(try run(["python3", "-c", Self.kernelKey, "add", sentinel]).status == 0)
        defer { _ = try? run(["python3", "-c", Self.kernelKey, "remove", sentinel]) }
        // Its own throwaway keyring session: nothing of the test keyring.
        let demo = try run(["\(Self.repository)/integrations/demo.sh", "--bin-dir", helper.path],
                           environment: ["PATH": path],
                           removing: ["DBUS_SESSION_BUS_ADDRESS", "ECH_INSIDE_KEYRING", "ECH_KEYRING_READY",
                                      "DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "KUBECONFIG", "DOCKER_CONFIG"],
                           timeout: 300)
        let output = demo.stdout + demo.stderr
        #expect(demo.status == 0, "\(output)")
        #expect(output.contains("README: Hello from the offline demo's git server."), "git clone: \(output)")
        #expect(output.contains("The server's main is now:"), "git push: \(output)")
        #expect(output.contains("-character ACR refresh token>"), "docker-credential-entra get: \(output)")
        #expect(output.contains("interactive sign-ins: 1"), "\(output)")
        // One line each: what was skipped and why; the next line: how to get the client.
        let lines = output.split(separator: "\n").map(String.init)
        let skips = lines.indices.filter { lines[$0].hasPrefix("  skipped (") }
        #expect(skips.count == 2, "\(output)")
        let told = skips.map { lines[$0] + " / " + (lines.indices.contains($0 + 1) ? lines[$0 + 1] : "") }
        #expect(told.contains { $0.contains("skipped (no docker on PATH): docker manifest inspect")
            && $0.contains("to run it, install the docker CLI ≥ 28") && $0.contains("https://docs.docker.com/") }, "\(told)")
        #expect(told.contains { $0.contains("skipped (no kubectl on PATH): kubectl get --raw /version")
            && $0.contains("to run it, install kubectl") && $0.contains("https://kubernetes.io/") }, "\(told)")
        #expect(!output.contains("gitVersion"), "kubectl cannot have run")
        #expect(output.contains("Done: one sign-in served git, docker-credential-entra. Skipped"), "\(output)")
        #expect(try run(["python3", "-c", Self.kernelKey, "find", sentinel]).status == 0,
                "the demo removed another sign-in's cached token from the kernel keyring")
    }

    /// add / find / remove a "user" key in the kernel user keyring (add_key, keyctl SEARCH,
    /// keyctl INVALIDATE); exit 1 when find finds nothing.
    static let kernelKey = #"""
        import ctypes, sys
        libc = ctypes.CDLL(None, use_errno=True)
        action, name = sys.argv[1], sys.argv[2].encode()
        if action == "add":
            sys.exit(0 if libc.syscall(248, b"user", name, b"sentinel", 8, -4) > 0 else 1)
        serial = libc.syscall(250, 10, -4, b"user", name, 0)
        if action == "find":
            sys.exit(0 if serial > 0 else 1)
        if serial > 0:
            libc.syscall(250, 21, serial)
        """#
}
