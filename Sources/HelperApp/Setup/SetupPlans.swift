import EntraAuth
import HelperCore

/// What `setup git|docker|kubectl` writes, decided without touching anything: the git
/// URL sections for a profile's host patterns, the merged docker config.json, and the
/// kubeconfig user entry. The command runs the tools and writes the files.

/// git: one `credential.<url>` section per host pattern.
public enum GitSetup {
    public struct Entry: Equatable, Sendable {
        /// The URL of the `credential.<url>` section.
        public var url: String
        /// A `/path` pattern: git must send the path (credential.useHttpPath).
        public var useHttpPath: Bool
    }

    /// The helper list each section gets: an empty entry first resets the helpers git
    /// collected so far (a global `credential.helper store` would otherwise answer first).
    public static let helpers = ["", "entra"]

    /// Every pattern of every profile, in order, each URL once.
    public static func entries(_ profiles: [Profile]) -> [Entry] {
        var seen: Set<String> = []
        var result: [Entry] = []
        for profile in profiles {
            for pattern in profile.hosts {
                for entry in entries(pattern) where seen.insert(entry.url).inserted { result.append(entry) }
            }
        }
        return result
    }

    /// `https://host[:port][/path]`; a loopback host also gets `http://`, which
    /// HostRouter serves too (git matches a section's scheme exactly). git's `*` matches
    /// one label only: `https://*.visualstudio.com` covers a.visualstudio.com, not
    /// a.b.visualstudio.com.
    public static func entries(_ pattern: HostPattern) -> [Entry] {
        var host: String
        var loopback = false
        switch pattern.kind {
        case let .exact(name):
            host = name
            loopback = Authority.isLoopback(url: "http://" + name)
        case let .subdomains(suffix):
            host = "*." + suffix
        }
        if let port = pattern.port, port != 443 { host += ":\(port)" }
        let path = pattern.path.isEmpty ? "" : "/" + pattern.path.joined(separator: "/")
        return (loopback ? ["https", "http"] : ["https"]).map {
            Entry(url: "\($0)://\(host)\(path)", useHttpPath: !pattern.path.isEmpty)
        }
    }

    /// `git config --get-all` output as values: one per line, empty ones kept.
    public static func values(_ output: String) -> [String] {
        guard !output.isEmpty else { return [] }
        var lines = output.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}

/// docker: `credHelpers[registry] = "entra"` (and `credsStore` on request) merged into
/// config.json, every other key and value kept.
public enum DockerSetup {
    public static let helper = "entra"

    public enum Change: Equatable, Sendable {
        case helperAdded(registry: String)
        case helperReplaced(registry: String, previous: String)
        case credsStoreSet
    }

    public struct Plan: Equatable, Sendable {
        public var document: JSONValue
        public var changes: [Change] = []
        /// Registries that already use entra.
        public var unchanged: [String] = []
        /// A credsStore other than entra, left as it is.
        public var otherCredsStore: String?
    }

    public static let fix = "fix the JSON (docker cannot read it either) or move the file aside, then rerun `entra-credential-helper setup docker`"

    /// `existing`: the file's bytes, nil when there is none. Empty or blank counts as
    /// `{}`, as docker reads it. Anything else that is not a JSON object is refused.
    public static func plan(existing: [UInt8]?, path: String, registries: [String], credsStore: Bool) throws(HelperError) -> Plan {
        var top: [String: JSONValue] = [:]
        if let existing, existing.contains(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) {
            let document: JSONValue
            do {
                document = try JSON.parse(existing)
            } catch {
                throw .unparsableFile(path: path, detail: "not valid JSON: \(error.description)", fix: fix)
            }
            guard case let .object(members) = document else {
                throw .unparsableFile(path: path, detail: "not a JSON object", fix: fix)
            }
            top = members
        }
        var helpers: [String: JSONValue] = [:]
        switch top["credHelpers"] {
        case nil, .null?: break
        case let .object(members)?: helpers = members
        default: throw .unparsableFile(path: path, detail: "credHelpers is not an object", fix: fix)
        }
        var plan = Plan(document: .null)
        for registry in registries {
            switch helpers[registry] {
            case .string(helper)?:
                plan.unchanged.append(registry)
                continue
            case nil:
                plan.changes.append(.helperAdded(registry: registry))
            case let previous?:
                let text = previous.stringValue ?? String(decoding: JSON.encode(previous), as: UTF8.self)
                plan.changes.append(.helperReplaced(registry: registry, previous: text))
            }
            helpers[registry] = .string(helper)
        }
        if !helpers.isEmpty || top["credHelpers"] != nil { top["credHelpers"] = .object(helpers) }
        if credsStore {
            switch top["credsStore"] {
            case .string(helper)?: break
            case nil, .null?, .string("")?:
                top["credsStore"] = .string(helper)
                plan.changes.append(.credsStoreSet)
            case let other?:
                plan.otherCredsStore = other.stringValue ?? String(decoding: JSON.encode(other), as: UTF8.self)
            }
        }
        plan.document = .object(top)
        return plan
    }

