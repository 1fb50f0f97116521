import Foundation
import Testing

/// Issue 11's bad inputs for callers without a person, end to end: the real binary against
/// the repo's Entra emulator, CI-like (CI=true, no terminal, stdin a file, no D-Bus session
/// except where the test keyring is given to see that nothing lands in it), each through the
/// front end such a caller uses. Each gives exactly one line naming the fix (on stderr; docker's
/// protocol puts it on stdout, which docker shows), exit 1, nothing else on the other stream,
/// nothing stored (no kernel key for the profile, no Secret Service item, the config file
/// unchanged), and no secret in the line or in any file under HOME.
///
/// The wrong secret against a plain token endpoint through get-token is in
/// ClientCredentialsIntegrationTests.wrongSecret; here it is the emulator's answer through docker.
@Suite("bad input without a person: one line naming the fix, exit 1, nothing stored")
struct AppBadInputTests {
    enum FrontEnd: String, Sendable { case getToken = "get-token", git, docker, kubectl }

    enum BadInput: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case federatedFileMissing, federatedFileUnreadable, federatedFileEmpty, federatedFileExpired, assertionExpiredForEntra
        case certificateWrongPassword, certificateWithoutKey, certificateNotRSA
        case unknownApp, invalidSecret, certificateNotRegistered, noFederatedRecord
        case imdsUnreachable, imdsUnknownIdentity, gitHubRequestRefused, pipelinesRequestRefused
        var testDescription: String { rawValue }
    }

    /// One case, set up: how the helper is run, and the line it must give (pieces in order:
    /// one piece is the whole line; several: the first starts it, the last ends it).
    struct Scenario {
        var frontEnd: FrontEnd
        var flow: String
        var profile: [String] = []
        var environment: [String: String] = [:]
        var line: [String]
        /// What must appear in no line and no file (the registered secret is always checked).
        var secrets: [String] = []
        /// The test keyring's bus, to see that no Secret Service item is made.
        var bus = false
        var withoutFileAccessOverride = false
    }

    static let projection = "check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"

    static func scenario(_ bad: BadInput, _ world: AppBadInputWorld) throws -> Scenario {
        let tokenFile = world.files.file("azure-identity-token")
        let app = "Entra refused the credential of app \(world.clientID) ("
        switch bad {
        case .federatedFileMissing:
            try world.registerApp(federated: true)
            return Scenario(frontEnd: .kubectl, flow: "workload-identity", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: ["the federated token file \(tokenFile) (AZURE_FEDERATED_TOKEN_FILE) does not exist; \(projection)"])
        case .federatedFileUnreadable:
            try world.registerApp(federated: true)
            let token = try world.federatedToken()
            try world.files.write("azure-identity-token", token)
            chmod(tokenFile, 0)
            return Scenario(frontEnd: .git, flow: "workload-identity", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: ["cannot read the federated token file \(tokenFile) (Permission denied); make it readable by this user, or \(projection)"],
                            secrets: [token], withoutFileAccessOverride: true)
        case .federatedFileEmpty:  // flow auto: AZURE_FEDERATED_TOKEN_FILE alone picks workload identity
            try world.registerApp(federated: true)
            try world.files.write("azure-identity-token", "\n")
            return Scenario(frontEnd: .docker, flow: "auto", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: ["the federated token file \(tokenFile) is empty; \(projection)"])
        case .federatedFileExpired:  // the emulator would answer AADSTS700024; the helper does not send it
            try world.registerApp(federated: true)
            let token = try world.federatedToken(lifetime: -600)
            try world.files.write("azure-identity-token", token)
            let exp = SignInWorld.claims(token)["exp"] as? Int ?? -1
            return Scenario(frontEnd: .getToken, flow: "workload-identity", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: ["the federated token in \(tokenFile) expired at \(Self.utc(exp)); the kubelet rotates it: check that the projected token is refreshed, then retry"],
                            secrets: [token])
        case .assertionExpiredForEntra:  // valid by this machine's clock, expired by Entra's
            try world.registerApp(federated: true)
            let token = try world.federatedToken(lifetime: 600)
            try world.files.write("azure-identity-token", token)
            try world.emulator.control("clock", ["advance": 3600])
            return Scenario(frontEnd: .kubectl, flow: "workload-identity", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: [app + "AADSTS700024: Client assertion is not within its valid time range.",
                                   "); check this machine's clock (`timedatectl`), and that the assertion or federated token is fresh"],
                            secrets: [token])
        case .certificateWrongPassword:
            let cert = try world.certificate("app")
            try world.registerApp(certificates: [cert.certificate])
            let right = "right-Pfx~" + UUID().uuidString, wrong = "wrong-Pfx~" + UUID().uuidString
            let p12 = try world.pkcs12("app", password: right)
            // Given by the environment: `profile add --certificate` opens the file and refuses it.
            return Scenario(frontEnd: .docker, flow: "client-credentials",
                            environment: ["AZURE_CLIENT_CERTIFICATE_PATH": p12, "AZURE_CLIENT_CERTIFICATE_PASSWORD": wrong],
                            line: ["cannot open the client certificate \(p12): ",
                                   "; set the right password in AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-credential-helper profile add NAME --certificate PATH … --certificate-password-stdin`"],
                            secrets: [right, wrong, try world.keyMaterial("app")], bus: true)
        case .certificateWithoutKey:  // flow auto: AZURE_CLIENT_CERTIFICATE_PATH picks client credentials
            let cert = try world.certificate("app")
            try world.registerApp(certificates: [cert.certificate])
            let path = try world.files.write("certificate-only.pem", cert.certificate)
            return Scenario(frontEnd: .getToken, flow: "auto", environment: ["AZURE_CLIENT_CERTIFICATE_PATH": path],
                            line: ["the client certificate \(path) holds no private key; use a PEM with the key and the certificate, or a PKCS#12 exported with its private key"],
                            bus: true)
        case .certificateNotRSA:
            let cert = try world.certificate("ec-app", ec: true)
            try world.registerApp(certificates: [cert.certificate])
            return Scenario(frontEnd: .git, flow: "client-credentials", environment: ["AZURE_CLIENT_CERTIFICATE_PATH": cert.both],
                            line: ["the client certificate \(cert.both) cannot sign for Entra ID: ",
                                   "; use an RSA key (e.g. `openssl req -x509 -newkey rsa:2048 …`) and register its certificate with the app"],
                            secrets: [try world.keyMaterial("ec-app")], bus: true)
        case .unknownApp:  // nothing registered
            return Scenario(frontEnd: .git, flow: "client-credentials", environment: ["AZURE_CLIENT_SECRET": world.secret],
                            line: [app + "AADSTS700016: Application with identifier '\(world.clientID)' was not found in the directory '\(AppBadInputWorld.tenant)'.",
                                   "); check the client id (AZURE_CLIENT_ID) and the tenant (AZURE_TENANT_ID): no such app is registered there"],
                            bus: true)
        case .invalidSecret:
            try world.registerApp(secrets: [world.secret])
            let wrong = "wrong-" + world.secret
            return Scenario(frontEnd: .docker, flow: "client-credentials", environment: ["AZURE_CLIENT_SECRET": wrong],
                            line: [app + "AADSTS7000215: Invalid client secret provided.",
                                   "); check the client secret (AZURE_CLIENT_SECRET or the stored one): it is wrong or expired"],
                            secrets: [wrong], bus: true)
        case .certificateNotRegistered:
            let registered = try world.certificate("registered")
            let other = try world.certificate("other")
            try world.registerApp(certificates: [registered.certificate])
            return Scenario(frontEnd: .kubectl, flow: "client-credentials", environment: ["AZURE_CLIENT_CERTIFICATE_PATH": other.both],
                            line: [app + "AADSTS700027: The certificate with identifier used to sign the client assertion is not registered on application.",
                                   "); register the certificate on the app, or use the key that belongs to the registered one"],
                            secrets: [try world.keyMaterial("other")], bus: true)
        case .noFederatedRecord:
            try world.registerApp(federated: true)
            let token = try world.federatedToken(subject: "system:serviceaccount:ci:other")
            try world.files.write("azure-identity-token", token)
            return Scenario(frontEnd: .getToken, flow: "workload-identity", environment: ["AZURE_FEDERATED_TOKEN_FILE": tokenFile],
                            line: [app + "AADSTS70021: No matching federated identity record found for presented assertion. Assertion Issuer: '\(AppBadInputWorld.issuer)'. Assertion Subject: 'system:serviceaccount:ci:other'.",
                                   "); add a federated identity credential to the app whose issuer, subject and audience match the token"],
                            secrets: [token])
        case .imdsUnreachable:
            let base = "http://127.0.0.1:\(freePort())"  // bound, read back and released: nothing listens
            return Scenario(frontEnd: .kubectl, flow: "managed-identity", environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": base],
                            line: ["no managed identity endpoint answered at \(base) (",
                                   "); run this on an Azure resource with a managed identity, or choose another flow (--flow or ENTRA_CREDENTIAL_HELPER_FLOW)"])
        case .imdsUnknownIdentity:  // the VM has its system-assigned identity only
            try world.emulator.control("managed-identities", ["system_assigned": true])
            return Scenario(frontEnd: .git, flow: "managed-identity",
                            environment: ["AZURE_POD_IDENTITY_AUTHORITY_HOST": world.emulator.authority, "AZURE_CLIENT_ID": UUID().uuidString.lowercased()],
                            line: ["the managed identity endpoint \(world.emulator.authority) refused the request (HTTP 400: Identity not found); check that this identity is assigned to the resource (its client id, object id or resource id)"])
        case .gitHubRequestRefused:
            try world.registerApp(federated: true)
            let github = try world.oidc()["github"] ?? [:]
            let real = github["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] as? String ?? "", wrong = "wrong-" + UUID().uuidString
            return Scenario(frontEnd: .git, flow: "workload-identity",
                            environment: ["ACTIONS_ID_TOKEN_REQUEST_URL": github["ACTIONS_ID_TOKEN_REQUEST_URL"] as? String ?? "",
                                          "ACTIONS_ID_TOKEN_REQUEST_TOKEN": wrong],
                            line: ["GitHub Actions refused the OIDC token request (HTTP 401); give the job `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_TOKEN is then set)"],
                            secrets: [real, wrong])
        case .pipelinesRequestRefused:
            try world.registerApp(federated: true)
            let pipelines = try world.oidc()["pipelines"] ?? [:]
            let real = pipelines["SYSTEM_ACCESSTOKEN"] as? String ?? "", wrong = "wrong-" + UUID().uuidString
            return Scenario(frontEnd: .kubectl, flow: "workload-identity",
                            environment: ["SYSTEM_OIDCREQUESTURI": pipelines["SYSTEM_OIDCREQUESTURI"] as? String ?? "",
                                          "SYSTEM_ACCESSTOKEN": wrong,
                                          "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID": pipelines["service_connection_id"] as? String ?? ""],
                            line: ["Azure Pipelines refused the OIDC token request (HTTP 401); pass `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step, and allow the pipeline to use the service connection"],
                            secrets: [real, wrong])
        }
    }

    /// RFC 3339 UTC, as the line gives a time.
    static func utc(_ seconds: Int) -> String {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
        return format.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    static let hosts: [FrontEnd: String] = [.getToken: "git.example", .git: "git.example", .docker: "ci.azurecr.io", .kubectl: "aks.example"]

    /// The front end as its caller runs it: git's request on stdin, docker's server URL on
    /// stdin, kubectl's KUBERNETES_EXEC_INFO (spec.interactive false, as in CI).
    static func call(_ frontEnd: FrontEnd, _ scenario: Scenario, _ world: AppBadInputWorld) throws -> Outcome {
        let environment = scenario.environment
        func helper(_ arguments: [String], stdin: String = "", extra: [String: String] = [:]) throws -> Outcome {
            try world.helper(arguments, stdin: stdin, extra: environment.merging(extra) { $1 }, bus: scenario.bus,
                             withoutFileAccessOverride: scenario.withoutFileAccessOverride)
        }
        switch frontEnd {
        case .getToken: return try helper(["get-token", "--profile", "ci"])
        case .git: return try helper(["git", "get"], stdin: "protocol=https\nhost=git.example\n\n")
        case .docker: return try helper(["docker", "get"], stdin: "ci.azurecr.io")
        case .kubectl:
            let info = #"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false,"cluster":{"server":"https://aks.example"}}}"#
            return try helper(["kubectl"], extra: ["KUBERNETES_EXEC_INFO": info])
        }
    }

    /// Whether `line` is `pieces` (one: exactly; several: starting with the first, ending
    /// with the last, the middle ones in order between).
    static func matches(_ line: String, _ pieces: [String]) -> Bool {
        guard pieces.count > 1 else { return line == pieces.first }
        guard let first = pieces.first, let last = pieces.last, line.hasPrefix(first), line.hasSuffix(last),
              line.count >= first.count + last.count else { return false }
        var rest = line.dropFirst(first.count).dropLast(last.count)
        for piece in pieces.dropFirst().dropLast() {
            guard let found = rest.range(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return true
    }

    @Test("one line naming the fix, exit 1, nothing stored", arguments: BadInput.allCases)
    func badInput(_ bad: BadInput) throws {
        let world = try AppBadInputWorld()
        let scenario = try Self.scenario(bad, world)
        try world.addProfile(flow: scenario.flow, host: Self.hosts[scenario.frontEnd] ?? "", scenario.profile)
        let config = world.config, files = world.homeFiles()
        #expect(config != nil)

        let result = try Self.call(scenario.frontEnd, scenario, world)
        #expect(result.status == 1, "exit \(result.status): \(result.stdout) \(result.stderr)")
        // docker's protocol: the message on stdout (docker shows it); the others: stderr.
        let (said, other) = scenario.frontEnd == .docker ? (result.stdout, result.stderr) : (result.stderr, result.stdout)
        #expect(other.isEmpty, "\(other)")
        let lines = said.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 2 && lines.last == "", "not one line: \(said)")
        let prefix = scenario.frontEnd == .docker ? "" : "entra-credential-helper: "
        let line = String(lines.first ?? "")
        #expect(line.hasPrefix(prefix) && Self.matches(String(line.dropFirst(prefix.count)), scenario.line),
                "the line: \(line)\nexpected: \(scenario.line.joined(separator: " … "))")

        for secret in scenario.secrets + [world.secret] {
            #expect(!said.contains(secret) && !other.contains(secret), "a secret on the output")
            #expect(world.filesContaining(secret).isEmpty, "a secret in a file under HOME")
        }
        #expect(try world.kernelKeys() == 0, "a kernel key was stored")
        #expect(world.config == config, "the config file changed")
        #expect(world.homeFiles() == files, "files under HOME changed")
        if scenario.bus && Harness.keyringReady {
            #expect(try world.secretServiceItems().isEmpty, "a Secret Service item was stored")
        }
    }

    @Test("the probes see what a good run stores: the same app with its right secret leaves its kernel key, until logout")
    func probesSeeAGoodRun() throws {
        let world = try AppBadInputWorld()
        try world.registerApp(secrets: [world.secret])
        try world.addProfile(flow: "client-credentials", host: "git.example")
        let got = try world.helper(["git", "get"], stdin: "protocol=https\nhost=git.example\n\n", extra: ["AZURE_CLIENT_SECRET": world.secret])
        #expect(got.status == 0, "\(got.stderr)")
        #expect(got.stdout.contains("password="))
        #expect(try world.kernelKeys() == 1)
        _ = try world.helper(["logout", "--profile", "ci"])
        #expect(try world.kernelKeys() == 0)
    }
}
