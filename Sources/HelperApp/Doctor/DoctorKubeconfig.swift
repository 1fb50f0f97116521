import EntraAuth
import HelperCore

/// What `kubectl config view` shows of the kubeconfig's users (secrets redacted).
public enum KubeconfigUsers: Equatable, Sendable {
    case noKubectl
    /// kubectl failed or did not answer in time; why.
    case unreadable(String)
    /// One entry per user, as `KubeconfigUser.viewUsersFormat` prints them.
    case users([JSONValue])
}

/// `doctor`'s kubeconfig and public-suffix checks.
extension Doctor {
    /// Users whose exec plugin runs this helper must send the cluster's server
    /// (provideClusterInfo: true): without it the helper cannot check the host, and a
    /// `--profile` then answers for whatever server the context points at.
    func kubeconfig() -> DoctorCheck {
        let name = "kubeconfig"
        switch probes.kubeconfigUsers() {
        case .noKubectl:
            return DoctorCheck(name, .ok, "kubectl is not on PATH: no kubeconfig users to check")
        case let .unreadable(why):
            return DoctorCheck(name, .warn, "`kubectl config view` failed (\(why)), so its users were not checked",
                               fix: "check KUBECONFIG and the files it names")
        case let .users(entries):
            let ours = entries.filter(KubeconfigUser.runsThisHelper)
            let lacking = ours.filter { $0["user"]?["exec"]?["provideClusterInfo"] != .bool(true) }
                .map { $0["name"]?.stringValue ?? "?" }
            if let first = lacking.first {
                let who = lacking.count == 1 ? "user \(first) runs" : "users \(lacking.joined(separator: ", ")) run"
                return DoctorCheck(name, .warn, "\(who) entra-credential-helper without provideClusterInfo: true, so the helper cannot check that the cluster's host is one its profile names",
                                   fix: "`kubectl config set-credentials \(first) --exec-provide-cluster-info=true`, or rerun `entra-credential-helper setup kubectl`")
            }
            if ours.isEmpty { return DoctorCheck(name, .ok, "no user runs entra-credential-helper") }
            return DoctorCheck(name, .ok, ours.count == 1 ? "1 user runs entra-credential-helper with provideClusterInfo: true"
                                                         : "\(ours.count) users run entra-credential-helper with provideClusterInfo: true")
        }
    }

    /// The Public Suffix List, read only when some profile has a wildcard pattern; a
    /// check line when it cannot be read (the wildcards then go unchecked).
    func publicSuffixes(_ profiles: [Profile]) -> (PublicSuffixList?, DoctorCheck?) {
        guard profiles.contains(where: { $0.hosts.contains(where: \.isWildcard) }) else { return (nil, nil) }
        let path = PublicSuffixList.path(environment: probes.environment)
        switch probes.readFile(path) {
        case let .success(bytes):
            return (PublicSuffixList(system: bytes), nil)
        case .failure:
            return (nil, DoctorCheck("public suffixes", .warn, "\(path) is missing or unreadable, so wildcard host patterns were not checked against the Public Suffix List",
                                     fix: "`sudo apt-get install publicsuffix`"))
        }
    }
}

extension KubeconfigUser {
    /// Whether a user entry's exec plugin is this helper's `kubectl` command.
    public static func runsThisHelper(_ entry: JSONValue) -> Bool {
        guard let exec = entry["user"]?["exec"], let command = exec["command"]?.stringValue,
              case let .array(args)? = exec["args"] else { return false }
        return command.split(separator: "/").last == "entra-credential-helper" && args.first?.stringValue == "kubectl"
    }
}
