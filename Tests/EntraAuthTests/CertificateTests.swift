import Foundation
import HelperCore
import CCrypto
import Testing
@testable import EntraAuth

/// CertificateCredential against the `openssl` CLI: the files it reads, the thumbprint and
/// chain it gives, the signatures it makes (verified by openssl), and each refusal.
@Suite("client certificate: reading, thumbprint, chain, signatures, refusals")
struct CertificateTests {
    typealias F = CertificateFixtures

    static func load(_ name: String, _ password: String? = nil) throws(HelperError) -> CertificateCredential {
        try CertificateCredential.load(path: F.path(name), password: password.map { Array($0.utf8) })
    }

    static let readable: [(file: String, password: String?)] = [
        ("combined.pem", nil), ("encrypted.pem", F.password), ("nopass.pfx", nil), ("nopass.pfx", ""),
        ("pass.pfx", F.password), ("legacy.pfx", F.password),
    ]

    @Test("PEM and PKCS#12, with and without a password: the thumbprint is openssl's SHA-256 fingerprint", arguments: readable)
    func thumbprint(file: String, password: String?) throws {
        let credential = try Self.load(file, password)
        #expect(credential.thumbprintSHA256 == (try F.fingerprint("cert.pem")))
        #expect(credential.chain == [try F.derBase64("cert.pem")])
    }

    @Test("the same from bytes in memory")
    func fromMemory() throws {
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: F.path("pass.pfx"))))
        let credential = try CertificateCredential.load(contents: bytes, path: "pass.pfx", password: Array(F.password.utf8))
        #expect(credential.thumbprintSHA256 == (try F.fingerprint("cert.pem")))
    }

    @Test("a leaf with its CA: the chain is the leaf first, then the CA (x5c), in PEM and PKCS#12", arguments: ["chain.pem", "chain.pfx"])
    func chain(file: String) throws {
        let credential = try Self.load(file)
        #expect(credential.chain == [try F.derBase64("leaf.pem"), try F.derBase64("ca.pem")])
        #expect(credential.thumbprintSHA256 == (try F.fingerprint("leaf.pem")))
        let data = Array("chain".utf8)
        #expect(F.verify(try credential.sign(data, algorithm: .ps256), over: data, publicKey: "leafpub.pem", pss: true))
    }

    @Test("RS256 verifies as PKCS#1 v1.5 and not as PSS")
    func rs256() throws {
        let credential = try Self.load("combined.pem")
        let data = Array("header.claims".utf8)
        let signature = try credential.sign(data, algorithm: .rs256)
        #expect(signature.count == 256)
        #expect(F.verify(signature, over: data, publicKey: "pub.pem", pss: false))
        #expect(!F.verify(signature, over: data, publicKey: "pub.pem", pss: true))
        #expect(!F.verify(signature, over: Array("header.claimz".utf8), publicKey: "pub.pem", pss: false))
    }

    @Test("PS256 verifies as PSS with MGF1-SHA-256 and a 32-byte salt, not otherwise; each signature is fresh")
    func ps256() throws {
        let credential = try Self.load("pass.pfx", F.password)
        let data = Array("header.claims".utf8)
        let signature = try credential.sign(data, algorithm: .ps256)
        #expect(F.verify(signature, over: data, publicKey: "pub.pem", pss: true))
        #expect(!F.verify(signature, over: data, publicKey: "pub.pem", pss: true, saltLength: 20))
        #expect(!F.verify(signature, over: data, publicKey: "pub.pem", pss: false))
        #expect(try credential.sign(data, algorithm: .ps256) != signature)  // a random salt
    }

    static let refusals: [(file: String, password: String?, expected: HelperError)] = [
        ("missing.pem", nil, .certificateUnreadable(path: F.path("missing.pem"), detail: "No such file or directory")),
        ("garbage.bin", nil, .certificateUnreadable(path: F.path("garbage.bin"), detail: "")),
        ("pass.pfx", "wrong", .certificatePassword(path: F.path("pass.pfx"), detail: "the password does not open the PKCS#12 file")),
        ("legacy.pfx", "wrong", .certificatePassword(path: F.path("legacy.pfx"), detail: "the password does not open the PKCS#12 file")),
        ("pass.pfx", nil, .certificatePassword(path: F.path("pass.pfx"), detail: "the PKCS#12 file needs a password")),
        ("encrypted.pem", "wrong", .certificatePassword(path: F.path("encrypted.pem"), detail: "the password does not decrypt the private key")),
        ("encrypted.pem", nil, .certificatePassword(path: F.path("encrypted.pem"), detail: "the private key is encrypted and no password was given")),
        ("certonly.pem", nil, .certificateNoPrivateKey(path: F.path("certonly.pem"))),
        ("certonly.pfx", nil, .certificateNoPrivateKey(path: F.path("certonly.pfx"))),
        ("ec.pem", nil, .certificateNotRSA(path: F.path("ec.pem"), detail: "the private key is EC, not RSA")),
        ("keyonly.pem", nil, .certificateMissing(path: F.path("keyonly.pem"))),
        ("mismatch.pem", nil, .certificateKeyMismatch(path: F.path("mismatch.pem"))),
    ]

    /// The error's case and path; details that carry OpenSSL's own reason are compared
    /// by their start only.
    @Test("each bad file is refused with its own error, naming the file and no secret", arguments: refusals)
    func refusal(file: String, password: String?, expected: HelperError) {
        do {
            _ = try Self.load(file, password)
            Issue.record("\(file) was accepted")
        } catch {
            switch (error, expected) {
            case let (.certificateUnreadable(path, detail), .certificateUnreadable(expectedPath, expectedDetail)),
                 let (.certificatePassword(path, detail), .certificatePassword(expectedPath, expectedDetail)),
                 let (.certificateNotRSA(path, detail), .certificateNotRSA(expectedPath, expectedDetail)):
                #expect(path == expectedPath)
                #expect(detail.hasPrefix(expectedDetail), "\(detail)")
                #expect(!detail.isEmpty)
            default:
                #expect(error == expected)
            }
            #expect(!error.message.contains(F.password))
            if let password { #expect(password.isEmpty || !error.message.contains(password)) }
            #expect(error.message.contains(F.path(file)))
        }
    }

    static let codes: [(code: Int32, expected: HelperError)] = [
        (Int32(ECH_CRYPTO_UNAVAILABLE), .cryptoUnavailable("why")),
        (Int32(ECH_CRYPTO_UNREADABLE), .certificateUnreadable(path: "/c.pem", detail: "why")),
        (Int32(ECH_CRYPTO_BAD_PASSWORD), .certificatePassword(path: "/c.pem", detail: "why")),
        (Int32(ECH_CRYPTO_NO_KEY), .certificateNoPrivateKey(path: "/c.pem")),
        (Int32(ECH_CRYPTO_NOT_RSA), .certificateNotRSA(path: "/c.pem", detail: "why")),
        (Int32(ECH_CRYPTO_NO_CERTIFICATE), .certificateMissing(path: "/c.pem")),
        (Int32(ECH_CRYPTO_MISMATCH), .certificateKeyMismatch(path: "/c.pem")),
        (Int32(ECH_CRYPTO_FAILED), .certificateUnreadable(path: "/c.pem", detail: "why")),
    ]

    /// libcrypto missing cannot be staged in a test process that has it; the mapping of
    /// each CCrypto result (that one included) to its error is checked here.
    @Test("each CCrypto result maps to its own error (libcrypto missing: install libssl3)", arguments: codes)
    func mapping(code: Int32, expected: HelperError) {
        #expect(CertificateCredential.failure(code, path: "/c.pem", detail: "why") == expected)
    }
}
