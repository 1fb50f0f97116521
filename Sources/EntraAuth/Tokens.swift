import HelperProtocol

/// Who signed in: what `login` and `status` show, and what keys the refresh token.
public struct Account: Equatable, Sendable {
    /// MSAL's home account id, `oid.tid` (from client_info, else the id token).
    public var homeAccountID: String
    public var username: String
    public var tenantID: String

    public init(homeAccountID: String, username: String, tenantID: String) {
        self.homeAccountID = homeAccountID
        self.username = username
        self.tenantID = tenantID
    }
}

/// An access token and what the engine knows about it.
public struct AccessToken: Equatable, Sendable {
    public var token: String
    /// Seconds since the epoch.
    public var expiresOn: Int64
    public var scopes: [String]
    public var account: Account

    public init(token: String, expiresOn: Int64, scopes: [String], account: Account) {
        self.token = token
        self.expiresOn = expiresOn
        self.scopes = scopes
        self.account = account
    }

    /// The cache payload: a version line, then one field a line, the token last.
    /// (It is written only to the kernel keyring, the Secret Service, or the opt-in file.)
    public func serialized() -> String {
        ["v1", String(expiresOn), account.homeAccountID, account.username, account.tenantID,
         scopes.joined(separator: " "), token].joined(separator: "\n")
    }

    public init?(serialized text: String) {
        let fields = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 7, fields[0] == "v1", let expires = Int64(fields[1]), !fields[6].isEmpty else { return nil }
        self.init(token: fields[6], expiresOn: expires, scopes: fields[5].split(separator: " ").map(String.init),
                  account: Account(homeAccountID: fields[2], username: fields[3], tenantID: fields[4]))
    }
}

/// A successful token-endpoint answer.
public struct TokenResponse: Sendable {
    public var accessToken: AccessToken
    /// A rotated (or first) refresh token; nil when Entra sent none.
    public var refreshToken: String?

    /// Reads `{"access_token", "expires_in", "scope", "refresh_token", "id_token",
    /// "client_info"}`. `previous` fills in the account when the answer carries no id
    /// token (a refresh of a non-OIDC scope set).
    public init(json bytes: [UInt8], now: Int64, requestedScopes: [String], previous: Account?) throws(HelperError) {
        let document: JSONValue
        do { document = try JSON.parse(bytes) } catch { throw .badTokenResponse("not JSON: \(error.description)") }
        guard let token = document["access_token"]?.stringValue, !token.isEmpty else {
            throw .badTokenResponse("no access_token")
        }
        guard let expiresIn = Self.integer(document["expires_in"]), expiresIn > 0 else {
            throw .badTokenResponse("no expires_in")
        }
        let scopes = document["scope"]?.stringValue.map { $0.split(separator: " ").map(String.init) } ?? requestedScopes
        var account = previous ?? Account(homeAccountID: "", username: "", tenantID: "")
        if let idToken = document["id_token"]?.stringValue, let claims = Self.claims(ofJWT: idToken) {
            let oid = claims["oid"]?.stringValue ?? claims["sub"]?.stringValue ?? ""
            let tid = claims["tid"]?.stringValue ?? ""
            account.tenantID = tid
            account.username = claims["preferred_username"]?.stringValue ?? claims["upn"]?.stringValue ?? claims["email"]?.stringValue ?? account.username
            account.homeAccountID = "\(oid).\(tid)"
        }
        if let info = document["client_info"]?.stringValue, let bytes = Base64URL.decode(info),
           let object = try? JSON.parse(bytes), let uid = object["uid"]?.stringValue, let utid = object["utid"]?.stringValue {
            account.homeAccountID = "\(uid).\(utid)"
        }
        accessToken = AccessToken(token: token, expiresOn: now + expiresIn, scopes: scopes, account: account)
        refreshToken = document["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func integer(_ value: JSONValue?) -> Int64? {
        switch value {
        case let .number(text)?: return Int64(text)
        case let .string(text)?: return Int64(text)  // Entra v1 endpoints send strings
        default: return nil
        }
    }

    /// The payload of a JWT, unverified: only for display (who signed in), never trust.
    public static func claims(ofJWT token: String) -> JSONValue? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])) else { return nil }
        return try? JSON.parse(payload)
    }
}

/// A device-code answer: `{"device_code", "user_code", "verification_uri", "expires_in",
/// "interval", "message"}`.
public struct DeviceCode: Sendable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var expiresIn: Int
    public var interval: Int
    public var message: String

    public init(json bytes: [UInt8]) throws(HelperError) {
        let document: JSONValue
        do { document = try JSON.parse(bytes) } catch { throw .badTokenResponse("device code answer is not JSON: \(error.description)") }
        guard let device = document["device_code"]?.stringValue, let user = document["user_code"]?.stringValue,
              let uri = document["verification_uri"]?.stringValue ?? document["verification_url"]?.stringValue else {
            throw .badTokenResponse("device code answer lacks device_code, user_code or verification_uri")
        }
        deviceCode = device
        userCode = user
        verificationURI = uri
        expiresIn = Int(TokenResponse.integer(document["expires_in"]) ?? 900)
        interval = max(1, Int(TokenResponse.integer(document["interval"]) ?? 5))
        message = document["message"]?.stringValue
            ?? "To sign in, use a web browser to open the page \(uri) and enter the code \(user) to authenticate."
    }

    /// The message without control characters (a server must not drive the terminal).
    public var safeMessage: String { Sanitize.line(message, limit: 1000) }
}
