import HelperCore
import Testing

/// Every `HelperError` is a cause and a fix: `message` is the two joined by `; ` (or the
/// cause alone, for the few without a fix), byte for byte the text it had before the two
/// were split, and `fix` is what `doctor` shows for the same fault.
@Suite("each error: its cause, its fix, and the message made of them")
struct HelperErrorWordingTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let error: HelperError
        let cause: String
        let fix: String?

        init(_ error: HelperError, _ cause: String, fix: String?) {
            self.error = error
            self.cause = cause
            self.fix = fix
        }

        var testDescription: String { HelperErrorWordingTests.name(error) }
        /// The message every front end has printed for this case (tests and scripts match it).
        var message: String { fix.map { "\(cause); \($0)" } ?? cause }
    }

    static let table: [Row] = [
        Row(.lineTooLong(line: 3, limit: 65536),
            "input line 3 is longer than 65536 bytes",
            fix: "send shorter values (nothing was read or changed)"),
        Row(.forbiddenCharacter(key: "host", character: "a newline"),
            "the value of 'host' contains a newline, which the credential protocol forbids (CVE-2020-5260, CVE-2024-52006)",
            fix: "remove it from the URL or input"),
        Row(.malformedLine(line: 2),
            "input line 2 is not 'key=value'",
            fix: "send one key=value pair per line"),
        Row(.invalidBoolean(key: "quit", line: 4),
            "input line 4: 'quit' takes true or false (1, 0, yes, no, on, off)",
            fix: nil),
        Row(.invalidUTF8(key: "password"),
            "the value of 'password' is not valid UTF-8; the Secret Service stores text only (nothing was changed)",
            fix: nil),
        Row(.inputTooLarge(limit: 1_048_576),
            "stdin is larger than 1048576 bytes",
            fix: "a credential request is far smaller, so check what is piped in"),
        Row(.missingAttributes(["host"], action: "get"),
            "get needs host",
            fix: "send it on stdin (nothing was changed)"),
        Row(.missingAttributes(["protocol", "host"], action: "store"),
            "store needs protocol, host",
            fix: "send them on stdin (nothing was changed)"),
        Row(.invalidJSON("unexpected end of input"),
            "stdin is not the expected JSON (unexpected end of input)",
            fix: #"send {"ServerURL":…,"Username":…,"Secret":…}"#),
        Row(.usage("usage: entra-credential-helper get; see `entra-credential-helper help`"),
            "usage: entra-credential-helper get; see `entra-credential-helper help`",
            fix: nil),
        Row(.credentialsNotFound,
            "credentials not found in native keychain",
            fix: nil),
        Row(.missingServerURL,
            "no credentials server URL",
            fix: nil),
        Row(.missingUsername,
            "no credentials username",
            fix: nil),
        Row(.unknownAction("frob"),
            "Unknown credential action `frob`",
            fix: nil),
        Row(.noSessionBus(detail: "DBUS_SESSION_BUS_ADDRESS is not set"),
            "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)",
            fix: "the Secret Service needs one: log in to a desktop session, enable `loginctl enable-linger` for SSH, or run inside `dbus-run-session -- $SHELL`"),
        Row(.noSecretService(detail: "nothing provides org.freedesktop.secrets"),
            "no Secret Service provider on the session bus (nothing provides org.freedesktop.secrets)",
            fix: "install and start one: `sudo apt-get install gnome-keyring` then `gnome-keyring-daemon --start --components=secrets`"),
        Row(.collectionLocked(collection: "login"),
            "the keyring collection 'login' is locked and no display is available for an unlock prompt",
            fix: "unlock it with `gnome-keyring-daemon --unlock` (type the password, then Ctrl-D) and retry"),
        Row(.unlockDismissed(collection: "login"),
            "the unlock prompt for keyring collection 'login' was dismissed or could not be shown",
            fix: "retry and enter the keyring password, or unlock it with `gnome-keyring-daemon --unlock`"),
        Row(.noDefaultCollection,
            "the keyring has no default collection to store into",
            fix: "create one with `gnome-keyring-daemon --replace --unlock --components=secrets` (type a new password, then Ctrl-D) or in Seahorse"),
        Row(.keyringTimeout(milliseconds: 2000),
            "the Secret Service did not answer within 2000 ms",
            fix: "restart the keyring daemon (`gnome-keyring-daemon --replace --components=secrets`) and retry"),
        Row(.keyringFailure("denied; by policy"),
            "the Secret Service refused the request (denied; by policy)",
            fix: "check the keyring daemon and retry"),
        Row(.missingLibrary("libsecret-1.so.0 is missing; `sudo apt-get install libsecret-1-0`"),
            "libsecret-1.so.0 is missing; `sudo apt-get install libsecret-1-0`",
            fix: nil),
        Row(.invalidHostPattern("https://x.example"),
            "'https://x.example' is not a host pattern",
            fix: "use host, host:port or *.domain, optionally followed by /path (no scheme or user)"),
        Row(.invalidPortRange("0-70000"),
            "'0-70000' is not a port or port range",
            fix: "use N or A-B within 1-65535"),
        Row(.insecureAuthority("http://user:pw@login.example"),
            "the authority host 'http://login.example' must be https:// (http:// only for a loopback emulator)",
            fix: nil),
        Row(.invalidTenant("a b"),
            "'a b' is not a tenant",
            fix: "use a tenant id, a domain, organizations or common"),
        Row(.randomUnavailable,
            "the kernel's random number generator is unavailable (getrandom failed)",
            fix: "check the system"),
        Row(.configUnreadable(path: "/home/u/.config/entra-credential-helper/config.json", reason: "Permission denied"),
            "cannot read the config file /home/u/.config/entra-credential-helper/config.json (Permission denied)",
            fix: "fix its permissions or point ENTRA_CREDENTIAL_HELPER_CONFIG elsewhere"),
        Row(.configInvalid(path: "/etc/ech.json", line: 3, reason: "unknown key 'profile'"),
            "/etc/ech.json, line 3: unknown key 'profile'",
            fix: "fix the file, or move it aside and run `entra-credential-helper profile add`"),
        Row(.configInvalid(path: "/etc/ech.json", line: nil, reason: "not JSON"),
            "/etc/ech.json: not JSON",
            fix: "fix the file, or move it aside and run `entra-credential-helper profile add`"),
        Row(.unknownProfile("work", known: []),
            "no profile named 'work' (none are configured)",
            fix: "add it with `entra-credential-helper profile add work …`"),
        Row(.unknownProfile("work", known: ["ado", "acr"]),
            "no profile named 'work' (known: ado, acr)",
            fix: "add it with `entra-credential-helper profile add work …`"),
        Row(.noProfile,
            "no profile given and no default",
            fix: "pass --profile NAME, add one with `entra-credential-helper profile add NAME --tenant T --client-id C`, or set AZURE_TENANT_ID and AZURE_CLIENT_ID"),
        Row(.unroutedHost("https://user:pw@aks.example:443/x"),
            "no profile names the host https://aks.example:443/x, so it gets no token",
            fix: "if it is yours, add it with `entra-credential-helper profile add NAME --preset aks --host aks.example` (or --host on your own profile)"),
        Row(.profileDoesNotRoute(profile: "aks", server: "https://other.example:6443"),
            "profile aks does not name the cluster's host https://other.example:6443, so it gets no token",
            fix: "if that cluster is yours, re-create the profile with its host: `entra-credential-helper profile remove aks`, then `entra-credential-helper profile add aks --host other.example:6443 …` with its other flags"),
        Row(.noClusterInfo,
            "kubectl sent no cluster server (KUBERNETES_EXEC_INFO has no cluster.server), so no profile can be picked for it",
            fix: "set `provideClusterInfo: true` in the kubeconfig user (`entra-credential-helper setup kubectl --profile P` sets it), or pass --profile P"),
        Row(.dotSegmentInPath(host: "dev.azure.com", path: "/org/%2e%2e/x"),
            "the path '/org/%2e%2e/x' on dev.azure.com holds a '.' or '..' segment (perhaps percent-encoded), which the server resolves to another path than the one its profile names, so it gets no token",
            fix: "use the URL without such segments"),
        Row(.registryExchangeFailed(registry: "r.azurecr.io", status: 401, detail: "", profile: "acr"),
            "the registry r.azurecr.io refused the Entra token of profile acr (HTTP 401)",
            fix: "check that the signed-in account may pull from it (the AcrPull role), or sign in as another with `entra-credential-helper login --profile acr`"),
        Row(.registryExchangeFailed(registry: "r.azurecr.io", status: 404, detail: "not found", profile: "acr"),
            "r.azurecr.io has no ACR token exchange (HTTP 404: not found at /oauth2/exchange)",
            fix: "check the registry name, or remove it from profile acr's hosts"),
        Row(.registryExchangeFailed(registry: "r.example", status: 500, detail: "oops", profile: "acr"),
            "the registry r.example could not exchange the Entra token (HTTP 500: oops)",
            fix: "retry, and check that it is an Azure Container Registry"),
        Row(.noCachedToken(profile: "work"),
            "no access token of profile work is cached",
            fix: "get one with `entra-credential-helper get-token --profile work`, then inspect it"),
        Row(.profileExists("work"),
            "a profile named 'work' exists already",
            fix: "remove it first with `entra-credential-helper profile remove work`"),
        Row(.wildcardOverPublicSuffix("*.github.io"),
            "'*.github.io' is a wildcard over the public suffix github.io, where unrelated owners have their names, and every one of them would get this profile's token",
            fix: "name your own hosts (such as myname.github.io), or pass --allow-public-suffix if you really mean all of them"),
        Row(.publicSuffixListUnavailable(path: "/usr/share/publicsuffix/public_suffix_list.dat"),
            "cannot check wildcard host patterns: the Public Suffix List /usr/share/publicsuffix/public_suffix_list.dat is missing or unreadable",
            fix: "install it with `sudo apt-get install publicsuffix`, or pass --allow-public-suffix to add the pattern unchecked"),
        Row(.interactionRequired(profile: "work", reason: "the refresh token expired"),
            "the refresh token expired, and this caller cannot show a sign-in prompt",
            fix: "run `entra-credential-helper login --profile work` in a terminal, then retry"),
        Row(.promptCoolingDown(profile: "work", seconds: 30),
            "a sign-in for profile work was just abandoned, so automatic prompts pause for 30 s more",
            fix: "run `entra-credential-helper login --profile work`"),
        Row(.signInDenied("AADSTS65004: consent declined"),
            "the sign-in was refused (AADSTS65004: consent declined)",
            fix: "retry `entra-credential-helper login` and approve it, or ask your administrator for access"),
        Row(.signInTimedOut(seconds: 300),
            "the sign-in did not complete within 300 s",
            fix: "retry, or raise the bound with --timeout SECONDS"),
        Row(.signInFailed("AADSTS50020: user not in tenant"),
            "sign-in failed: AADSTS50020: user not in tenant",
            fix: nil),
        Row(.pastedAddress(.notTheAddress),
            "the pasted text is not the address the sign-in sent the browser to; nothing was stored",
            fix: "run the sign-in again and paste the whole address from the browser's address bar (http://localhost:PORT/?code=…)"),
        Row(.pastedAddress(.wrongState),
            "the pasted address belongs to another sign-in (its state does not match this one's); nothing was stored",
            fix: "paste the address from the URL printed by this sign-in, not an older one"),
        Row(.pastedAddress(.noTerminal),
            "the paste flow needs a terminal to paste the address into, and this process has none (/dev/tty)",
            fix: "run `entra-credential-helper login` in a terminal, or use --flow device-code"),
        Row(.pastedAddress(.ended),
            "the terminal was closed before an address was pasted; nothing was stored",
            fix: "run the sign-in again and paste the whole address from the browser's address bar (http://localhost:PORT/?code=…)"),
        Row(.network(host: "https://login.microsoftonline.com", detail: "timed out"),
            "could not reach https://login.microsoftonline.com (timed out)",
            fix: "check the network, HTTPS_PROXY/NO_PROXY, and SSL_CERT_FILE behind TLS inspection (stored sign-ins were kept)"),
        Row(.httpUnavailable("libcurl.so.4: cannot open"),
            "libcurl could not be loaded (libcurl.so.4: cannot open)",
            fix: "install it with `sudo apt-get install libcurl4`"),
        Row(.certificateUnreadable(path: "/etc/app/cert.pem", detail: "No such file or directory"),
            "cannot read the client certificate /etc/app/cert.pem (No such file or directory)",
            fix: "point AZURE_CLIENT_CERTIFICATE_PATH or --certificate at a readable PEM or PKCS#12 (.pfx) file"),
        Row(.certificatePassword(path: "/etc/app/cert.pfx", detail: "the password does not open the PKCS#12 file"),
            "cannot open the client certificate /etc/app/cert.pfx: the password does not open the PKCS#12 file",
            fix: "set the right password in AZURE_CLIENT_CERTIFICATE_PASSWORD, or store it with `entra-credential-helper profile add NAME --certificate PATH … --certificate-password-stdin`"),
        Row(.certificateNoPrivateKey(path: "/etc/app/cert.pem"),
            "the client certificate /etc/app/cert.pem holds no private key",
            fix: "use a PEM with the key and the certificate, or a PKCS#12 exported with its private key"),
        Row(.certificateNotRSA(path: "/etc/app/ec.pem", detail: "the private key is EC, not RSA"),
            "the client certificate /etc/app/ec.pem cannot sign for Entra ID: the private key is EC, not RSA",
            fix: "use an RSA key (e.g. `openssl req -x509 -newkey rsa:2048 …`) and register its certificate with the app"),
        Row(.certificateMissing(path: "/etc/app/key.pem"),
            "/etc/app/key.pem holds a private key but no certificate",
            fix: "add the certificate registered with the app to the same file (PEM), or use its PKCS#12 (.pfx)"),
        Row(.certificateKeyMismatch(path: "/etc/app/cert.pem"),
            "no certificate in /etc/app/cert.pem belongs to its private key",
            fix: "put the key together with its own certificate in the file"),
        Row(.cryptoUnavailable("libcrypto.so.3 could not be loaded"),
            "OpenSSL's libcrypto could not be loaded (libcrypto.so.3 could not be loaded)",
            fix: "install it with `sudo apt-get install libssl3`"),
        Row(.badTokenResponse("no access_token"),
            "the identity provider's answer was not understood (no access_token)",
            fix: "retry, and check --authority-host"),
        Row(.listenerFailed("Address already in use"),
            "cannot listen for the sign-in redirect on localhost (Address already in use)",
            fix: "pick free ports with --port-range A-B, or use --flow device-code"),
        Row(.lockTimeout(path: "/run/user/1000/entra-credential-helper/work.lock", seconds: 120),
            "another sign-in held /run/user/1000/entra-credential-helper/work.lock for over 120 s",
            fix: "finish or cancel it (or end the process holding it) and retry"),
        Row(.fileStoreFailure(path: "/home/u/.local/state/tokens", reason: "Permission denied"),
            "cannot use the token file /home/u/.local/state/tokens (Permission denied)",
            fix: "fix its permissions, or use the Secret Service"),
        Row(.unsafeLockPath(path: "/run/user/1000/entra-credential-helper", problem: "is writable by others (mode 0777)"),
            "the sign-in lock path /run/user/1000/entra-credential-helper is writable by others (mode 0777), so another user could hold or forge its locks",
            fix: "remove it (`rm -r '/run/user/1000/entra-credential-helper'`, it is made again), or if it is your own directory, `chmod 700 '/run/user/1000/entra-credential-helper'`"),
        Row(.unsafeLockBase(path: "/tmp/o'neil", problem: "is writable by others without the sticky bit (mode 0777)"),
            "the sign-in lock directory's base /tmp/o'neil is writable by others without the sticky bit (mode 0777), so another user could swap the lock directory",
            fix: #"if it is your own directory, `chmod go-w '/tmp/o'\''neil'`; otherwise set XDG_RUNTIME_DIR to a directory of your own"#),
        Row(.profileHasNoHosts("work"),
            "profile 'work' names no hosts, so there is nothing to set up",
            fix: "re-create it with --host PATTERN (`entra-credential-helper profile remove work`, then `profile add work … --host HOST`)"),
        Row(.unparsableFile(path: "/home/u/.docker/config.json", detail: "not JSON", fix: "fix it or move it aside"),
            "/home/u/.docker/config.json: not JSON",
            fix: "fix it or move it aside (nothing was changed)"),
        Row(.toolFailed(command: "git config --global", detail: "exit status 1", fix: "check that git is installed"),
            "`git config --global` failed (exit status 1)",
            fix: "check that git is installed"),
        Row(.fileNotWritten(path: "/home/u/.kube/config", reason: "Read-only file system"),
            "cannot write /home/u/.kube/config (Read-only file system)",
            fix: "fix its permissions and retry (the previous file was kept)"),
        Row(.missingAppSetting(flow: "client-credentials", setting: "a client secret or certificate", fix: "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"),
            "the client-credentials flow needs a client secret or certificate, which is not set",
            fix: "set AZURE_CLIENT_SECRET or AZURE_CLIENT_CERTIFICATE_PATH"),
        Row(.federatedTokenFile(path: "/var/run/secrets/azure/tokens/azure-identity-token", problem: .missing),
            "the federated token file /var/run/secrets/azure/tokens/azure-identity-token (AZURE_FEDERATED_TOKEN_FILE) does not exist",
            fix: "check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"),
        Row(.federatedTokenFile(path: "/t", problem: .unreadable("Permission denied")),
            "cannot read the federated token file /t (Permission denied)",
            fix: "make it readable by this user, or check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"),
        Row(.federatedTokenFile(path: "/t", problem: .empty),
            "the federated token file /t is empty",
            fix: "check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"),
        Row(.federatedTokenFile(path: "/t", problem: .notJWT),
            "the federated token file /t does not hold a JWT",
            fix: "check the service account token projection (AKS: the pod label azure.workload.identity/use: \"true\"), or unset AZURE_FEDERATED_TOKEN_FILE"),
        Row(.federatedTokenFile(path: "/t", problem: .expired(1800000000)),
            "the federated token in /t expired at 2027-01-15T08:00:00Z",
            fix: "the kubelet rotates it: check that the projected token is refreshed, then retry"),
        Row(.oidcRequestRefused(provider: "GitHub Actions", status: 401),
            "GitHub Actions refused the OIDC token request (HTTP 401)",
            fix: "give the job `permissions: id-token: write` (ACTIONS_ID_TOKEN_REQUEST_TOKEN is then set)"),
        Row(.oidcRequestRefused(provider: "Azure Pipelines", status: 401),
            "Azure Pipelines refused the OIDC token request (HTTP 401)",
            fix: "pass `env: SYSTEM_ACCESSTOKEN: $(System.AccessToken)` to the step, and allow the pipeline to use the service connection"),
        Row(.oidcRequestFailed(provider: "GitHub Actions", detail: "HTTP 500"),
            "GitHub Actions gave no OIDC token (HTTP 500)",
            fix: "retry; if it persists, check the job's OIDC settings"),
        Row(.appSignInRejected(clientID: "app-1", code: 7000215, detail: "AADSTS7000215: Invalid client secret provided."),
            "Entra refused the credential of app app-1 (AADSTS7000215: Invalid client secret provided.)",
            fix: "check the client secret (AZURE_CLIENT_SECRET or the stored one): it is wrong or expired"),
        Row(.appSignInRejected(clientID: "app-1", code: 70021, detail: "AADSTS70021: No matching federated identity record found."),
            "Entra refused the credential of app app-1 (AADSTS70021: No matching federated identity record found.)",
            fix: "add a federated identity credential to the app whose issuer, subject and audience match the token"),
        Row(.appSignInRejected(clientID: "app-1", code: 700024, detail: "AADSTS700024: Client assertion is not within its valid time range."),
            "Entra refused the credential of app app-1 (AADSTS700024: Client assertion is not within its valid time range.)",
            fix: "check this machine's clock (`timedatectl`), and that the assertion or federated token is fresh"),
        Row(.managedIdentityUnreachable(endpoint: "http://169.254.169.254", detail: "timed out: Connection timed out after 1000 milliseconds"),
            "no managed identity endpoint answered at http://169.254.169.254 (timed out: Connection timed out after 1000 milliseconds)",
            fix: "run this on an Azure resource with a managed identity, or choose another flow (--flow or ENTRA_CREDENTIAL_HELPER_FLOW)"),
        Row(.managedIdentityRefused(endpoint: "http://169.254.169.254", status: 400, detail: "Identity not found"),
            "the managed identity endpoint http://169.254.169.254 refused the request (HTTP 400: Identity not found)",
            fix: "check that this identity is assigned to the resource (its client id, object id or resource id)"),
        Row(.arcChallenge(problem: .outsideDirectory(path: "/tmp/x.key", directory: "/var/opt/azcmagent/tokens")),
            "the Azure Arc challenge names /tmp/x.key, which is not a file in /var/opt/azcmagent/tokens; it is not used",
            fix: "check IDENTITY_ENDPOINT: it must be the Azure Connected Machine agent's"),
        Row(.arcChallenge(problem: .unreadable(path: "/var/opt/azcmagent/tokens/k.key", reason: "Permission denied")),
            "cannot read the Azure Arc challenge's key file /var/opt/azcmagent/tokens/k.key (Permission denied)",
            fix: "run this as root or as a member of the himds group"),
        // Echoed values are sanitised in the message, the cause and the fix alike.
        Row(.configUnreadable(path: "/x\u{1B}[2J\ny", reason: "bad\u{202E}"),
            "cannot read the config file /x[2Jy (bad)",
            fix: "fix its permissions or point ENTRA_CREDENTIAL_HELPER_CONFIG elsewhere"),
        Row(.unsafeLockPath(path: "/run/\u{1B}]0;x\u{07}", problem: "is not a directory"),
            "the sign-in lock path /run/]0;x is not a directory, so another user could hold or forge its locks",
            fix: "remove it (`rm -r '/run/]0;x'`, it is made again), or if it is your own directory, `chmod 700 '/run/]0;x'`"),
    ]

    @Test("the message is the cause and the fix, unchanged; the fix is there where the case has one", arguments: table)
    func wording(_ row: Row) {
        let error = row.error
        #expect(error.message == row.message)
        #expect(error.cause == row.cause)
        #expect(error.fix == row.fix)
        #expect(error.message == Sanitize.line(error.fix.map { "\(error.cause); \($0)" } ?? error.cause, limit: 1000))
        #expect(!error.cause.isEmpty)
        if row.fix != nil { #expect(error.fix?.isEmpty == false) }
    }

    /// One name per case, with no `default`: a new case does not compile here until it is
    /// named; then raise `caseCount` and give it a row in `table`.
    static func name(_ error: HelperError) -> String {
        switch error {
        case .lineTooLong: "lineTooLong"
        case .forbiddenCharacter: "forbiddenCharacter"
        case .malformedLine: "malformedLine"
        case .invalidBoolean: "invalidBoolean"
        case .invalidUTF8: "invalidUTF8"
        case .inputTooLarge: "inputTooLarge"
        case .missingAttributes: "missingAttributes"
        case .invalidJSON: "invalidJSON"
        case .usage: "usage"
        case .credentialsNotFound: "credentialsNotFound"
        case .missingServerURL: "missingServerURL"
        case .missingUsername: "missingUsername"
        case .unknownAction: "unknownAction"
        case .noSessionBus: "noSessionBus"
        case .noSecretService: "noSecretService"
        case .collectionLocked: "collectionLocked"
        case .unlockDismissed: "unlockDismissed"
        case .noDefaultCollection: "noDefaultCollection"
        case .keyringTimeout: "keyringTimeout"
        case .keyringFailure: "keyringFailure"
        case .missingLibrary: "missingLibrary"
        case .invalidHostPattern: "invalidHostPattern"
        case .invalidPortRange: "invalidPortRange"
        case .insecureAuthority: "insecureAuthority"
        case .invalidTenant: "invalidTenant"
        case .randomUnavailable: "randomUnavailable"
        case .configUnreadable: "configUnreadable"
        case .configInvalid: "configInvalid"
        case .unknownProfile: "unknownProfile"
        case .noProfile: "noProfile"
        case .unroutedHost: "unroutedHost"
        case .profileDoesNotRoute: "profileDoesNotRoute"
        case .noClusterInfo: "noClusterInfo"
        case .dotSegmentInPath: "dotSegmentInPath"
        case .registryExchangeFailed: "registryExchangeFailed"
        case .profileExists: "profileExists"
        case .wildcardOverPublicSuffix: "wildcardOverPublicSuffix"
        case .publicSuffixListUnavailable: "publicSuffixListUnavailable"
        case .interactionRequired: "interactionRequired"
        case .promptCoolingDown: "promptCoolingDown"
        case .signInDenied: "signInDenied"
        case .signInTimedOut: "signInTimedOut"
        case .signInFailed: "signInFailed"
        case .pastedAddress: "pastedAddress"
        case .network: "network"
        case .httpUnavailable: "httpUnavailable"
        case .certificateUnreadable: "certificateUnreadable"
        case .certificatePassword: "certificatePassword"
        case .certificateNoPrivateKey: "certificateNoPrivateKey"
        case .certificateNotRSA: "certificateNotRSA"
        case .certificateMissing: "certificateMissing"
        case .certificateKeyMismatch: "certificateKeyMismatch"
        case .cryptoUnavailable: "cryptoUnavailable"
        case .badTokenResponse: "badTokenResponse"
        case .listenerFailed: "listenerFailed"
        case .lockTimeout: "lockTimeout"
        case .fileStoreFailure: "fileStoreFailure"
        case .unsafeLockPath: "unsafeLockPath"
        case .unsafeLockBase: "unsafeLockBase"
        case .profileHasNoHosts: "profileHasNoHosts"
        case .unparsableFile: "unparsableFile"
        case .toolFailed: "toolFailed"
        case .fileNotWritten: "fileNotWritten"
        case .missingAppSetting: "missingAppSetting"
        case .federatedTokenFile: "federatedTokenFile"
        case .oidcRequestRefused: "oidcRequestRefused"
        case .oidcRequestFailed: "oidcRequestFailed"
        case .appSignInRejected: "appSignInRejected"
        case .managedIdentityUnreachable: "managedIdentityUnreachable"
        case .managedIdentityRefused: "managedIdentityRefused"
        case .arcChallenge: "arcChallenge"
        case .noCachedToken: "noCachedToken"
        }
    }

    static let caseCount = 72

    @Test("the table has a row for every case")
    func everyCase() {
        #expect(Set(Self.table.map { Self.name($0.error) }).count == Self.caseCount)
    }

    @Test("a text over 1000 characters is cut once, in the message and in the cause alike")
    func longText() {
        let error = HelperError.keyringFailure(String(repeating: "x", count: 1200))
        let cut = "the Secret Service refused the request (" + String(repeating: "x", count: 959) + "…"
        #expect(error.message == cut)
        #expect(error.cause == cut)
        #expect(error.fix == "check the keyring daemon and retry")
    }
}

/// Messages as the helper printed them before cause and fix were split, copied from the
/// old wording: the rendering must not have changed a byte.
@Suite("error messages as before the split")
struct HelperErrorLiteralTests {
    static let literals: [(HelperError, String)] = [
        (.noDefaultCollection, "the keyring has no default collection to store into; create one with `gnome-keyring-daemon --replace --unlock --components=secrets` (type a new password, then Ctrl-D) or in Seahorse"),
        (.keyringTimeout(milliseconds: 5000), "the Secret Service did not answer within 5000 ms; restart the keyring daemon (`gnome-keyring-daemon --replace --components=secrets`) and retry"),
        (.credentialsNotFound, "credentials not found in native keychain"),
        (.signInTimedOut(seconds: 3), "the sign-in did not complete within 3 s; retry, or raise the bound with --timeout SECONDS"),
        (.invalidPortRange("x"), "'x' is not a port or port range; use N or A-B within 1-65535"),
        (.lockTimeout(path: "/run/l", seconds: 60), "another sign-in held /run/l for over 60 s; finish or cancel it (or end the process holding it) and retry"),
        (.interactionRequired(profile: "work", reason: "no sign-in is stored for profile work"), "no sign-in is stored for profile work, and this caller cannot show a sign-in prompt; run `entra-credential-helper login --profile work` in a terminal, then retry"),
        (.usage("kubectl: unknown option '--x'"), "kubectl: unknown option '--x'"),
    ]

    @Test("each message is the old text, byte for byte", arguments: literals)
    func literal(error: HelperError, text: String) {
        #expect(error.message == text)
    }
}
