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
        case let .pastedAddress(problem):
            return Self.pasteWording(problem)
        case let .network(host, detail):
            return ("could not reach \(Sanitize.url(host, limit: 120)) (\(detail))",
                    "check the network, HTTPS_PROXY/NO_PROXY, and SSL_CERT_FILE behind TLS inspection (stored sign-ins were kept)")
        case let .httpUnavailable(detail):
            return ("libcurl could not be loaded (\(detail))", "install it with `sudo apt-get install libcurl4`")
        case let .certificateUnreadable(path, detail):
            return ("cannot read the client certificate \(path) (\(detail))",
                    "point AZURE_CLIENT_CERTIFICATE_PATH or --certificate at a readable PEM or PKCS#12 (.pfx) file")
        case let .certificatePassword(path, detail):
            return ("cannot open the client certificate \(path): \(detail)",
                    "set the right password in AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-credential-helper profile add NAME --certificate PATH … --certificate-password-stdin`")
        case let .certificateNoPrivateKey(path):
            return ("the client certificate \(path) holds no private key",
                    "use a PEM with the key and the certificate, or a PKCS#12 exported with its private key")
        case let .certificateNotRSA(path, detail):
            return ("the client certificate \(path) cannot sign for Entra ID: \(detail)",
                    "use an RSA key (e.g. `openssl req -x509 -newkey rsa:2048 …`) and register its certificate with the app")
        case let .certificateMissing(path):
            return ("\(path) holds a private key but no certificate",
                    "add the certificate registered with the app to the same file (PEM), or use its PKCS#12 (.pfx)")
        case let .certificateKeyMismatch(path):
            return ("no certificate in \(path) belongs to its private key",
                    "put the key together with its own certificate in the file")
        case let .cryptoUnavailable(detail):
            return ("OpenSSL's libcrypto could not be loaded (\(detail))", "install it with `sudo apt-get install libssl3`")
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
        case let .missingAppSetting(flow, setting, fix):
            return ("the \(flow) flow needs \(setting), which is not set", fix)
        case let .federatedTokenFile(path, problem):
            return Self.federatedWording(path: Sanitize.line(path, limit: 200), problem: problem)
        case let .oidcRequestRefused(provider, status):
            let fix = provider == "GitHub Actions"
                ? "give the job `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_TOKEN is then set)"
                : "pass `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step, and allow the pipeline to use the service connection"
            return ("\(provider) refused the OIDC token request (HTTP \(status))", fix)
        case let .oidcRequestFailed(provider, detail):
            return ("\(provider) gave no OIDC token (\(detail))", "retry; if it persists, check the job's OIDC settings")
        case let .appSignInRejected(clientID, code, detail):
            return ("Entra refused the credential of app \(Sanitize.line(clientID, limit: 64)) (\(detail))", Self.appRejectionFix(code))
        case let .managedIdentityUnreachable(endpoint, detail):
            return ("no managed identity endpoint answered at \(Sanitize.url(endpoint, limit: 120)) (\(detail))",
                    "run this on an Azure resource with a managed identity, or choose another flow (--flow or ENTRA_CREDENTIAL_HELPER_FLOW)")
        case let .managedIdentityRefused(endpoint, status, detail):
            let cause = "the managed identity endpoint \(Sanitize.url(endpoint, limit: 120)) refused the request (HTTP \(status)\(detail.isEmpty ? "" : ": " + detail))"
            return status == 400
                ? (cause, "check that this identity is assigned to the resource (its client id, object id or resource id)")
                : (cause, "retry later")
        case let .arcChallenge(problem):
            return Self.arcWording(problem)
        }
    }

    static func federatedWording(path: String, problem: FederatedTokenProblem) -> (cause: String, fix: String?) {
        let fix = "check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"
        switch problem {
        case .missing: return ("the federated token file \(path) (AZURE_FEDERATED_TOKEN_FILE) does not exist", fix)
        case let .unreadable(reason): return ("cannot read the federated token file \(path) (\(reason))", "make it readable by this user, or \(fix)")
        case .empty: return ("the federated token file \(path) is empty", fix)
        case .notJWT: return ("the federated token file \(path) does not hold a JWT", fix)
        case let .expired(exp): return ("the federated token in \(path) expired at \(Timestamp.rfc3339(exp))",
                                        "the kubelet rotates it: check that the projected token is refreshed, then retry")
        }
    }

    /// What to do about an app credential Entra refused, by its AADSTS code.
    static func appRejectionFix(_ code: Int?) -> String {
        switch code {
        case 700016: return "check the client id (AZURE_CLIENT_ID) and the tenant (AZURE_TENANT_ID): no such app is registered there"
        case 7000215: return "check the client secret (AZURE_CLIENT_SECRET or the stored one): it is wrong or expired"
        case 700027: return "register the certificate on the app, or use the key that belongs to the registered one"
        case 70021: return "add a federated identity credential to the app whose issuer, subject and audience match the token"
        // Not within its valid time range by Entra's clock (5 minutes of skew are allowed).
        case 700024: return "check this machine's clock (`timedatectl`), and that the assertion or federated token is fresh"
        default: return "check the profile's tenant, client id and credential"
        }
    }
}
