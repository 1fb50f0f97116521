import HelperProtocol
import SecretStore

/// docker's side, byte-compatible with docker-credential-helpers. Errors are rendered
/// here and only here: the message on stdout (docker shows it), exit 1.
struct DockerFrontEnd {
    let streams: ByteStreams
    let keyring: () -> DockerKeyring

    func run(action: String?) -> Int32 {
        guard let action else {
            streams.writeOutput(Array((Help.dockerUsage + "\n").utf8))
            return 1
        }
        do throws(HelperError) {
            switch action {
            case "get":
                let server = try DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit))
                streams.writeOutput(DockerCodec.encode(try keyring().get(serverURL: server)))
            case "store":
                try keyring().store(DockerCodec.decodeStore(streams.readInput(limit: inputLimit)))
            case "erase":
                try keyring().erase(serverURL: DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit)))
            case "list":
                streams.writeOutput(DockerCodec.encodeList(try keyring().list()))
            case "version", "--version", "-v":
                streams.writeOutput(Array((Help.version + "\n").utf8))
            case "--help", "-h":
                streams.writeOutput(Array((Help.dockerUsage + "\n").utf8))
            default:
                throw .unknownAction(action)
            }
            return 0
        } catch {
            streams.writeOutput(Array((error.message + "\n").utf8))
            return 1
        }
    }
}
