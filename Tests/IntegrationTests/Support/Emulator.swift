import Foundation
import Testing

/// The repo's local Entra emulator (emulator/entra-emulator.py) on a free loopback port,
/// with its control API.
final class Emulator {
    let dir: TemporaryDirectory
    let port: Int
    private let process: Spawned
    /// The self-signed certificate when serving HTTPS (SSL_CERT_FILE for the helper).
    let certificate: String?
    var authority: String { "\(certificate == nil ? "http" : "https")://127.0.0.1:\(port)" }

    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../emulator/entra-emulator.py")
            .standardized.path
    }

    init(autoApprove: Bool = true, user: String = "ada@contoso.example", tls: Bool = false) throws {
        dir = try TemporaryDirectory()
        let portFile = dir.file("port"), log = dir.file("emulator.log")
        var argv = ["python3", Self.script, "--port-file", portFile, "--user", user]
        if autoApprove { argv.append("--auto-approve") }
        if tls {
            let made = try run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,IP:0.0.0.0",
                                "-keyout", dir.file("key.pem"), "-out", dir.file("cert.pem")])
            guard made.status == 0 else { throw ControlFailed(text: made.stderr) }
            argv += ["--tls-cert", dir.file("cert.pem"), "--tls-key", dir.file("key.pem")]
            certificate = dir.file("cert.pem")
        } else {
            certificate = nil
        }
        process = try Spawned(argv, environment: Harness.environment, stderr: log)
        port = try process.waitForPortFile(portFile, log: log)
    }

    deinit { process.terminate() }

    /// A control call: GET without a body, POST with one. Returns the parsed JSON.
    @discardableResult
    func control(_ path: String, _ body: [String: Any]? = nil) throws -> Any {
        var argv = ["curl", "-sS", "--max-time", "10", "--noproxy", "*", "\(authority)/_control/\(path)"]
        if let certificate { argv += ["--cacert", certificate] }
        if let body {
            let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
            argv += ["-X", "POST", "-H", "Content-Type: application/json", "--data-binary", json]
        }
        let result = try run(argv)
        guard result.status == 0 else { throw ControlFailed(text: result.stderr) }
        return try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
    }

    func counters() throws -> [String: Any] { try control("counters") as? [String: Any] ?? [:] }

    func grants(_ grant: String) throws -> Int {
        ((try counters()["grants"] as? [String: Any])?[grant] as? Int) ?? -1
    }

    /// The query parameters of the last authorize request.
    func lastAuthorize() throws -> [String: Any] {
        (try control("last-authorize") as? [String: Any])?["params"] as? [String: Any] ?? [:]
    }

    /// The total of every endpoint's count.
    func totalRequests() throws -> Int {
        try counters().values.compactMap { $0 as? Int }.reduce(0, +)
    }

    /// Waits for a pending device code and approves it.
    func approveDeviceCode(seconds: Int = 30) throws -> String {
        for _ in 0..<(seconds * 10) {
            if let codes = try control("device-codes") as? [[String: Any]],
               let code = codes.first(where: { ($0["status"] as? String) == "pending" })?["user_code"] as? String {
                try control("device/approve", ["user_code": code])
                return code
            }
            usleep(100_000)
        }
        throw ControlFailed(text: "no device code appeared")
    }
}

struct ControlFailed: Error { let text: String }
