import HelperCore
/// A named sign-in configuration: which tenant and app, which scopes, which hosts it
/// serves, and how to sign in.
public struct Profile: Equatable, Sendable {
    public enum Flow: String, Sendable, CaseIterable {
        case auto, browser
        case deviceCode = "device-code"
        /// Over SSH: the sign-in URL is printed, and the address the browser could not load
        /// (the loopback redirect) is pasted back into the terminal; the listener still waits.
        case paste
        /// An app's own token (a secret or a certificate), no person.
        case clientCredentials = "client-credentials"
        /// A federated token (AKS, GitHub Actions, Azure Pipelines) as the app's assertion.
        case workloadIdentity = "workload-identity"
        /// The Azure host's managed identity (IMDS, App Service, Arc).
        case managedIdentity = "managed-identity"

        /// A flow by name: its own, or the seed CLI's `interactive` for `browser`. The
        /// command line, the config file and its index all read names through this.
        public init?(name: String) {
            if name == "interactive" { self = .browser } else { self.init(rawValue: name) }
        }

        /// Every name `init(name:)` takes.
        public static let names = allCases.map(\.rawValue) + ["interactive"]

        /// Whether a person signs in (the user sign-in: refresh token, browser, paste, device code).
        public var signsInAPerson: Bool { self == .auto || self == .browser || self == .deviceCode || self == .paste }
    }

    /// What the hosts are: plain (git, kubectl: the Entra token itself is the credential)
    /// or Azure Container Registries (docker: the token is exchanged for an ACR token).
    public enum Kind: String, Sendable, CaseIterable {
        case generic, acr
    }

    public var name: String
    public var tenant: String
    public var clientID: String
    public var scopes: [String]
    public var authorityHost: String
    public var hosts: [HostPattern]
    public var flow: Flow
    public var loginHint: String?
    public var domainHint: String?
    /// The loopback listener's port, or a range to pick from (default 49152-65535).
    public var ports: ClosedRange<Int>
    /// The preset it was made from, if any (kept so `profile show` can say so).
    public var preset: String?
    public var kind: Kind = .generic
    /// The user name git is given with the token when it cannot take a bearer credential
    /// (git < 2.46); nil: the signed-in account's.
    public var username: String?
    /// For the managed-identity flow: which identity (nil: AZURE_CLIENT_ID's user-assigned
    /// one, else the system-assigned one). Config: "managed_identity".
    public var managedIdentity: ManagedIdentityID?
    /// The client certificate (PEM or PKCS#12) for client credentials; AZURE_CLIENT_CERTIFICATE_PATH
    /// beats it. Config: "certificate".
    public var certificatePath: String?
    /// Sends the certificate chain (`x5c`) with the client assertion, for an app registered
    /// by subject name and issuer; AZURE_CLIENT_SEND_CERTIFICATE_CHAIN beats it. Config:
    /// "send_certificate_chain" (true or false).
    public var sendCertificateChain = false
    /// The Azure Pipelines service connection for workload identity; beats
    /// AZURESUBSCRIPTION_SERVICE_CONNECTION_ID. Config: "service_connection_id".
    public var serviceConnectionID: String?

    public static let defaultPorts = 49152...65535

    public init(name: String, tenant: String, clientID: String, scopes: [String],
                authorityHost: String = Authority.publicCloud, hosts: [HostPattern] = [],
                flow: Flow = .auto, loginHint: String? = nil, domainHint: String? = nil,
                ports: ClosedRange<Int> = Profile.defaultPorts) {
        self.name = name
        self.tenant = tenant
        self.clientID = clientID
        self.scopes = scopes
        self.authorityHost = authorityHost
        self.hosts = hosts
        self.flow = flow
        self.loginHint = loginHint
        self.domainHint = domainHint
        self.ports = ports
    }

    /// The authority, validated (https, or http to a loopback emulator).
    public func authority() throws(HelperError) -> Authority {
        try Authority(host: authorityHost, tenant: tenant)
    }

    /// `A-B` or a single port, within 1-65535.
    public static func parsePorts(_ text: String) throws(HelperError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let low = Int(parts[0]), let high = Int(parts.count == 2 ? parts[1] : parts[0]),
              1 <= low, low <= high, high <= 65535 else { throw .invalidPortRange(text) }
        return low...high
    }
}

/// The well-known setups: the resource scope, the usual hosts, and the first-party public
/// client that the matching official tool signs in with. `--client-id` overrides it.
public enum Preset: String, Sendable, CaseIterable {
    case azureDevOps = "azure-devops"
    case acr
    case aks

    public var scopes: [String] {
        switch self {
        case .azureDevOps: return ["499b84ac-1321-427f-aa17-267ca6975798/.default"]
        case .acr: return ["https://containerregistry.azure.net/.default"]
        case .aks: return ["6dae42f8-4368-4678-94ff-3960e28e3630/.default"]
        }
    }

    public var hostPatterns: [String] {
        switch self {
        case .azureDevOps: return ["dev.azure.com", "*.visualstudio.com"]
        case .acr: return ["*.azurecr.io"]
        case .aks: return ["*.azmk8s.io"]
        }
    }

    /// Visual Studio's client (Git Credential Manager's for Azure Repos), the Azure CLI's
    /// client (what `az acr login` uses), and the AKS client kubelogin uses.
    public var clientID: String {
        switch self {
        case .azureDevOps: return "872cd9fa-d31f-45e0-9eab-6e460a02d1f1"
        case .acr: return "04b07795-8ddb-461a-bbee-02f9e1bf7b46"
        case .aks: return "80faf920-1908-4b52-b5ef-a8e7bedfc67a"
        }
    }

    public func profile(name: String, tenant: String = "organizations", clientID: String? = nil) throws(HelperError) -> Profile {
        var hosts: [HostPattern] = []
        for pattern in hostPatterns { hosts.append(try HostPattern(parsing: pattern)) }
        var profile = Profile(name: name, tenant: tenant, clientID: clientID ?? self.clientID, scopes: scopes, hosts: hosts)
        profile.preset = rawValue
        if self == .acr { profile.kind = .acr }
        return profile
    }
}
