import Foundation
import Testing

/// The real binary with a client certificate against the repo's Entra emulator: the `x5c`
/// chain for an app registered by subject name and issuer (--send-certificate-chain,
/// AZURE_CLIENT_SEND_CERTIFICATE_CHAIN), the certificate's password stored in the Secret
/// Service, each bad certificate refused with one line and nothing stored, and a
/// client-credentials profile with no secret and no D-Bus session. CI-like: no D-Bus
/// session unless the test is about the Secret Service.
@Suite("client certificates, end to end with the real binary", .serialized)
struct CertificateIntegrationTests {
    static let password = "cert pass " + UUID().uuidString.prefix(8)

    /// Keys and certificates made with the openssl CLI: a CA and a leaf it issued
    /// (CN=ech-sni.contoso.example: key, leaf and CA in one PEM), a PKCS#12 of the leaf with
    /// a password, an EC key with its certificate, a certificate without its key.
    final class Files {
        let dir: TemporaryDirectory
        init() throws {
            dir = try TemporaryDirectory()
            let steps = [
                "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=ech-sni-ca -days 2",
                "openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=ech-sni.contoso.example",
                "openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2",
                "cat leaf.key leaf.pem ca.pem > chain.pem",
                "openssl pkcs12 -export -inkey leaf.key -in leaf.pem -passout \"pass:$ECH_PASSWORD\" -out pass.pfx",
                "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.crt -subj /CN=ech-ec -days 2",
                "cat ec.key ec.crt > ec.pem && cp leaf.pem certonly.pem",
            ]
            for step in steps {
                let made = try run(["/bin/sh", "-ec", "cd \"$0\" && \(step)", dir.path], environment: ["ECH_PASSWORD": CertificateIntegrationTests.password])
                guard made.status == 0 else { throw ControlFailed(text: "\(step): \(made.stderr)") }
            }
        }
        func path(_ name: String) -> String { dir.file(name) }
        func text(_ name: String) throws -> String { try String(contentsOfFile: path(name), encoding: .utf8) }
    }

    final class World {
        let emulator: Emulator
        let files: Files
        let home: TemporaryDirectory
        let clientID = UUID().uuidString.lowercased()

        init() throws {
            emulator = try Emulator()
            files = try Files()
            home = try TemporaryDirectory()
        }

        var environment: [String: String] {
            ["HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
             "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state")]
        }
        static let removed = SignInWorld.unset + ["AZURE_CLIENT_SECRET", "AZURE_FEDERATED_TOKEN_FILE", "ENTRA_CREDENTIAL_HELPER_FLOW",
                                                  "AZURE_CLIENT_CERTIFICATE_PATH", "AZURE_CLIENT_CERTIFICATE_PASSWORD",
                                                  "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_CLIENT_ID", "AZURE_TENANT_ID"]
        var configPath: String { home.file("config/entra-credential-helper/config.json") }

        /// The helper, CI-like: no D-Bus session unless `bus`.
        func helper(_ arguments: [String], extra: [String: String] = [:], stdin: String = "", bus: Bool = false) throws -> Outcome {
            var env = environment.merging(extra) { $1 }
            if bus { env["DBUS_SESSION_BUS_ADDRESS"] = Harness.environment["DBUS_SESSION_BUS_ADDRESS"] ?? "" }
            return try run(["setsid", "-w", Harness.binary] + arguments, stdin: stdin, environment: env,
                           removing: Self.removed + (bus ? [] : ["DBUS_SESSION_BUS_ADDRESS"]))
        }

        func addProfile(_ name: String, _ extra: [String] = [], stdin: String = "", bus: Bool = false,
                        environment: [String: String] = [:]) throws -> Outcome {
            try helper(["profile", "add", name, "--tenant", "contoso", "--client-id", clientID, "--scope", "api://ci/.default",
                        "--authority-host", emulator.authority, "--host", "git.example"] + extra,
                       extra: environment, stdin: stdin, bus: bus)
        }

        func certificateRequests() throws -> Int {
            ((try emulator.counters()["client_credentials"] as? [String: Any])?["certificate"] as? Int) ?? 0
        }

        func filesContaining(_ needle: String) -> [String] {
            guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
            return walker.compactMap { $0 as? String }.filter {
                FileManager.default.contents(atPath: home.file($0))?.range(of: Data(needle.utf8)) != nil
            }
        }

