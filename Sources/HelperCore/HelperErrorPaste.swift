/// What is wrong with the address pasted back in the paste flow (sign-in over SSH). The
/// pasted text holds an authorization code: it is never echoed.
public enum PastedAddressProblem: Equatable, Sendable {
    /// No terminal (/dev/tty) to paste into.
    case noTerminal
    /// Not the redirect's address: no `code` or `error` in a `http://localhost:PORT/?…`.
    case notTheAddress
    /// The address carries another sign-in's state (an older URL, or someone else's).
    case wrongState
    /// The terminal ended (Ctrl-D) before a line came.
    case ended
}

extension HelperError {
    static func pasteWording(_ problem: PastedAddressProblem) -> (cause: String, fix: String?) {
        let again = "run the sign-in again and paste the whole address from the browser's address bar (http://localhost:PORT/?code=…)"
        switch problem {
        case .noTerminal:
            return ("the paste flow needs a terminal to paste the address into, and this process has none (/dev/tty)",
                    "run `entra-credential-helper login` in a terminal, or use --flow device-code")
        case .notTheAddress:
            return ("the pasted text is not the address the sign-in sent the browser to; nothing was stored", again)
        case .wrongState:
            return ("the pasted address belongs to another sign-in (its state does not match this one's); nothing was stored",
                    "paste the address from the URL printed by this sign-in, not an older one")
        case .ended:
            return ("the terminal was closed before an address was pasted; nothing was stored", again)
        }
    }
}
