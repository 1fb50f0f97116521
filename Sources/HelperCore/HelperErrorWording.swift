/// The words of every `HelperError`: what went wrong, and what to do about it. `message`
/// joins the two with `; `; `doctor` shows the fix beside its own finding.
extension HelperError {
    /// The fix for an unsafe lock path, shared with doctor: remove it, or tighten it.
    static func lockPathFix(_ path: String) -> String {
        let word = Sanitize.shellWord(path)
        return "remove it (`rm -r \(word)`, it is made again), or if it is your own directory, `chmod 700 \(word)`"
    }

    /// The fix for an unsafe base of the lock directory, shared with doctor: tighten it if
    /// it is yours, else use a directory of your own (never remove it).
    static func lockBaseFix(_ path: String) -> String {
        "if it is your own directory, `chmod go-w \(Sanitize.shellWord(path))`; otherwise set XDG_RUNTIME_DIR to a directory of your own"
    }

    /// The `host[:port]` of a URL as a `--host` suggestion, or HOST when it is anything
    /// but a plain host name (it is shown inside a command someone may paste).
    static func hostPattern(_ url: String) -> String {
        var rest = Substring(Sanitize.withoutUserinfo(url))
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") { rest = rest[rest.index(colon, offsetBy: 3)...] }
        var host = String(rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }).lowercased()
        if host.hasSuffix(":443") { host.removeLast(4) }
        let plain = !host.isEmpty && host.count <= 120
            && host.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-:[]".unicodeScalars.contains($0) }
        return plain ? host : "HOST"
    }

    /// The cause and the fix, before sanitising. No `default`: a new case must be worded.
    var wording: (cause: String, fix: String?) {
        switch self {
        case let .lineTooLong(line, limit):
            return ("input line \(line) is longer than \(limit) bytes", "send shorter values (nothing was read or changed)")
        case let .forbiddenCharacter(key, character):
            return ("the value of '\(key)' contains \(character), which the credential protocol forbids (CVE-2020-5260, CVE-2024-52006)",
                    "remove it from the URL or input")
        case let .malformedLine(line):
            return ("input line \(line) is not 'key=value'", "send one key=value pair per line")
        case let .invalidBoolean(key, line):
            return ("input line \(line): '\(key)' takes true or false (1, 0, yes, no, on, off)", nil)
        case let .invalidUTF8(key):
            return ("the value of '\(key)' is not valid UTF-8; the Secret Service stores text only (nothing was changed)", nil)
        case let .inputTooLarge(limit):
            return ("stdin is larger than \(limit) bytes", "a credential request is far smaller, so check what is piped in")
        case let .missingAttributes(names, action):
            return ("\(action) needs \(names.joined(separator: ", "))", "send \(names.count == 1 ? "it" : "them") on stdin (nothing was changed)")
        case let .invalidJSON(detail):
            return ("stdin is not the expected JSON (\(detail))", "send {\"ServerURL\":…,\"Username\":…,\"Secret\":…}")
        case let .usage(text):
            return (text, nil)
        case .credentialsNotFound:
            return ("credentials not found in native keychain", nil)
        case .missingServerURL:
            return ("no credentials server URL", nil)
        case .missingUsername:
            return ("no credentials username", nil)
        case let .unknownAction(action):
            return ("Unknown credential action `\(action)`", nil)
        case let .noSessionBus(detail):
            return ("no D-Bus session bus (\(detail))",
                    "the Secret Service needs one: log in to a desktop session, enable `loginctl enable-linger` for SSH, or run inside `dbus-run-session -- $SHELL`")
        case let .noSecretService(detail):
            return ("no Secret Service provider on the session bus (\(detail))",
                    "install and start one: `sudo apt-get install gnome-keyring` then `gnome-keyring-daemon --start --components=secrets`")
        case let .collectionLocked(collection):
            return ("the keyring collection '\(collection)' is locked and no display is available for an unlock prompt",
                    "unlock it with `gnome-keyring-daemon --unlock` (type the password, then Ctrl-D) and retry")
        case let .unlockDismissed(collection):
            return ("the unlock prompt for keyring collection '\(collection)' was dismissed or could not be shown",
                    "retry and enter the keyring password, or unlock it with `gnome-keyring-daemon --unlock`")
        case .noDefaultCollection:
            return ("the keyring has no default collection to store into",
                    "create one with `gnome-keyring-daemon --replace --unlock --components=secrets` (type a new password, then Ctrl-D) or in Seahorse")
        case let .keyringTimeout(ms):
            return ("the Secret Service did not answer within \(ms) ms",
                    "restart the keyring daemon (`gnome-keyring-daemon --replace --components=secrets`) and retry")
        case let .missingLibrary(detail):
            return (detail, nil)
        case let .keyringFailure(detail):
            return ("the Secret Service refused the request (\(detail))", "check the keyring daemon and retry")
        case let .invalidHostPattern(text):
            return ("'\(text.prefix(80))' is not a host pattern", "use host, host:port or *.domain, optionally followed by /path (no scheme or user)")
        case let .invalidPortRange(text):
            return ("'\(text.prefix(40))' is not a port or port range", "use N or A-B within 1-65535")
        case let .insecureAuthority(host):
            return ("the authority host '\(Sanitize.url(host, limit: 80))' must be https:// (http:// only for a loopback emulator)", nil)
        case let .invalidTenant(tenant):
            return ("'\(tenant.prefix(80))' is not a tenant", "use a tenant id, a domain, organizations or common")
        case .randomUnavailable:
            return ("the kernel's random number generator is unavailable (getrandom failed)", "check the system")
        case let .configUnreadable(path, reason):
            return ("cannot read the config file \(path) (\(reason))", "fix its permissions or point ENTRA_CREDENTIAL_HELPER_CONFIG elsewhere")
        case let .configInvalid(path, line, reason):
            return ("\(path)\(line.map { ", line \($0)" } ?? ""): \(reason)", "fix the file, or move it aside and run `entra-credential-helper profile add`")
        case let .unknownProfile(name, known):
            let list = known.isEmpty ? "none are configured" : "known: " + known.joined(separator: ", ")
            return ("no profile named '\(name.prefix(64))' (\(list))", "add it with `entra-credential-helper profile add \(name.prefix(64)) …`")
        case let .unroutedHost(server):
            return ("no profile names the host \(Sanitize.url(server, limit: 120)), so it gets no token",
                    "if it is yours, add it with `entra-credential-helper profile add NAME --preset aks --host \(Self.hostPattern(server))` (or --host on your own profile)")
        case .noClusterInfo:
            return ("kubectl sent no cluster server (KUBERNETES_EXEC_INFO has no cluster.server), so no profile can be picked for it",
                    "set `provideClusterInfo: true` in the kubeconfig user (`entra-credential-helper setup kubectl --profile P` sets it), or pass --profile P")
        case let .profileDoesNotRoute(profile, server):
            let name = Sanitize.line(profile, limit: 64)
            return ("profile \(name) does not name the cluster's host \(Sanitize.url(server, limit: 120)), so it gets no token",
                    "if that cluster is yours, re-create the profile with its host: `entra-credential-helper profile remove \(name)`, then `entra-credential-helper profile add \(name) --host \(Self.hostPattern(server)) …` with its other flags")
        case let .dotSegmentInPath(host, path):
            return ("the path '\(Sanitize.line(path, limit: 120))' on \(Sanitize.url(host, limit: 80)) holds a '.' or '..' segment (perhaps percent-encoded), which the server resolves to another path than the one its profile names, so it gets no token",
                    "use the URL without such segments")
        case let .registryExchangeFailed(registry, status, detail, profile):
            let said = detail.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(detail)"
            switch status {
            case 401, 403:
                return ("the registry \(registry) refused the Entra token of profile \(profile) (\(said))",
                        "check that the signed-in account may pull from it (the AcrPull role), or sign in as another with `entra-credential-helper login --profile \(profile)`")
            case 404:
                return ("\(registry) has no ACR token exchange (\(said) at /oauth2/exchange)", "check the registry name, or remove it from profile \(profile)'s hosts")
            default:
                return ("the registry \(registry) could not exchange the Entra token (\(said))", "retry, and check that it is an Azure Container Registry")
            }
        case .noProfile:
            return ("no profile given and no default",
                    "pass --profile NAME, add one with `entra-credential-helper profile add NAME --tenant T --client-id C`, or set AZURE_TENANT_ID and AZURE_CLIENT_ID")
        case let .profileExists(name):
            return ("a profile named '\(name)' exists already", "remove it first with `entra-credential-helper profile remove \(name)`")
        case let .wildcardOverPublicSuffix(pattern):
            let suffix = pattern.hasPrefix("*.") ? String(pattern.dropFirst(2)) : pattern
            return ("'\(pattern.prefix(80))' is a wildcard over the public suffix \(suffix.prefix(80)), where unrelated owners have their names, and every one of them would get this profile's token",
                    "name your own hosts (such as myname.\(suffix.prefix(80))), or pass --allow-public-suffix if you really mean all of them")
        case let .publicSuffixListUnavailable(path):
            return ("cannot check wildcard host patterns: the Public Suffix List \(path) is missing or unreadable",
                    "install it with `sudo apt-get install publicsuffix`, or pass --allow-public-suffix to add the pattern unchecked")
        case let .profileHasNoHosts(name):
            return ("profile '\(name.prefix(64))' names no hosts, so there is nothing to set up",
                    "re-create it with --host PATTERN (`entra-credential-helper profile remove \(name.prefix(64))`, then `profile add \(name.prefix(64)) … --host HOST`)")
        case let .unparsableFile(path, detail, fix):
            return ("\(path): \(detail)", "\(fix) (nothing was changed)")
        case let .toolFailed(command, detail, fix):
            return ("`\(command)` failed (\(detail))", fix)
        case let .fileNotWritten(path, reason):
            return ("cannot write \(path) (\(reason))", "fix its permissions and retry (the previous file was kept)")
        case let .flowNotAvailable(flow, profile):
            return ("profile \(profile) asks for --flow \(flow), which this build of entra-credential-helper cannot do yet",
                    "use --flow interactive or --flow device-code for a person's sign-in")
        case let .noCachedToken(profile):
            return ("no access token of profile \(profile) is cached", "get one with `entra-credential-helper get-token --profile \(profile)`, then inspect it")
        case let .interactionRequired(profile, reason):
            return ("\(reason), and this caller cannot show a sign-in prompt", "run `entra-credential-helper login --profile \(profile)` in a terminal, then retry")
        case let .promptCoolingDown(profile, seconds):
            return ("a sign-in for profile \(profile) was just abandoned, so automatic prompts pause for \(seconds) s more",
                    "run `entra-credential-helper login --profile \(profile)`")
        case let .signInDenied(detail):
            return ("the sign-in was refused (\(detail))", "retry `entra-credential-helper login` and approve it, or ask your administrator for access")
        case let .signInTimedOut(seconds):
            return ("the sign-in did not complete within \(seconds) s", "retry, or raise the bound with --timeout SECONDS")
        case let .signInFailed(detail):
            return ("sign-in failed: \(detail)", nil)
        case let .network(host, detail):
            return ("could not reach \(Sanitize.url(host, limit: 120)) (\(detail))",
                    "check the network, HTTPS_PROXY/NO_PROXY, and SSL_CERT_FILE behind TLS inspection (stored sign-ins were kept)")
        case let .httpUnavailable(detail):
            return ("libcurl could not be loaded (\(detail))", "install it with `sudo apt-get install libcurl4`")
        case let .badTokenResponse(detail):
            return ("the identity provider's answer was not understood (\(detail))", "retry, and check --authority-host")
        case let .listenerFailed(detail):
            return ("cannot listen for the sign-in redirect on localhost (\(detail))", "pick free ports with --port-range A-B, or use --flow device-code")
        case let .lockTimeout(path, seconds):
            return ("another sign-in held \(path) for over \(seconds) s", "finish or cancel it (or end the process holding it) and retry")
        case let .fileStoreFailure(path, reason):
            return ("cannot use the token file \(path) (\(reason))", "fix its permissions, or use the Secret Service")
        case let .unsafeLockPath(path, problem):
            return ("the sign-in lock path \(path) \(problem), so another user could hold or forge its locks", Self.lockPathFix(path))
        case let .unsafeLockBase(path, problem):
            return ("the sign-in lock directory's base \(path) \(problem), so another user could swap the lock directory", Self.lockBaseFix(path))
        }
    }
}
