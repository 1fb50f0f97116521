import HelperCore

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
        // The file or keyring item may have been written by anyone: its expiry is clamped.
        guard fields.count == 7, fields[0] == "v1", let expires = Bounded.integer(fields[1], in: Bounded.epochSeconds),
              !fields[6].isEmpty else { return nil }
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
        guard let expiresIn = document["expires_in"]?.integer(in: 0...Self.longestLifetime) else {
            throw .badTokenResponse("no expires_in")
        }
        guard expiresIn > 0 else { throw .badTokenResponse("expires_in is not a positive number") }
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
        accessToken = AccessToken(token: token, expiresOn: Bounded.sum(now, expiresIn), scopes: scopes, account: account)
        refreshToken = document["refresh_token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// An access token's `expires_in` is clamped to this (Entra's are 1-28 hours); other
    /// lifetimes in the answer (`ext_expires_in`, `refresh_in`) are not read.
    static let longestLifetime: Int64 = 7 * 86400

    /// The payload of a JWT, unverified: only for display (who signed in), never trust.
    public static func claims(ofJWT token: String) -> JSONValue? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])) else { return nil }
        return try? JSON.parse(payload)
    }
}

/// A device-code answer: `{"device_code", "user_code", "verification_uri", "expires_in",
/// "interval", "message"}` (Entra's; RFC 8628's optional "verification_uri_complete",
/// which Entra does not send, is used for the QR code when a server gives it).
public struct DeviceCode: Sendable {
    public var deviceCode: String
    public var userCode: String
    public var verificationURI: String
    public var verificationURIComplete: String?
    public var expiresIn: Int
    public var interval: Int
    public var message: String
    static let longestExpiry: Int64 = 86400
    /// Also the bound after `slow_down` answers add to it.
    static let longestInterval: Int64 = 60

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
        verificationURIComplete = document["verification_uri_complete"]?.stringValue
        // Clamped: Entra says 900 and 5; a hostile 9223372036854775807 must not overflow.
        expiresIn = Int(document["expires_in"]?.integer(in: 1...Self.longestExpiry) ?? 900)
        interval = Int(document["interval"]?.integer(in: 1...Self.longestInterval) ?? 5)
        message = document["message"]?.stringValue
            ?? "To sign in, use a web browser to open the page \(uri) and enter the code \(user) to authenticate."
    }

    /// The message without control characters (a server must not drive the terminal).
    public var safeMessage: String { Sanitize.line(message, limit: 1000) }

    /// The address the QR code carries: the one with the user code in it when given.
    public var qrURL: String { verificationURIComplete ?? verificationURI }
}
