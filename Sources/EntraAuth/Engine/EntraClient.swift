import HelperCore

/// The token and device-code endpoints over an `HTTPTransport`: form POSTs in, either a
/// body to parse or an Entra error out. Transport faults become `HelperError.network`
/// (which never deletes anything).
public struct EntraClient {
    let http: any HTTPTransport

    public init(http: any HTTPTransport) { self.http = http }

    public enum Answer {
        case success([UInt8])
        case failure(TokenError)
    }

    public func post(_ url: String, form: String) throws(HelperError) -> Answer {
        let request = HTTPRequest(
            method: "POST", url: url,
            headers: [(name: "Content-Type", value: "application/x-www-form-urlencoded"),
                      (name: "Accept", value: "application/json"),
                      (name: "x-client-SKU", value: "entra-credential-helper")],
            body: Array(form.utf8))
        let response: HTTPResponse
        do {
            response = try http.send(request)
        } catch {
            throw Self.error(error, host: Self.host(of: url))
        }
        if response.status == 200 { return .success(response.body) }
        if let error = TokenError(json: response.body) { return .failure(error) }
        if response.status >= 500 || response.status == 429 {
            throw .network(host: Self.host(of: url), detail: "HTTP \(response.status) after retries")
        }
        throw .badTokenResponse("HTTP \(response.status) without an Entra error body")
    }

    /// A transport fault as the user reads it (never deletes anything).
    static func error(_ fault: HTTPFault, host: String) -> HelperError {
        switch fault {
        case let .unavailable(detail): return .httpUnavailable(detail)
        case let .refused(detail): return .network(host: host, detail: "refused: \(detail)")
        case let .network(detail), let .noConnection(detail), let .notTLS(detail): return .network(host: host, detail: detail)
        case let .timedOut(detail): return .network(host: host, detail: "timed out: \(detail)")
        }
    }

    /// scheme://host[:port] of a URL, for messages.
    static func host(of url: String) -> String {
        guard let schemeEnd = url.utf8.firstIndex(of: UInt8(ascii: ":")) else { return url }
        let afterScheme = url[schemeEnd...].dropFirst(3)
        return String(url[..<schemeEnd]) + "://" + afterScheme.prefix { $0 != "/" && $0 != "?" }
    }
}
