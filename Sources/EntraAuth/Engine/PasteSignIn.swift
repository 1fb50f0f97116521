import HelperCore

/// The paste flow, for a sign-in over SSH (int128/kubelogin's authcode-keyboard, keeping the
/// loopback redirect URI): the browser flow's authorize request (PKCE S256, state, nonce,
/// redirect_uri http://localhost:PORT of the listener) is printed, not opened; the person
/// signs in on their own machine, whose browser then fails to load the redirect, and pastes
/// that address into this terminal. The listener keeps listening meanwhile (a forwarded
/// port answers by itself); whichever comes first wins. The pasted address is read as the
/// listener reads a request (CallbackRequest.verdict), and is never echoed or logged.
extension InteractiveSignIn {
    func pasteFlow(_ profile: Profile, scopes: [String], options: InteractiveOptions, deadline: Int64,
                   previous: Account?) throws(HelperError) -> TokenResponse {
        guard terminal.available else { throw .pastedAddress(.noTerminal) }
        guard let response = try browserFlow(profile, scopes: scopes, options: options, deadline: deadline,
                                              previous: previous, pasting: true) else {
            throw .pastedAddress(.ended)  // unreachable: no browser is started, so none fails
        }
        return response
    }

    static func pasteInstructions(url: String) -> String {
        """
        To sign in, open this URL in a browser on your own machine:
        \(url)
        After signing in, the browser is sent to http://localhost:… and shows that the page cannot be reached.
        Copy that page's whole address from the address bar and paste it here, then press Enter:
        """
    }

    /// What a poll of the terminal brought: nil while nothing (or only blank lines) came.
    static func pastedCallback(_ line: PastedLine?, state: String) -> Result<Callback, HelperError>? {
        switch line {
        case nil: return nil
        case .ended?: return .failure(.pastedAddress(.ended))
        case let .line(text)?:
            if text.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { return nil }
            guard let request = CallbackRequest.parse(pasted: text) else { return .failure(.pastedAddress(.notTheAddress)) }
            switch request.verdict(state: state) {
            case .notRedirect: return .failure(.pastedAddress(.notTheAddress))
            case .wrongState: return .failure(.pastedAddress(.wrongState))
            case let .callback(callback): return .success(callback)
            }
        }
    }
}
