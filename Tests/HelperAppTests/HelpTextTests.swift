import EntraAuth
import Testing
@testable import HelperApp

/// The help texts keep up with the code (issue 11): every variable the app flows read is
/// named in `help`, `help get-token` says which flow reads which, and `profile show`
/// prints the app fields a profile has.
@Suite("help texts")
struct HelpTextTests {
    @Test("`help` names each variable the app flows read", arguments: [
        "ENTRA_CREDENTIAL_HELPER_FLOW", "AZURE_CLIENT_SECRET", "AZURE_CLIENT_CERTIFICATE_PATH",
        "AZURE_CLIENT_CERTIFICATE_PASSWORD", "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN", "AZURE_FEDERATED_TOKEN_FILE",
        "ACTIONS_ID_TOKEN_REQUEST_URL", "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "SYSTEM_OIDCREQUESTURI",
        "SYSTEM_ACCESSTOKEN", "AZURESUBSCRIPTION_SERVICE_CONNECTION_ID", "AZURE_POD_IDENTITY_AUTHORITY_HOST",
        "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "IMDS_ENDPOINT",
    ])
    func environmentNames(name: String) {
        let environment = Help.text(topic: nil).split(separator: "Environment:").last.map(String.init) ?? ""
        #expect(environment.contains(name))
    }

    @Test("`help`: AZURE_* override a routed profile only when an app answers")
    func overrideRule() {
        let text = Help.text(topic: nil)
        #expect(text.contains("only when an"))
        #expect(text.contains("profile is used as written"))
        #expect(!text.contains("AZURE_AUTHORITY_HOST  override the profile (flags override these)\n"))
    }

    @Test("`help get-token` says which variables each app flow reads, and auto's rule", arguments: [
        "client-credentials  AZURE_CLIENT_SECRET", "workload-identity   AZURE_FEDERATED_TOKEN_FILE",
        "managed-identity    IDENTITY_ENDPOINT", "auto                workload-identity when AZURE_FEDERATED_TOKEN_FILE",
        "never managed identity",
    ])
    func getToken(text: String) {
        #expect(Help.text(topic: "get-token").contains(text))
        #expect(Help.text(topic: "login").contains(text))
    }

    @Test("`help refresh` and `help status` describe the app flows")
    func refreshAndStatus() {
        let text = Help.text(topic: "refresh")
        #expect(!text.contains("runs the refresh-token grant now"))
        #expect(text.contains("acquired afresh from its source"))
        #expect(text.contains("flow:") && text.contains("identity:"))
        #expect(Help.text(topic: "status") == text)
    }

    @Test("profile show prints managed_identity and service_connection_id when set, and only then")
    func profileShow() {
        var profile = Profile(name: "ci", tenant: "t", clientID: "c", scopes: ["api://x/.default"])
        let plain = ProfileCommand.describe(profile, isDefault: false)
        #expect(!plain.contains("managed identity") && !plain.contains("service connection"))
        profile.managedIdentity = .clientID("11111111-2222")
        profile.serviceConnectionID = "sc-\u{1B}[31m9"
        let lines = ProfileCommand.describe(profile, isDefault: false).split(separator: "\n").map(String.init)
        #expect(lines.contains("managed identity: client_id:11111111-2222"))
        #expect(lines.contains { $0.hasPrefix("service connection: sc-") && !$0.contains("\u{1B}") })
        profile.managedIdentity = .systemAssigned
        #expect(ProfileCommand.describe(profile, isDefault: false).contains("managed identity: system"))
    }
}
