import HelperCore
import Testing
@testable import EntraAuth

@Suite("a broken config's hosts")
struct ConfigSalvageTests {
    static let broken = """
        { "profiles": { "work": { "tenant": "contoso", "client_id": "c",
            "hosts": ["dev.azure.com/contoso", "*.corp.example", "https://git.example:8443/x", "sp\\u0061ced.example"] },
          "acr": { "preset": "acr" } ,, 
          "late": { "hosts": ["open.example
        """

    @Test("a host the file names, by any spelling, is one it might have routed; others are not", arguments: [
        ("dev.azure.com", true), ("DEV.Azure.com.", true), ("a.corp.example", true), ("corp.example", true),
        ("git.example", true), ("spaced.example", true), ("x.azurecr.io", true), ("open.example", true),
        ("other.example", false), ("azure.com", false), ("evilcorp.example", false), ("git.example.evil.com", false),
        ("contoso", true), ("c", true), ("visualstudio.com", false),
    ])
    func mightRoute(host: String, expected: Bool) {
        #expect(ConfigSalvage.mightRoute(Array(Self.broken.utf8), host: host) == expected)
    }
}
