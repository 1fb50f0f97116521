import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// git's side: decode the request, run the action, encode the answer. A host a profile
/// routes gets Entra tokens (GitTokens); any other host, the stored passwords. Errors are
/// rendered here and only here: one line on stderr, nothing on stdout, exit 1.
struct GitFrontEnd {
    let streams: ByteStreams
    /// The router (reads the config), the Entra tokens (built only when a request is
    /// routed) and the keyring for every other host.
    let services: Services

    func run(action: String) -> Int32 {
        switch action {
        case "get", "store", "erase": break
        default: return 0  // Unknown actions are for newer helpers: do nothing, succeed.
        }
        do throws(HelperError) {
            let request = try GitCodec.decode(streams.readInput(limit: inputLimit))
            if let profile = try services.route(HostRouter.Request(git: request)) {
                switch action {
                case "get": streams.writeOutput(try GitCodec.encode(try services.gitTokens().get(request, profile: profile)))
                case "erase": try services.gitTokens().erase(request, profile: profile)
                default: break  // store: the token is ours and cached; nothing is written
                }
                return 0
            }
            switch action {
            case "get":
                guard let found = try services.gitKeyring().get(request) else { return 0 }
                streams.writeOutput(try GitCodec.encode(found))
            case "store":
                try services.gitKeyring().store(request)
            default:
                try services.gitKeyring().erase(request)
            }
            return 0
        } catch {
            streams.writeDiagnostic("entra-credential-helper: \(error.message)")
            return 1
        }
    }
}

/// The most a request may be; git's own are a few hundred bytes.
let inputLimit = 1 << 20
