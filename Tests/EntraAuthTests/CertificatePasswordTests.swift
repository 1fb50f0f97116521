import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// The certificate source with real libcrypto: the stored password is asked only when the
/// file needs one, and the chain setting as the Azure SDKs read it over the profile's.
@Suite("certificate password and chain setting")
struct CertificatePasswordTests {
    final class Asked: @unchecked Sendable { var count = 0 }

    func assertion(_ file: String, password: String? = nil, stored: String?, asked: Asked) -> CertificateAssertion {
        CertificateAssertion(path: CertificateFixtures.path(file), password: password, clientID: "c", sendChain: false, clock: FakeTime(),
                             storedPassword: { asked.count += 1; return stored })
    }

    @Test("a file without a password never asks the Secret Service; one that needs it asks once and opens")
    func storedOnlyWhenNeeded() throws {
        let asked = Asked()
        #expect(try !assertion("combined.pem", stored: "x", asked: asked).assertion(audience: "https://t/token").isEmpty)
        #expect(asked.count == 0)
        #expect(try !assertion("pass.pfx", stored: CertificateFixtures.password, asked: asked).assertion(audience: "https://t/token").isEmpty)
        #expect(asked.count == 1)
        // AZURE_CLIENT_CERTIFICATE_PASSWORD given: the stored one is not asked, and a wrong one is the password's line.
        #expect(throws: HelperError.self) { try assertion("pass.pfx", password: "wrong", stored: CertificateFixtures.password, asked: asked).credential() }
        #expect(asked.count == 1)
        // None stored (or no Secret Service): the file's own line.
        #expect { try assertion("encrypted.pem", stored: nil, asked: asked).credential() } throws: { error in
            guard case .certificatePassword = error as? HelperError else { return false }
            return true
        }
    }

    @Test("AZURE_CLIENT_SEND_CERTIFICATE_CHAIN true/1 or false/0 beats the profile's send_certificate_chain", arguments: [
        (nil as String?, false, false), (nil, true, true), ("true", false, true), ("1", false, true), ("TRUE", false, true),
        ("false", true, false), ("0", true, false), ("yes", false, false), ("", true, true),
    ])
    func chainSetting(variable: String?, profileSetting: Bool, expected: Bool) {
        var profile = Profile(name: "p", tenant: "t", clientID: "c", scopes: [])
        profile.sendCertificateChain = profileSetting
        let environment: (String) -> String? = { $0 == "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN" ? variable : nil }
        #expect(CertificateAssertion.sendsChain(profile, environment: environment) == expected)
    }
}
