import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// docker's side, byte-compatible with docker-credential-helpers. A registry a profile
/// routes gets ACR tokens (AcrTokens); any other server, the stored logins. Errors are
/// rendered here and only here: the message on stdout (docker shows it), exit 1.
struct DockerFrontEnd {
    let streams: ByteStreams
    let keyring: () -> DockerKeyring
    /// The profile and registry that serve a server URL, if any (reads the config).
    let route: (String) throws(HelperError) -> (profile: Profile, registry: HostRouter.Request)?
    /// The registries the profiles name, for `list`.
    let routedRegistries: () throws(HelperError) -> [String]
    /// ACR tokens for routed registries (built only when a request is routed).
    let tokens: () throws(HelperError) -> AcrTokens

    func run(action: String?) -> Int32 {
        guard let action else {
            streams.writeOutput(Array((Help.dockerUsage + "\n").utf8))
            return 1
        }
        do throws(HelperError) {
            switch action {
            case "get":
                let server = try DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit))
                if let (profile, registry) = try route(server) {
                    streams.writeOutput(DockerCodec.encode(try tokens().get(serverURL: server, registry: registry, profile: profile)))
                } else {
                    streams.writeOutput(DockerCodec.encode(try keyring().get(serverURL: server)))
                }
            case "store":
                let credentials = try DockerCodec.decodeStore(streams.readInput(limit: inputLimit))
                guard try route(credentials.serverURL) == nil else { break }  // ours: nothing to keep
                try keyring().store(credentials)
            case "erase":
                let server = try DockerCodec.decodeServerURL(streams.readInput(limit: inputLimit))
                if let (profile, registry) = try route(server) {
                    try tokens().erase(registry: registry, profile: profile)
                } else {
                    try keyring().erase(serverURL: server)
                }
            case "list":
                var entries = try keyring().list()
                for registry in try routedRegistries() where entries[registry] == nil {
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
