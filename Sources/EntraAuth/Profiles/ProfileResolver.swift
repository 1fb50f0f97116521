import HelperCore

/// What the command line says about a profile; every field left nil keeps the
/// environment's or the config file's value.
public struct ProfileOverrides: Equatable, Sendable {
    public var tenant: String?
    public var clientID: String?
    public var scopes: [String] = []
    public var authorityHost: String?
    public var flow: Profile.Flow?
    public var loginHint: String?
    public var domainHint: String?
    public var ports: ClosedRange<Int>?

    public init() {}
}

/// Picks the profile and layers its sources: explicit flags beat the environment, and
/// the environment beats the config file.
///
/// - The Azure SDK names AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_AUTHORITY_HOST
///   apply to whichever profile is chosen.
/// - Lokka's TENANT_ID and CLIENT_ID apply only when no profile is named and no default
///   is configured; then they (or the AZURE_ names) make an ad-hoc profile called
///   "environment", scoped to Microsoft Graph unless --scope says otherwise. With Lokka's
///   CLIENT_SECRET (and not USE_INTERACTIVE=true) it uses the client-credentials flow.
public struct ProfileResolver {
    public static let environmentProfile = "environment"
    public static let defaultScopes = ["https://graph.microsoft.com/.default"]

    let config: Config
    let environment: (String) -> String?

    public init(config: Config, environment: @escaping (String) -> String?) {
        self.config = config
        self.environment = environment
    }

    public func resolve(name requested: String?, overrides: ProfileOverrides) throws(HelperError) -> Profile {
        var profile: Profile
        if let name = requested {
            guard let configured = config.profile(named: name) else {
                throw .unknownProfile(name, known: config.profiles.keys.sorted())
            }
            profile = configured
        } else if let name = config.defaultProfile, let configured = config.profile(named: name) {
            profile = configured
        } else if let tenant = overrides.tenant ?? environment("AZURE_TENANT_ID") ?? environment("TENANT_ID"),
                  let clientID = overrides.clientID ?? environment("AZURE_CLIENT_ID") ?? environment("CLIENT_ID") {
            profile = Profile(name: Self.environmentProfile, tenant: tenant, clientID: clientID, scopes: Self.defaultScopes)
            // Lokka's app-only mode: a CLIENT_SECRET, unless USE_INTERACTIVE=true asks for a
            // person. The secret is not copied: the client-credentials source reads it.
            if let secret = environment("CLIENT_SECRET"), !secret.isEmpty, environment("USE_INTERACTIVE")?.lowercased() != "true" {
                profile.flow = .clientCredentials
            }
        } else if config.profileCount == 1, let only = config.profiles.values.first {
            profile = only
        } else {
            throw .noProfile
        }
        profile = applyingEnvironment(profile)
        if let tenant = overrides.tenant { profile.tenant = tenant }
        if let clientID = overrides.clientID { profile.clientID = clientID }
        if !overrides.scopes.isEmpty { profile.scopes = overrides.scopes }
        if let host = overrides.authorityHost { profile.authorityHost = host }
        if let flow = overrides.flow { profile.flow = flow }
        if let hint = overrides.loginHint { profile.loginHint = hint }
        if let hint = overrides.domainHint { profile.domainHint = hint }
        if let ports = overrides.ports { profile.ports = ports }
        if profile.scopes.isEmpty { profile.scopes = Self.defaultScopes }
        _ = try profile.authority()
        return profile
    }

    /// AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_AUTHORITY_HOST over a profile: the chosen
    /// one, and a routed one (git, docker, kubectl) alike, so that in CI and on AKS the app
    /// they name is the one whose secret, certificate or federated token is at hand.
    public func applyingEnvironment(_ profile: Profile) -> Profile {
        var profile = profile
        if let tenant = environment("AZURE_TENANT_ID") { profile.tenant = tenant }
        if let clientID = environment("AZURE_CLIENT_ID") { profile.clientID = clientID }
        if let host = environment("AZURE_AUTHORITY_HOST") { profile.authorityHost = host }
        return profile
    }
}

/// Where the config file lives: ENTRA_CREDENTIAL_HELPER_CONFIG, else
/// $XDG_CONFIG_HOME/entra-credential-helper/config.json, else ~/.config/….
public enum ConfigFile {
    public static func path(environment: (String) -> String?) -> String {
        if let path = environment("ENTRA_CREDENTIAL_HELPER_CONFIG") { return path }
        let base = environment("XDG_CONFIG_HOME") ?? Files.home() + "/.config"
        return base + "/entra-credential-helper/config.json"
    }

    /// The config, or an empty one when the file does not exist yet.
    public static func load(path: String) throws(HelperError) -> Config {
        let bytes: [UInt8]
        do {
            bytes = try Files.read(path)
        } catch {
            switch error {
            case .missing: return Config()
            case let .failed(reason): throw .configUnreadable(path: path, reason: reason)
            }
        }
        return try Config.parse(bytes, path: path)
    }

    /// Atomic, 0600, in a 0700 directory.
    public static func save(_ config: Config, path: String) throws(HelperError) {
        do {
            try Files.writeAtomically(path, config.encoded())
        } catch {
            switch error {
            case .missing: throw .configUnreadable(path: path, reason: "its directory cannot be created")
            case let .failed(reason): throw .configUnreadable(path: path, reason: reason)
            }
        }
    }
}
