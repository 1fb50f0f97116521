import Foundation
import Testing

/// One user's world for the sign-in tests: the emulator, a private HOME and config,
/// a runtime dir for locks, and the real binary. The keyring session is the test
/// command's; items never collide because each emulator has its own port, and the
/// port is part of the authority every token is keyed by.
final class SignInWorld {
    let emulator: Emulator
    let home: TemporaryDirectory
    /// Captured output of started processes: outside HOME, which is scanned for tokens.
    let outputs: TemporaryDirectory
    /// Unique per world: the kernel user keyring outlives each emulator, and a later
    /// emulator may get the same port, so the client id keeps every world's cache apart.
    let clientID = UUID().uuidString.lowercased()
    var extra: [String: String] = [:]

    static var browserScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/headless-browser.sh").path
    }

    init(autoApprove: Bool = true) throws {
        emulator = try Emulator(autoApprove: autoApprove)
        home = try TemporaryDirectory()
        outputs = try TemporaryDirectory()
        try emulator.control("config", ["device_interval": 1])
        let added = try helper(["profile", "add", "work", "--tenant", "organizations", "--client-id", clientID,
                                "--scope", "api://work/.default", "--authority-host", emulator.authority, "--host", "git.example"])
        guard added.status == 0 else { throw ControlFailed(text: added.stderr) }
    }

    var environment: [String: String] {
        var env = [
            "HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
            "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state"),
        ]
        env.merge(extra) { _, new in new }
        return env
    }

    /// Runs the helper detached from any terminal (setsid), without display or browser
    /// unless the test sets them.
    func helper(_ arguments: [String], timeout: Int = 60) throws -> Outcome {
        try run(["setsid", "-w", Harness.binary] + arguments, environment: environment,
                removing: ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "CI", "GIT_TERMINAL_PROMPT"], timeout: timeout)
    }

    /// Starts the helper without waiting (for device codes and parallel callers).
    func start(_ arguments: [String], name: String) throws -> Spawned {
        var env = Harness.environment
        for key in ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "CI", "GIT_TERMINAL_PROMPT"] { env[key] = nil }
        env.merge(environment) { _, new in new }
        return try Spawned(["setsid", "-w", Harness.binary] + arguments, environment: env,
                           stdout: outputs.file("\(name).out"), stderr: outputs.file("\(name).err"))
    }

    func output(_ name: String) -> (stdout: String, stderr: String) {
        ((try? String(contentsOfFile: outputs.file("\(name).out"), encoding: .utf8)) ?? "",
         (try? String(contentsOfFile: outputs.file("\(name).err"), encoding: .utf8)) ?? "")
    }

    /// Signs in through the device code, approved at the emulator's control API.
    func signInWithDeviceCode(_ extraArguments: [String] = []) throws -> String {
        let child = try start(["get-token", "--flow", "device-code"] + extraArguments, name: "device")
        _ = try emulator.approveDeviceCode()
        let status = child.wait()
        let result = output("device")
        guard status == 0 else { throw ControlFailed(text: result.stderr) }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// The refresh token in the Secret Service, read with secret-tool.
    func storedRefreshToken() throws -> String? {
        let result = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.RefreshToken",
                              "authority", emulator.authority])
        return result.status == 0 && !result.stdout.isEmpty ? result.stdout : nil
    }

    /// Every file under the world's directories that contains `needle`.
    func filesContaining(_ needle: String) -> [String] {
        var hits: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
        for case let relative as String in walker {
            let path = home.file(relative)
            if let data = FileManager.default.contents(atPath: path), data.range(of: Data(needle.utf8)) != nil {
                hits.append(relative)
            }
        }
        return hits
    }

    /// The claims of a JWT's payload.
    static func claims(_ token: String) -> [String: Any] {
        let parts = token.split(separator: ".")
        guard parts.count == 3 else { return [:] }
        var base64 = parts[1].replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
        return object
    }
}
