import HelperCore
/// An error answer from Entra's v2.0 token or device-code endpoint:
/// `{"error", "error_description": "AADSTSnnnnn: …", "error_codes": [n], "timestamp",
///   "trace_id", "correlation_id", "suberror", "claims"}`.
public struct TokenError: Equatable, Sendable {
    public var error: String
    public var description: String
    public var codes: [Int]
    public var suberror: String?
    /// A claims challenge to pass to the next interactive sign-in.
    public var claims: String?
    public var correlationID: String?

    public init(error: String, description: String = "", codes: [Int] = [], suberror: String? = nil,
                claims: String? = nil, correlationID: String? = nil) {
        self.error = error
        self.description = description
        self.codes = codes
        self.suberror = suberror
        self.claims = claims
        self.correlationID = correlationID
    }

    /// Reads an error body; nil when it is not one (not JSON, or no "error" member).
    public init?(json bytes: [UInt8]) {
        guard let document = try? JSON.parse(bytes), let error = document["error"]?.stringValue else { return nil }
        self.error = error
        description = document["error_description"]?.stringValue ?? ""
        if case let .array(values)? = document["error_codes"] {
            codes = values.compactMap { if case let .number(text) = $0 { return Int(text) } else { return nil } }
        } else {
            codes = []
        }
        suberror = document["suberror"]?.stringValue
        claims = document["claims"]?.stringValue
        correlationID = document["correlation_id"]?.stringValue
    }

    /// What the sign-in engine does next.
    public enum Next: Equatable, Sendable {
        /// Sign in interactively (with the claims challenge, when there is one).
        case interact
        /// Device code: keep polling (at the interval, plus 5 s for slow_down).
        case keepPolling(slowDown: Bool)
        /// The person declined, or the code expired or was wrong: stop, and say so.
        case deviceCodeEnded
        /// Entra is having trouble: retry later; keep every token.
        case transient
        /// The profile is wrong (client id, tenant, scope, redirect): fix the config.
        case misconfigured
    }

    /// AADSTS codes that need the user: MFA (50076, 50079), expired or revoked refresh
    /// token (70043, 700082, 50173), consent (65001), and session or password changes.
    public static let interactionCodes: Set<Int> = [50076, 50079, 70043, 700082, 50173, 65001, 50078, 50158, 50133, 50055, 50089, 530003]
    /// AADSTS codes that mean the profile itself is wrong.
    public static let misconfigurationCodes: Set<Int> = [700016, 90002, 90023, 7000218, 70011, 50011, 900144, 65002]

    public var next: Next {
        switch error {
        case "authorization_pending": return .keepPolling(slowDown: false)
        case "slow_down": return .keepPolling(slowDown: true)
        case "authorization_declined", "expired_token", "bad_verification_code": return .deviceCodeEnded
        case "interaction_required", "consent_required", "login_required": return .interact
        case "temporarily_unavailable", "server_error": return .transient
        default: break
        }
        if !Self.interactionCodes.isDisjoint(with: codes) { return .interact }
        if !Self.misconfigurationCodes.isDisjoint(with: codes) { return .misconfigured }
        switch error {
        case "invalid_grant": return .interact  // any other unusable refresh token or code
        case "invalid_client", "unauthorized_client", "invalid_scope", "invalid_request", "unsupported_grant_type":
            return .misconfigured
        default: return .transient
        }
    }

    /// The AADSTS line Entra wrote, cut at its first line (its trace and correlation
    /// ids follow on the next lines) and cleaned of control characters.
    public var summary: String {
        let firstLine = description.split(whereSeparator: \.isNewline).first.map(String.init) ?? error
        return Sanitize.line(firstLine)
    }
}
