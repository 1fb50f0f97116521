import Foundation
import HelperCore
import Testing
@testable import EntraAuth

/// A hand-written signer: a fixed thumbprint and chain, and a signature that records
/// what it signed.
final class FakeSigner: AssertionSigner, @unchecked Sendable {
    let thumbprintSHA256: [UInt8] = Array(0..<32)
    let chain = ["Y2VydA==", "Y2E="]
    var signed: [(bytes: [UInt8], algorithm: SignatureAlgorithm)] = []
    func sign(_ bytes: [UInt8], algorithm: SignatureAlgorithm) throws(HelperError) -> [UInt8] {
        signed.append((bytes, algorithm))
        return Array("sig".utf8)
    }
}

@Suite("client assertion: the JWT Microsoft documents for certificate credentials")
struct ClientAssertionTests {
    static let endpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    static let client = "11111111-2222-3333-4444-555555555555"

    static func parts(_ jwt: String) throws -> (header: [String: Any], claims: [String: Any], signature: Data) {
        let pieces = jwt.split(separator: ".", omittingEmptySubsequences: false)
        try #require(pieces.count == 3)
        #expect(!jwt.contains("=") && !jwt.contains("+") && !jwt.contains("/"), "not unpadded base64url: \(jwt)")
        let headerBytes = try #require(CertificateFixtures.base64URL(pieces[0]))
        let claimBytes = try #require(CertificateFixtures.base64URL(pieces[1]))
        let signature = try #require(CertificateFixtures.base64URL(pieces[2]))
        let header = try #require(try JSONSerialization.jsonObject(with: headerBytes) as? [String: Any])
        let claims = try #require(try JSONSerialization.jsonObject(with: claimBytes) as? [String: Any])
        return (header, claims, signature)
    }

    @Test("PS256 by default: header alg, typ, x5t#S256 and no x5c; claims aud, iss, sub, jti, nbf, iat, exp")
    func defaults() throws {
        let signer = FakeSigner()
        let jwt = try ClientAssertion(clientID: Self.client, tokenEndpoint: Self.endpoint)
            .make(signer: signer, now: 1_700_000_000, jti: "jti-1")
        let (header, claims, signature) = try Self.parts(jwt)
        #expect(Set(header.keys) == ["alg", "typ", "x5t#S256"])
        #expect(header["alg"] as? String == "PS256")
        #expect(header["typ"] as? String == "JWT")
        #expect(header["x5t#S256"] as? String == "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8")
        #expect(Set(claims.keys) == ["aud", "iss", "sub", "jti", "nbf", "iat", "exp"])
        #expect(claims["aud"] as? String == Self.endpoint)
        #expect(claims["iss"] as? String == Self.client)
        #expect(claims["sub"] as? String == Self.client)
        #expect(claims["jti"] as? String == "jti-1")
        #expect(claims["nbf"] as? Int == 1_700_000_000)
        #expect(claims["iat"] as? Int == 1_700_000_000)
        #expect(claims["exp"] as? Int == 1_700_000_600)
        #expect(signature == Data("sig".utf8))
        #expect(signer.signed.count == 1)
        #expect(signer.signed.first?.algorithm == .ps256)
        #expect(signer.signed.first.map { String(decoding: $0.bytes, as: UTF8.self) } == jwt.split(separator: ".").prefix(2).joined(separator: "."))
    }

    @Test("RS256 on request; the chain (x5c, standard base64, leaf first) only when asked")
    func rs256WithChain() throws {
        let signer = FakeSigner()
        let jwt = try ClientAssertion(clientID: Self.client, tokenEndpoint: Self.endpoint, algorithm: .rs256, sendChain: true)
            .make(signer: signer, now: 10)
        let (header, claims, _) = try Self.parts(jwt)
        #expect(header["alg"] as? String == "RS256")
        #expect(header["x5c"] as? [String] == ["Y2VydA==", "Y2E="])
        #expect(signer.signed.first?.algorithm == .rs256)
        let jti = try #require(claims["jti"] as? String)
        #expect(UUID(uuidString: jti) != nil && jti == jti.lowercased(), "\(jti)")
    }

    @Test("a fresh GUID (version 4) each time")
    func jti() {
        let ids = (0..<50).map { _ in ClientAssertion.newJTI() }
        #expect(Set(ids).count == 50)
        for id in ids {
            let characters = Array(id)
            #expect(characters.count == 36 && characters[14] == "4" && "89ab".contains(characters[19]), "\(id)")
            #expect(UUID(uuidString: id) != nil)
        }
    }

    @Test("with a real certificate: openssl verifies the JWT's signature over header.claims", arguments: SignatureAlgorithm.allCases)
    func realSignature(algorithm: SignatureAlgorithm) throws {
        let credential = try CertificateCredential.load(path: CertificateFixtures.path("chain.pem"), password: nil)
        let jwt = try ClientAssertion(clientID: Self.client, tokenEndpoint: Self.endpoint, algorithm: algorithm, sendChain: true)
            .make(signer: credential, now: 1_700_000_000)
        let (header, _, signature) = try Self.parts(jwt)
        #expect(header["x5c"] as? [String] == credential.chain)
        #expect(header["x5t#S256"] as? String == Base64URL.encode(try CertificateFixtures.fingerprint("leaf.pem")))
        let input = Array(jwt.split(separator: ".").prefix(2).joined(separator: ".").utf8)
        #expect(CertificateFixtures.verify(Array(signature), over: input, publicKey: "leafpub.pem", pss: algorithm == .ps256))
    }
}

@Suite("certificate assertion: the client-credentials source's provider for a certificate file")
struct CertificateAssertionTests {
    @Test("from the environment: the file is read, the password and the chain setting applied, aud is the token endpoint")
    func fromEnvironment() throws {
        let profile = Profile(name: "ci", tenant: "contoso", clientID: ClientAssertionTests.client, scopes: ["api://x/.default"])
        let environment = ["AZURE_CLIENT_CERTIFICATE_PASSWORD": CertificateFixtures.password, "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN": "true"]
        let provider = CertificateAssertion.from(path: CertificateFixtures.path("pass.pfx"), profile: profile,
                                                 environment: { environment[$0] }, clock: FakeTime(now: 1_700_000_000))
        let (header, claims, _) = try ClientAssertionTests.parts(try provider.assertion(audience: ClientAssertionTests.endpoint))
        #expect(header["alg"] as? String == "PS256")
        #expect((header["x5c"] as? [String])?.isEmpty == false)
        #expect(claims["aud"] as? String == ClientAssertionTests.endpoint)
        #expect(claims["iss"] as? String == ClientAssertionTests.client && claims["sub"] as? String == ClientAssertionTests.client)
        #expect((claims["iat"] as? NSNumber)?.int64Value == 1_700_000_000)
        let wrong = CertificateAssertion.from(path: CertificateFixtures.path("pass.pfx"), profile: profile,
                                              environment: { _ in nil }, clock: FakeTime(now: 1_700_000_000))
        #expect(throws: HelperError.self) { try wrong.assertion(audience: ClientAssertionTests.endpoint) }
    }
}
