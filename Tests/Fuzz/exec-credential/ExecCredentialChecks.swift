import FuzzSupport
import HelperCore
import HelperProtocol

/// kubectl's exec credential protocol: a request that decodes says the same when written
/// again as KUBERNETES_EXEC_INFO; an answer is one line of JSON holding exactly the token
/// and expiry it was given, in the apiVersion asked for.
func fuzzExecCredential(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    if let request = try? ExecCredentialCodec.decode(text) {
        invariant(request.apiVersion == ExecCredentialCodec.v1 || request.apiVersion == ExecCredentialCodec.v1beta1,
                  "unknown apiVersion accepted: \(shown(request.apiVersion))")
        var spec: [String: JSONValue] = [:]
        if let interactive = request.interactive { spec["interactive"] = .bool(interactive) }
        if let server = request.server { spec["cluster"] = .object(["server": .string(server)]) }
        let info: JSONValue = .object(["apiVersion": .string(request.apiVersion), "kind": .string("ExecCredential"), "spec": .object(spec)])
        let again = try? ExecCredentialCodec.decode(String(decoding: JSON.encode(info), as: UTF8.self))
        invariant(again == request, "the request did not read back: \(String(describing: again)) != \(request)")
    }
    let t = texts(bytes, count: 3)
    let apiVersion = bytes.count % 2 == 0 ? ExecCredentialCodec.v1 : ExecCredentialCodec.v1beta1
    let answer = ExecCredentialCodec.encode(apiVersion: apiVersion, token: t[0], expirationTimestamp: t[1])
    invariant(answer.last == 0x0A && answer.dropLast().allSatisfy { $0 >= 0x20 }, "not one line: \(shown(answer))")
    let expected: JSONValue = .object([
        "kind": .string("ExecCredential"), "apiVersion": .string(apiVersion), "spec": .object([:]),
        "status": .object(["token": .string(t[0]), "expirationTimestamp": .string(t[1])]),
    ])
    invariant((try? JSON.parse(answer)) == expected, "the answer does not read back: \(shown(answer))")
}
