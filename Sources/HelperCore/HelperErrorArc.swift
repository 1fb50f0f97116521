/// What went wrong in Azure Arc's challenge-file handshake: the agent's first answer is a
/// 401 whose `WWW-Authenticate: Basic realm=PATH` names a key file in its token directory;
/// its content is the retry's `Authorization: Basic` value. Paths are echoed (sanitised);
/// the key never is.
public enum ArcChallengeProblem: Equatable, Sendable {
    /// Arc serves only the machine's system-assigned identity.
    case userAssigned
    /// IDENTITY_ENDPOINT is not on this machine: the agent listens on localhost, and its
    /// key must never go elsewhere.
    case notLocal(endpoint: String)
    /// The first answer was this status, not the 401 challenge.
    case noChallenge(status: Int)
    /// A 401 without WWW-Authenticate.
    case missingHeader
    /// WWW-Authenticate longer than the bound (or holding a NUL byte).
    case headerRefused(limit: Int)
    /// WWW-Authenticate not of the form `Basic realm=PATH`.
    case notBasicRealm
    /// The file is not directly inside the agent's token directory.
    case outsideDirectory(path: String, directory: String)
    /// Its name does not end in `.key`.
    case notKeyFile(path: String)
    case missing(path: String)
    case unreadable(path: String, reason: String)
    /// A directory, link, FIFO…: not a regular file.
    case notRegularFile(path: String)
    case tooLarge(path: String, limit: Int)
    /// Empty, or holding control characters.
    case badKey(path: String)
    /// The agent answered 401 again, to the key it had just written.
    case keyRefused
}

extension HelperError {
    static func arcWording(_ problem: ArcChallengeProblem) -> (cause: String, fix: String?) {
        let agent = "check that the Azure Connected Machine agent (himds) is running, then retry"
        func file(_ path: String) -> String { Sanitize.line(path, limit: 200) }
        switch problem {
        case .userAssigned:
            return ("Azure Arc has only the machine's system-assigned managed identity",
                    "unset AZURE_CLIENT_ID and remove the profile's --managed-identity, or run this elsewhere")
        case let .notLocal(endpoint):
            return ("the Azure Arc identity endpoint \(file(endpoint)) is not on this machine (the agent's is http://localhost:40342/…); its key is not sent there",
                    "check IDENTITY_ENDPOINT: it must be the Azure Connected Machine agent's")
        case let .noChallenge(status):
            return ("the Azure Arc identity endpoint answered HTTP \(status), not its 401 challenge", agent)
        case .missingHeader:
            return ("the Azure Arc identity endpoint answered 401 without a WWW-Authenticate challenge", agent)
        case let .headerRefused(limit):
            return ("the Azure Arc identity endpoint's WWW-Authenticate challenge is longer than \(limit) bytes", agent)
        case .notBasicRealm:
            return ("the Azure Arc identity endpoint's WWW-Authenticate challenge is not `Basic realm=<key file>`", agent)
        case let .outsideDirectory(path, directory):
            return ("the Azure Arc challenge names \(file(path)), which is not a file in \(file(directory)); it is not used",
                    "check IDENTITY_ENDPOINT: it must be the Azure Connected Machine agent's")
        case let .notKeyFile(path):
            return ("the Azure Arc challenge names \(file(path)), which is not a .key file; it is not used",
                    "check IDENTITY_ENDPOINT: it must be the Azure Connected Machine agent's")
        case let .missing(path):
            return ("the Azure Arc challenge's key file \(file(path)) does not exist", agent)
        case let .unreadable(path, reason):
            return ("cannot read the Azure Arc challenge's key file \(file(path)) (\(reason))",
                    "run this as root or as a member of the himds group")
        case let .notRegularFile(path):
            return ("the Azure Arc challenge's key file \(file(path)) is not a regular file", agent)
        case let .tooLarge(path, limit):
            return ("the Azure Arc challenge's key file \(file(path)) is larger than \(limit) bytes", agent)
        case let .badKey(path):
            return ("the Azure Arc challenge's key file \(file(path)) is empty or holds control characters", agent)
        case .keyRefused:
            return ("the Azure Arc identity endpoint refused the key from its own challenge (HTTP 401)", agent)
        }
    }
}
