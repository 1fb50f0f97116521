import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// docker's side, byte-compatible with docker-credential-helpers. A registry a profile
/// routes gets ACR tokens (AcrTokens); any other server, the stored logins. Errors are
/// rendered here and only here: the message on stdout (docker shows it), exit 1.
struct DockerFrontEnd {
    let streams: ByteStreams
    /// The router (reads the config), the ACR tokens (built only when a request is
    /// routed) and the keyring for every other server.
    let services: Services

    func run(action: String?) -> Int32 {
        guard let action else {
            streams.writeOutput(Array((Help.dockerUsage + "\n").utf8))
            return 1
        }
        do throws(HelperError) {
            switch action {
            case "get":
                let server = try DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit))
                if let (profile, registry) = try services.dockerRoute(server) {
                    streams.writeOutput(DockerCodec.encode(try services.acrTokens().get(serverURL: server, registry: registry, profile: profile)))
                } else {
                    streams.writeOutput(DockerCodec.encode(try services.dockerKeyring().get(serverURL: server)))
                }
            case "store":
                let credentials = try DockerCodec.decodeStore(streams.readInput(limit: inputLimit))
                guard try services.dockerRoute(credentials.serverURL) == nil else { break }  // ours: nothing to keep
                try services.dockerKeyring().store(credentials)
            case "erase":
                let server = try DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit))
                if let (profile, registry) = try services.dockerRoute(server) {
                    try services.acrTokens().erase(registry: registry, profile: profile)
                } else {
                    try services.dockerKeyring().erase(serverURL: server)
                }
            case "list":
                var entries = try services.dockerKeyring().list()
                for registry in AcrTokens.listed(profiles: try services.routableProfiles(host: nil) ?? []) where entries[registry] == nil {
                    entries[registry] = AcrTokens.username
                }
                streams.writeOutput(DockerCodec.encodeList(entries))
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
