import HelperCore
/// kubectl's exec credential plugin protocol (client.authentication.k8s.io v1 and
/// v1beta1): the request arrives in KUBERNETES_EXEC_INFO, the answer is one
/// ExecCredential object on stdout. It knows nothing of who issues the token, and does
/// no I/O.
public enum ExecCredentialCodec {
    public static let v1 = "client.authentication.k8s.io/v1"
    public static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    public struct Request: Equatable, Sendable {
        /// The apiVersion to answer in (v1beta1 when kubectl sent nothing).
        public var apiVersion: String
        /// spec.interactive: nil when not sent.
        public var interactive: Bool?
        /// spec.cluster.server, with provideClusterInfo: true.
        public var server: String?

        public init(apiVersion: String = ExecCredentialCodec.v1beta1, interactive: Bool? = nil, server: String? = nil) {
            self.apiVersion = apiVersion
            self.interactive = interactive
            self.server = server
        }
    }

    /// The request from KUBERNETES_EXEC_INFO's value; nil or empty means an older kubectl.
    public static func decode(_ text: String?) throws(HelperError) -> Request {
        guard let text, !text.isEmpty else { return Request() }
        let value: JSONValue
        do {
            value = try JSON.parse(Array(text.utf8))
        } catch {
            throw .invalidJSON("KUBERNETES_EXEC_INFO: \(error.description)")
        }
        guard case .object = value else { throw .invalidJSON("KUBERNETES_EXEC_INFO is not a JSON object") }
        guard let apiVersion = value["apiVersion"]?.stringValue else {
            throw .invalidJSON("KUBERNETES_EXEC_INFO has no apiVersion")
        }
        guard apiVersion == v1 || apiVersion == v1beta1 else {
            throw .invalidJSON("KUBERNETES_EXEC_INFO asks for \(apiVersion.prefix(80)); use apiVersion \(v1) or \(v1beta1) in the kubeconfig's exec stanza")
        }
        var request = Request(apiVersion: apiVersion)
        if case let .bool(interactive)? = value["spec"]?["interactive"] { request.interactive = interactive }
        request.server = value["spec"]?["cluster"]?["server"]?.stringValue
        return request
    }

    /// The ExecCredential answer: the token and its expiry (RFC 3339, UTC).
    public static func encode(apiVersion: String, token: String, expirationTimestamp: String) -> [UInt8] {
        let object: JSONValue = .object([
            "kind": .string("ExecCredential"),
            "apiVersion": .string(apiVersion),
            "spec": .object([:]),
            "status": .object(["token": .string(token), "expirationTimestamp": .string(expirationTimestamp)]),
        ])
        return JSON.encode(object) + [UInt8(ascii: "\n")]
    }
}
