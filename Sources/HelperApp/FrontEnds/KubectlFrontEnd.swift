import EntraAuth
import HelperCore
import HelperProtocol

/// kubectl's side: the exec credential plugin (`entra-credential-helper kubectl`).
/// Errors are rendered as the commands' are (App.report): one line on stderr (kubectl shows
/// it), nothing on stdout, exit 1 (2 for a usage error).
struct KubectlFrontEnd {
    let streams: ByteStreams
    let services: Services
    var environment: (String) -> String? { services.environment }

    func run(_ words: [String]) -> Int32 {
        App.report(streams) { () throws(HelperError) in try answer(words) }
    }

    /// kubectl's exec credential plugin: KUBERNETES_EXEC_INFO in, one ExecCredential out
    /// in the same apiVersion. The cluster's server (provideClusterInfo: true) picks the
    /// profile, or must be one the --profile names: a host no profile names never gets a
    /// token. Without cluster information, --profile alone: with neither, a refusal naming
    /// provideClusterInfo: true.
    /// spec.interactive=false means no prompt, ever.
    func answer(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "kubectl", options: ["profile", "store"], flags: [])
        let request = try ExecCredentialCodec.decode(environment("KUBERNETES_EXEC_INFO"))
        let profile: Profile
        if let server = request.server {
            guard let cluster = HostRouter.Request(url: server) else { throw .unroutedHost(server) }
            if let name = args.value("profile") {
                profile = try ProfileResolver(config: try services.config(), environment: environment)
                    .resolve(name: name, overrides: ProfileOverrides())
                guard try HostRouter(profiles: [profile]).routeOrRefuse(cluster) != nil else {
                    throw .profileDoesNotRoute(profile: name, server: server)
                }
            } else {
                guard let routed = try services.route(cluster) else { throw .unroutedHost(server) }
                profile = routed
            }
        } else if let name = args.value("profile") {
            profile = try ProfileResolver(config: try services.config(), environment: environment)
                .resolve(name: name, overrides: ProfileOverrides())
        } else {
            throw .noClusterInfo  // Never the default profile, nor AZURE_TENANT_ID's, for a cluster unknown.
        }
        let engine = try services.engine(storeFlag: args.value("store"))
        let interactive: Interactivity? = request.interactive.map { $0 ? .allowed : .notAllowed }
        let token = try engine.token(profile, options: services.frontEndOptions(git: false, frontEnd: interactive))
        streams.writeOutput(ExecCredentialCodec.encode(apiVersion: request.apiVersion, token: token.token,
                                                       expirationTimestamp: Timestamp.rfc3339(token.expiresOn)))
        return 0
    }
}
