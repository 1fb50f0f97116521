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
    /// What the helper runs under (e.g. `unshare --user --map-root-user`: a user keyring
    /// of its own, so a sweep of the kernel keyring cannot touch other tests' keys).
    var launcher: [String] = []

    static var browserScript: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/headless-browser.sh").path
    }

    /// The profile's authority: the emulator's, or the same server under another host name.
    let authority: String

    /// `host`: the authority host the profile names instead of 127.0.0.1 (TLS only).
    init(autoApprove: Bool = true, tls: Bool = false, host: String? = nil) throws {
        let emulator = try Emulator(autoApprove: autoApprove, tls: tls)
        self.emulator = emulator
        authority = host.map { "https://\($0):\(emulator.port)" } ?? emulator.authority
        home = try TemporaryDirectory()
        outputs = try TemporaryDirectory()
        if let certificate = emulator.certificate { extra["SSL_CERT_FILE"] = certificate }
        try emulator.control("config", ["device_interval": 1])
        let added = try helper(["profile", "add", "work", "--tenant", "organizations", "--client-id", clientID,
                                "--scope", "api://work/.default", "--authority-host", authority, "--host", "git.example"])
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

    /// What the test command's environment may hold that would change a run: a display,
    /// a browser, the non-interactive signals and proxies. Tests set them in `extra`.
    static let unset = ["DISPLAY", "WAYLAND_DISPLAY", "BROWSER", "CI", "GIT_TERMINAL_PROMPT",
                        "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
                        "NO_PROXY", "no_proxy"]

    /// Runs the helper detached from any terminal (setsid), without display or browser
    /// unless the test sets them.
    func helper(_ arguments: [String], stdin: String = "", timeout: Int = 60) throws -> Outcome {
        try run(launcher + ["setsid", "-w", Harness.binary] + arguments, stdin: stdin, environment: environment,
                removing: Self.unset, timeout: timeout)
    }

    /// Starts the helper without waiting (for device codes and parallel callers).
    func start(_ arguments: [String], name: String) throws -> Spawned {
        var env = Harness.environment
        for key in Self.unset { env[key] = nil }
        env.merge(environment) { _, new in new }
        return try Spawned(launcher + ["setsid", "-w", Harness.binary] + arguments, environment: env,
                           stdout: outputs.file("\(name).out"), stderr: outputs.file("\(name).err"))
    }

    func output(_ name: String) -> (stdout: String, stderr: String) {
        ((try? String(contentsOfFile: outputs.file("\(name).out"), encoding: .utf8)) ?? "",
         (try? String(contentsOfFile: outputs.file("\(name).err"), encoding: .utf8)) ?? "")
    }

    /// Signs in through the device code, approved at the emulator's control API; returns
    /// what the command printed (get-token: the access token; login: nothing).
    func signInWithDeviceCode(_ extraArguments: [String] = [], command: String = "get-token") throws -> String {
        let child = try start([command, "--flow", "device-code"] + extraArguments, name: "device")
        _ = try emulator.approveDeviceCode()
        let status = child.wait()
        let result = output("device")
        guard status == 0 else { throw ControlFailed(text: result.stderr) }
        return result.stdout.trimmingCharacters(in: .newlines)
    }

    /// The refresh token in the Secret Service, read with secret-tool.
    func storedRefreshToken() throws -> String? {
        let result = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.RefreshToken",
                              "authority", authority])
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

    /// The page headless Chromium dumped into `name` under HOME. Chromium writes it after
    /// the helper has answered the redirect, and the helper may exit first, so this waits
    /// (up to 10 s) for the whole document.
    func dumpedPage(_ name: String = "page.html") -> String {
        var page = ""
        for _ in 0..<100 where !page.contains("</html>") {
            usleep(100_000)
            page = (try? String(contentsOfFile: home.file(name), encoding: .utf8)) ?? ""
        }
        return page
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