        func lookup(_ schema: String) throws -> String {
            try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.\(schema)", "client_id", clientID]).stdout
        }
    }

    @Test("subject name and issuer: refused without the chain (AADSTS700027), a token with --send-certificate-chain or AZURE_CLIENT_SEND_CERTIFICATE_CHAIN")
    func chain() throws {
        let world = try World()
        try world.emulator.control("apps", ["client_id": world.clientID,
                                            "subject_names": [["subject": "CN=ech-sni.contoso.example", "ca": try world.files.text("ca.pem")]]])
        let plain = try world.addProfile("plain", ["--certificate", world.files.path("chain.pem"), "--flow", "client-credentials"])
        #expect(plain.status == 0, "\(plain.stderr)")
        let refused = try world.helper(["get-token", "--profile", "plain"])
        #expect(refused.status == 1 && refused.stdout.isEmpty)
        #expect(refused.stderr.split(separator: "\n").count == 1 && refused.stderr.contains("AADSTS700027"), "\(refused.stderr)")

        let fromEnvironment = try world.helper(["get-token", "--profile", "plain"], extra: ["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "true"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.stderr)")
        let claims = try world.emulator.control("verify", ["token": fromEnvironment.stdout.trimmingCharacters(in: .newlines)]) as? [String: Any]
        #expect(claims?["valid"] as? Bool == true)
        #expect((claims?["claims"] as? [String: Any])?["appid"] as? String == world.clientID)
        _ = try world.helper(["logout", "--profile", "plain"])

        let flagged = try world.addProfile("chained", ["--certificate", world.files.path("chain.pem"), "--send-certificate-chain"])
        #expect(flagged.status == 0, "\(flagged.stderr)")
        #expect(try String(contentsOfFile: world.configPath, encoding: .utf8).contains("\"send_certificate_chain\": true"))
        let before = try world.certificateRequests()
        let token = try world.helper(["get-token", "--profile", "chained"])
        #expect(token.status == 0, "\(token.stderr)")
        #expect(try world.certificateRequests() == before + 1)
        // AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=false beats the profile's setting.
        _ = try world.helper(["logout", "--profile", "chained"])
        let off = try world.helper(["get-token", "--profile", "chained"], extra: ["AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "false"])
        #expect(off.status == 1 && off.stderr.contains("AADSTS700027"), "\(off.stderr)")
        _ = try world.helper(["logout", "--profile", "chained"])
    }

    @Test("the certificate's password stored with --certificate-password-stdin: only in the Secret Service; used; removed with the profile",
          .enabled(if: Harness.keyringReady))
    func storedPassword() throws {
        let world = try World()
        try world.emulator.control("apps", ["client_id": world.clientID, "certificates": [try world.files.text("leaf.pem")]])
        let wrong = try world.addProfile("ci", ["--certificate", world.files.path("pass.pfx"), "--certificate-password-stdin"],
                                         stdin: "wrong-\(Self.password)\n", bus: true)
        #expect(wrong.status == 1 && wrong.stderr.split(separator: "\n").count == 1, "\(wrong.stderr)")
        #expect(wrong.stderr.contains("the password does not open") && wrong.stderr.contains("--certificate-password-stdin"), "\(wrong.stderr)")
        #expect(!wrong.stderr.contains(Self.password))
        #expect(try world.lookup("CertificatePassword").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: world.configPath))

        let added = try world.addProfile("ci", ["--certificate", world.files.path("pass.pfx"), "--certificate-password-stdin"],
                                         stdin: Self.password + "\n", bus: true)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try world.lookup("CertificatePassword") == Self.password)
        #expect(world.filesContaining(Self.password).isEmpty, "the password is in no file under HOME")

        let token = try world.helper(["get-token", "--profile", "ci"], bus: true)
        #expect(token.status == 0, "\(token.stderr)")
        #expect(!token.stderr.contains(Self.password))
        // Without the Secret Service the file cannot be opened: the password's line.
        _ = try world.helper(["logout", "--profile", "ci"])
        let noBus = try world.helper(["get-token", "--profile", "ci"])
        #expect(noBus.status == 1 && noBus.stderr.contains("needs a password") && noBus.stderr.contains("AZURE_CLIENT_CERTIFICATE_PASSWORD"), "\(noBus.stderr)")

        let removed = try world.helper(["profile", "remove", "ci"], bus: true)
        #expect(removed.status == 0, "\(removed.stderr)")
        #expect(try world.lookup("CertificatePassword").isEmpty)
    }

    @Test("delete-profile deletes a stored client secret and certificate password", .enabled(if: Harness.keyringReady))
    func deleteProfile() throws {
        let world = try World()
        let added = try world.addProfile("app", ["--client-secret-stdin"], stdin: "a-secret-\(UUID().uuidString)\n", bus: true)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try !world.lookup("ClientSecret").isEmpty)
        // A second profile for the same app shares the stored secret: removing one keeps it.
        let twin = try world.addProfile("twin", ["--flow", "client-credentials"], bus: true)
        #expect(twin.status == 0, "\(twin.stderr)")
        #expect(try world.helper(["delete-profile", "--name", "twin"], bus: true).status == 0)
        #expect(try !world.lookup("ClientSecret").isEmpty)
        #expect(try world.helper(["delete-profile", "--name", "app"], bus: true).status == 0)
        #expect(try world.lookup("ClientSecret").isEmpty)
        let certified = try world.addProfile("cert", ["--certificate", world.files.path("pass.pfx"), "--certificate-password-stdin"],
                                             stdin: Self.password + "\n", bus: true)
        #expect(certified.status == 0, "\(certified.stderr)")
        #expect(try world.helper(["delete-profile", "--name", "cert"], bus: true).status == 0)
        #expect(try world.lookup("CertificatePassword").isEmpty)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        let file: String
        let password: String?
        let cause: String
        let fix: String
        var testDescription: String { file }
    }

    static let bad = [
        Bad(file: "pass.pfx", password: "wrong", cause: "the password does not open the PKCS#12 file", fix: "AZURE_CLIENT_CERTIFICATE_PASSWORD"),
        Bad(file: "certonly.pem", password: nil, cause: "holds no private key", fix: "a PKCS#12 exported with its private key"),
        Bad(file: "ec.pem", password: nil, cause: "the private key is EC, not RSA", fix: "use an RSA key"),
        Bad(file: "missing.pem", password: nil, cause: "cannot read the client certificate", fix: "at a readable PEM or PKCS#12"),
    ]

    @Test("a bad certificate: one line naming the fix, exit 1, nothing stored or asked of Entra", arguments: bad)
    func badCertificate(bad: Bad) throws {
        let world = try World()
        try world.emulator.control("apps", ["client_id": world.clientID, "certificates": [try world.files.text("leaf.pem")]])
        let password = bad.password.map { ["AZURE_CLIENT_CERTIFICATE_PASSWORD": $0] } ?? [:]
        let path = world.files.path(bad.file)
        let added = try world.addProfile("ci", ["--certificate", path], environment: password)
        #expect(added.status == 1 && added.stdout.isEmpty)
        #expect(added.stderr.split(separator: "\n").count == 1 && added.stderr.contains(bad.cause) && added.stderr.contains(bad.fix), "\(added.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.configPath), "nothing written")

        // The same file given by the environment at acquisition time.
        #expect(try world.addProfile("ci", ["--flow", "client-credentials"]).status == 0)
        let token = try world.helper(["get-token", "--profile", "ci"], extra: password.merging(["AZURE_CLIENT_CERTIFICATE_PATH": path]) { $1 })
        #expect(token.status == 1 && token.stdout.isEmpty)
        #expect(token.stderr.split(separator: "\n").count == 1 && token.stderr.contains(bad.cause) && token.stderr.contains(bad.fix), "\(token.stderr)")
        #expect(try world.certificateRequests() == 0)
        if let secret = bad.password { #expect(!token.stderr.contains(secret) && world.filesContaining(secret).isEmpty) }
    }

    @Test("--certificate given relative to the working directory is stored absolute, so get-token works from anywhere")
    func relativePath() throws {
        let world = try World()
        try world.emulator.control("apps", ["client_id": world.clientID, "certificates": [try world.files.text("leaf.pem")]])
        var env = world.environment
        env["DBUS_SESSION_BUS_ADDRESS"] = nil
        let added = try run(["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", world.files.dir.path, "setsid", "-w", Harness.binary,
                             "profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID, "--scope", "api://ci/.default",
                             "--authority-host", world.emulator.authority, "--certificate", "chain.pem", "--flow", "client-credentials"],
                            environment: env, removing: World.removed + ["DBUS_SESSION_BUS_ADDRESS"])
        #expect(added.status == 0, "\(added.stderr)")
        #expect(try String(contentsOfFile: world.configPath, encoding: .utf8).contains("\"certificate\": \"\(world.files.path("chain.pem"))\""))
        let token = try world.helper(["get-token", "--profile", "ci"])
        #expect(token.status == 0, "\(token.stderr)")
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("a client-credentials profile with no secret and no D-Bus session: the missing-secret line, not a D-Bus error")
    func noSecretNoBus() throws {
        let world = try World()
        #expect(try world.addProfile("ci", ["--flow", "client-credentials"]).status == 0)
        let result = try world.helper(["get-token", "--profile", "ci"])
        #expect(result.status == 1 && result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("needs a client secret or certificate") && result.stderr.contains("set AZURE_CLIENT_SECRET")
                && result.stderr.contains("--client-secret-stdin"), "\(result.stderr)")
        #expect(!result.stderr.contains("no D-Bus session bus"), "\(result.stderr)")
    }
}
