import Foundation
import HelperCore
import HelperProtocol
import Testing

@Suite("kubectl ExecCredential codec")
struct ExecCredentialCodecTests {
    @Test("requests", arguments: [
        (nil, ExecCredentialCodec.Request()),
        ("", ExecCredentialCodec.Request()),
        (#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#,
         ExecCredentialCodec.Request(apiVersion: ExecCredentialCodec.v1, interactive: false)),
        (#"{"apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":true,"cluster":{"server":"https://aks.hcp.westeurope.azmk8s.io:443","certificate-authority-data":"LS0t"}}}"#,
         ExecCredentialCodec.Request(apiVersion: ExecCredentialCodec.v1beta1, interactive: true, server: "https://aks.hcp.westeurope.azmk8s.io:443")),
    ] as [(String?, ExecCredentialCodec.Request)])
    func decode(_ text: String?, _ expected: ExecCredentialCodec.Request) throws {
        #expect(try ExecCredentialCodec.decode(text) == expected)
    }

    @Test("bad requests name the fix", arguments: [
        ("{", "KUBERNETES_EXEC_INFO"),
        ("[]", "not a JSON object"),
        (#"{"spec":{}}"#, "no apiVersion"),
        (#"{"apiVersion":"client.authentication.k8s.io/v1alpha1"}"#, "use apiVersion client.authentication.k8s.io/v1"),
    ])
    func bad(_ text: String, _ words: String) {
        do {
            _ = try ExecCredentialCodec.decode(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.message.contains(words), "\(error.message)")
            #expect(!error.message.contains("\n"))
        }
    }

    @Test("the answer is one ExecCredential in the request's apiVersion", arguments: [ExecCredentialCodec.v1, ExecCredentialCodec.v1beta1])
    func encode(_ apiVersion: String) throws {
        let bytes = ExecCredentialCodec.encode(apiVersion: apiVersion, token: "t\"k", expirationTimestamp: "2026-11-21T15:00:00Z")
        #expect(bytes.last == UInt8(ascii: "\n"))
        let object = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any]
        #expect(object?["kind"] as? String == "ExecCredential")
        #expect(object?["apiVersion"] as? String == apiVersion)
        let status = object?["status"] as? [String: Any]
        #expect(status?["token"] as? String == "t\"k")
        #expect(status?["expirationTimestamp"] as? String == "2026-11-21T15:00:00Z")
    }
}
