import Foundation
import Testing

/// One bad-input run's surroundings (AppBadInputTests): the repo's Entra emulator, a HOME of
/// its own, a confidential app's id, and the probes that show nothing was stored.
final class AppBadInputWorld {
    let emulator: Emulator
    let home: TemporaryDirectory
    let files: TemporaryDirectory
    let clientID = UUID().uuidString.lowercased()
    /// The app's registered client secret.
    let secret = "bad-input-Secret~" + UUID().uuidString
    static let tenant = "contoso.example"
    static let scope = "api://ci/.default"
    static let issuer = "https://oidc.aks.example/issuer"
    static let subject = "system:serviceaccount:ci:builder"

    init() throws {
        emulator = try Emulator()
        home = try TemporaryDirectory()
        files = try TemporaryDirectory()
    }

    /// CI-like: CI=true, a HOME of its own; no terminal (setsid, stdin a file) and no D-Bus
    /// session unless a case asks for the test keyring's bus.
    var environment: [String: String] {
        ["HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
         "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state"), "CI": "true"]
    }

    /// Everything that could pick another flow, credential or endpoint than the case's.
    static let removed = SignInWorld.unset + [
        "DBUS_SESSION_BUS_ADDRESS", "ENTRA_CREDENTIAL_HELPER_FLOW", "ENTRA_CREDENTIAL_HELPER_STORE", "ENTRA_CREDENTIAL_HELPER_CONFIG",
        "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN",
        "AZURE_FEDERATED_TOKEN_FILE", "AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_AUTHORITY_HOST", "TENANT_ID", "CLIENT_ID",
        "CLIENT_SECRET", "USE_INTERACTIVE", "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_OIDCREQUESTURI",
        "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT",
        "KUBERNETES_EXEC_INFO", "GIT_CONFIG_GLOBAL"]
    // AZURE_POD_IDENTITY_AUTHORITY_HOST stays: Harness.environment points it at a closed
    // 127.0.0.1 port (the test guard refuses a child without it); the IMDS cases set their own.

    /// The helper, detached from any terminal. `withoutFileAccessOverride`: without
    /// CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH, so that a mode-000 file is unreadable to
    /// root too (the tests may run as root).
    func helper(_ arguments: [String], stdin: String = "", extra: [String: String] = [:], bus: Bool = false,
                withoutFileAccessOverride: Bool = false) throws -> Outcome {
        var env = environment.merging(extra) { $1 }
        if bus, let address = Harness.environment["DBUS_SESSION_BUS_ADDRESS"] { env["DBUS_SESSION_BUS_ADDRESS"] = address }
        let drop = "-dac_override,-dac_read_search"
        let prefix = withoutFileAccessOverride && geteuid() == 0 ? ["setpriv", "--inh-caps=\(drop)", "--bounding-set=\(drop)"] : []
        return try run(prefix + ["setsid", "-w", Harness.binary] + arguments, stdin: stdin, environment: env, removing: Self.removed)
    }

    func addProfile(flow: String, host: String, _ more: [String] = []) throws {
        let added = try helper(["profile", "add", "ci", "--tenant", Self.tenant, "--client-id", clientID, "--scope", Self.scope,
                                "--authority-host", emulator.authority, "--flow", flow, "--host", host] + more)
        guard added.status == 0 else { throw ControlFailed(text: "profile add: \(added.stderr)") }
    }

    var configFile: String { home.file("config/entra-credential-helper/config.json") }
    var config: Data? { FileManager.default.contents(atPath: configFile) }

    // --- the emulator ---------------------------------------------------------------------------
    func registerApp(secrets: [String] = [], certificates: [String] = [], federated: Bool = false) throws {
        var app: [String: Any] = ["client_id": clientID, "secrets": secrets, "certificates": certificates]
        if federated { app["federated_credentials"] = [["issuer": Self.issuer, "subject": Self.subject]] }
        try emulator.control("apps", app)
    }

    /// A token of the emulator's OIDC issuer (as AKS projects one), `lifetime` seconds (negative: expired).
    func federatedToken(subject: String = AppBadInputWorld.subject, lifetime: Int = 3600) throws -> String {
        let answer = try emulator.control("federated-token", ["issuer": Self.issuer, "subject": subject,
                                                              "audience": "api://AzureADTokenExchange", "lifetime": lifetime])
        return (answer as? [String: Any])?["token"] as? String ?? ""
    }

    /// What a CI job's environment would hold for the emulator's GitHub and Pipelines endpoints.
    func oidc() throws -> [String: [String: Any]] {
        let answer = try emulator.control("oidc") as? [String: Any] ?? [:]
        return answer.compactMapValues { $0 as? [String: Any] }
    }

    // --- certificates (openssl CLI) -------------------------------------------------------------
    /// A self-signed certificate and its key: `name.key`, `name.pem` (the certificate) and
    /// `name.both.pem` (key and certificate); `ec` for a P-256 key instead of RSA.
    @discardableResult
    func certificate(_ name: String, ec: Bool = false) throws -> (both: String, certificate: String) {
        let key = files.file("\(name).key"), cert = files.file("\(name).pem")
        let algorithm = ec ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] : ["-newkey", "rsa:2048"]
        let made = try run(["openssl", "req", "-x509"] + algorithm + ["-nodes", "-keyout", key, "-out", cert, "-days", "2",
                                                                      "-subj", "/CN=\(name)"])
        guard made.status == 0 else { throw ControlFailed(text: made.stderr) }
        let pem = try String(contentsOfFile: cert, encoding: .utf8)
        try files.write("\(name).both.pem", try String(contentsOfFile: key, encoding: .utf8) + pem)
        return (files.file("\(name).both.pem"), pem)
    }

    /// `name`'s key and certificate as PKCS#12 under `password` (given to openssl by environment).
    func pkcs12(_ name: String, password: String) throws -> String {
        let out = files.file("\(name).p12")
        let made = try run(["openssl", "pkcs12", "-export", "-inkey", files.file("\(name).key"), "-in", files.file("\(name).pem"),
                            "-out", out, "-passout", "env:P12_PASSWORD"], environment: ["P12_PASSWORD": password])
        guard made.status == 0 else { throw ControlFailed(text: made.stderr) }
        return out
    }

    // --- the probes ------------------------------------------------------------------------------
    /// Our kernel keys (access tokens, ACR tokens) of this profile's sign-in key: those whose
    /// description starts with the prefix and SignInKey.digest (sha256 of authority|tenant|client).
    func kernelKeys() throws -> Int {
        let identity = "\(emulator.authority)|\(Self.tenant)|\(clientID)".lowercased()
        let listed = try run(["python3", "-c", Self.kernelKeyCount, identity])
        guard listed.status == 0, let count = Int(listed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ControlFailed(text: "kernel key probe: \(listed.stderr)")
        }
        return count
    }

    static let kernelKeyCount = #"""
        import ctypes, hashlib, struct, sys
        libc = ctypes.CDLL(None, use_errno=True)
        prefix = ("entra-credential-helper:at:" + hashlib.sha256(sys.argv[1].encode()).hexdigest()[:20]).encode()
        buf = ctypes.create_string_buffer(1 << 18)
        n = libc.syscall(250, 11, -4, buf, len(buf))  # KEYCTL_READ of the user keyring: its serials
        if n < 0:
            sys.exit("keyctl read: errno %d" % ctypes.get_errno())
        found = 0
        for serial in struct.unpack("%di" % (min(n, len(buf)) // 4), buf.raw[:min(n, len(buf))]):
            text = ctypes.create_string_buffer(1024)
            if libc.syscall(250, 6, serial, text, len(text)) > 0:  # KEYCTL_DESCRIBE: type;uid;gid;perm;description
                found += text.value.split(b";", 4)[-1].startswith(prefix)
        print(found)
        """#

    /// Items of the test keyring with this app's client id (any of our schemas).
    func secretServiceItems() throws -> String {
        let found = try run(["secret-tool", "search", "--all", "client_id", clientID])
        return found.stdout + found.stderr
    }

    /// Every file under HOME but the runtime directory (where the sign-in lock lives), with its size.
    func homeFiles() -> [String: Int] {
        var found: [String: Int] = [:]
        guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [:] }
        for case let relative as String in walker where !relative.hasPrefix("runtime") {
            let attributes = try? FileManager.default.attributesOfItem(atPath: home.file(relative))
            if attributes?[.type] as? FileAttributeType == .typeRegular { found[relative] = (attributes?[.size] as? Int) ?? -1 }
        }
        return found
    }

    /// A line from the middle of a PEM private key (`name.key`): it must appear nowhere.
    func keyMaterial(_ name: String) throws -> String {
        let lines = try String(contentsOfFile: files.file("\(name).key"), encoding: .utf8).split(separator: "\n")
        return lines.count > 2 ? String(lines[1]) : ""
    }

    /// Files under HOME holding `needle`.
    func filesContaining(_ needle: String) -> [String] {
        var hits: [String] = []
        guard !needle.isEmpty, let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
        for case let relative as String in walker {
            if let data = FileManager.default.contents(atPath: home.file(relative)), data.range(of: Data(needle.utf8)) != nil {
                hits.append(relative)
            }
        }
        return hits
    }
}
