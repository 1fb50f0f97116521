import HelperProtocol
import SecretStore

/// git's side: decode the request, run the action, encode the answer. Errors are
/// rendered here and only here: one line on stderr, nothing on stdout, exit 1.
struct GitFrontEnd {
    let streams: ByteStreams
    let keyring: () -> GitKeyring

    func run(action: String) -> Int32 {
        switch action {
        case "get", "store", "erase": break
        default: return 0  // Unknown actions are for newer helpers: do nothing, succeed.
        }
        do throws(HelperError) {
            let request = try GitCodec.decode(streams.readInput(limit: inputLimit))
            switch action {
            case "get":
                guard let found = try keyring().get(request) else { return 0 }
                streams.writeOutput(try GitCodec.encode(found))
            case "store":
                try keyring().store(request)
            default:
                try keyring().erase(request)
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