    /// A registry as docker's credHelpers names it: host[:port], lower-case, no scheme
    /// or path. nil for anything else (wildcards, userinfo, bad names).
    public static func registryName(_ text: String) -> String? {
        guard let request = HostRouter.Request(url: text), request.path == nil || request.path == "",
              HostPattern.isHostName(HostPattern.normalise(request.host)) else { return nil }
        let host = HostPattern.normalise(request.host)
        return request.port.map { "\(host):\($0)" } ?? host
    }
}

/// kubectl: a kubeconfig user whose exec plugin runs this helper.
public struct KubeconfigUser: Equatable, Sendable {
    public static let apiVersion = "client.authentication.k8s.io/v1"
    public static let interactiveMode = "IfAvailable"

    public var name: String
    public var command: String
    public var args: [String]
    public var installHint: String

    /// `profile` nil: the cluster's server picks the profile (provideClusterInfo).
    public init(name: String, command: String, profile: String?) {
        self.name = name
        self.command = command
        args = ["kubectl"] + (profile.map { ["--profile", $0] } ?? [])
        installHint = "entra-credential-helper gets Microsoft Entra tokens for this cluster: install it "
            + "(integrations/install.sh in its repository puts it in ~/.local/bin), then run "
            + "`entra-credential-helper login\(profile.map { " --profile \($0)" } ?? "")`."
    }

    /// `kubectl config set-credentials` arguments (kubectl has no flag for installHint).
    public var setCredentialsArguments: [String] {
        ["config", "set-credentials", name, "--exec-command=\(command)", "--exec-api-version=\(Self.apiVersion)"]
            + args.map { "--exec-arg=\($0)" }
            + ["--exec-interactive-mode=\(Self.interactiveMode)", "--exec-provide-cluster-info=true"]
    }

    /// The `users:` list item, as YAML.
    public func yaml() -> String {
        """
        - name: \(Self.scalar(name))
          user:
            exec:
              apiVersion: \(Self.apiVersion)
              command: \(Self.scalar(command))
              args:
        \(args.map { "      - \(Self.scalar($0))" }.joined(separator: "\n"))
              interactiveMode: \(Self.interactiveMode)
              provideClusterInfo: true
              installHint: \(Self.scalar(installHint))

        """
    }

    /// A plain YAML scalar when that is unambiguous, else a double-quoted one (JSON
    /// escapes are valid there).
    static func scalar(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/._-".unicodeScalars.contains($0))
        } && (!text.hasPrefix("-") || text.hasPrefix("--")) && !["true", "false", "null", "yes", "no", "on", "off", "~"].contains(text.lowercased())
            && !text.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" })
        if plain { return text }
        var out: [UInt8] = []
        JSON.writeString(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public enum State: Equatable, Sendable {
        case absent
        case current
        /// Ours, but with other values (what differs).
        case outdated(String)
        /// A user of that name that is not ours (why).
        case foreign(String)
    }

    /// The output format that makes `kubectl config view` print each user entry as one
    /// JSON line (secrets redacted, since --raw is never passed); a filter would fail on a
    /// kubeconfig without users.
    public static let viewUsersFormat = #"jsonpath={range .users[*]}{@}{"\n"}{end}"#

    /// This user's entry among `viewUsersFormat` lines.
    public func entry(in lines: [JSONValue]) -> JSONValue? {
        lines.first { $0["name"]?.stringValue == name }
    }

    /// Where the user stands, given its entry as `viewJSONPath` prints it (nil: none).
    public func state(of entry: JSONValue?) -> State {
        guard let entry else { return .absent }
        guard case let .object(user)? = entry["user"] else { return .foreign("it has no settings") }
        let others = user.keys.filter { $0 != "exec" && !Self.isEmpty(user[$0]!) }.sorted()
        guard others.isEmpty else { return .foreign("it has \(others.joined(separator: ", "))") }
        guard let exec = user["exec"], case .object = exec else { return .foreign("it has no exec plugin") }
        let theirCommand = exec["command"]?.stringValue ?? ""
        let theirArgs = exec["args"].flatMap { value -> [String]? in
            guard case let .array(items) = value else { return nil }
            return items.compactMap(\.stringValue)
        } ?? []
        let base = theirCommand.split(separator: "/").last.map(String.init) ?? ""
        guard base == "entra-credential-helper" || theirCommand == command, theirArgs.first == "kubectl" else {
            return .foreign("its exec plugin runs \(theirCommand.isEmpty ? "nothing" : theirCommand)")
        }
        var differences: [String] = []
        if theirCommand != command { differences.append("command \(theirCommand)") }
        if theirArgs != args { differences.append("args \(theirArgs.joined(separator: " "))") }
        if exec["apiVersion"]?.stringValue != Self.apiVersion { differences.append("apiVersion \(exec["apiVersion"]?.stringValue ?? "-")") }
        if exec["interactiveMode"]?.stringValue != Self.interactiveMode {
            differences.append("interactiveMode \(exec["interactiveMode"]?.stringValue ?? "-")")
        }
        if exec["provideClusterInfo"] != .bool(true) { differences.append("provideClusterInfo false") }
        return differences.isEmpty ? .current : .outdated(differences.joined(separator: ", "))
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null, .string(""), .bool(false): return true
        case let .array(items): return items.isEmpty
        case let .object(members): return members.isEmpty
        default: return false
        }
    }
}
