import EntraAuth
import HelperCore
enum Help {
    static let version = HelperVersion.current

    static let gitUsage = "usage: entra-credential-helper git <get|store|erase> (git runs this for you: `git config --global credential.helper entra`)"

    static let dockerUsage = "Usage: docker-credential-entra <store|get|erase|list|version>"

    static let profileUsage = "usage: entra-credential-helper profile add NAME (--preset azure-devops|acr|aks | --tenant T --client-id C) [options] | list | show NAME | remove NAME; see `entra-credential-helper help profile`"

    static let setupUsage = "usage: entra-credential-helper setup git [--profile P] | docker [--profile P] [--registry HOST]... [--creds-store] | kubectl [--profile P] [--kubeconfig FILE] [--user NAME] [--command PATH] [--print]; see `entra-credential-helper help setup`"

    static let tokenFlags = """
      --profile P                 the profile (default: the config's default, the only one, or AZURE_*/TENANT_ID+CLIENT_ID)
      --scope S                   scopes, space-separated, repeatable (default: the profile's); a
                                  short name (User.Read) is Microsoft Graph's (https://graph.microsoft.com/User.Read)
      --flow auto|browser|interactive|paste|device-code|client-credentials|workload-identity|managed-identity
                                  interactive is browser; paste (auto over SSH with no display or $BROWSER): print
                                  the URL, then paste the address the browser could not load (/dev/tty)
      --output text|json          text: the bare token; json: access_token, token_type, expires_on, scope, account, tenant
      --force                     skip the access-token cache
      --port N | --port-range A-B the loopback redirect port (default: random in 49152-65535)
      --show-url                  print the sign-in URL (stderr) instead of launching a browser
      --no-qr                     no QR code of the device-code page (drawn only when stderr is a terminal;
                                  needs libqrencode4)
      --prompt select_account|login|consent|none|create
      --login-hint U  --domain-hint D
      --extra-scopes-to-consent S another resource's scope to consent to in the same browser sign-in
                                  (repeatable); its tokens then come silently from the refresh token
      --no-interactive            never prompt: fail at once with the login command to run
      --timeout SECONDS           bound for the interactive sign-in (default 180)
      --store secret-service|memory|file   where tokens live (default: the Secret Service)
      --tenant T  --client-id C  --authority-host URL   override the profile for this call
    """

    /// Which variables the app flows read (`help get-token`); SourceChoice decides.
    static let appFlowsText = """
    Callers without a person (no refresh token is kept; `help` lists the variables):
      client-credentials  AZURE_CLIENT_SECRET, or a secret stored by `profile add … --client-secret-stdin`;
                          or a certificate: AZURE_CLIENT_CERTIFICATE_PATH (else the profile's --certificate),
                          AZURE_CLIENT_CERTIFICATE_PASSWORD, AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true
      workload-identity   AZURE_FEDERATED_TOKEN_FILE (read on every acquisition), else GitHub Actions'
                          ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN, else Azure Pipelines' SYSTEM_OIDCREQUESTURI,
                          SYSTEM_ACCESSTOKEN and AZURESUBSCRIPTION_SERVICE_CONNECTION_ID (or --service-connection-id)
      managed-identity    IDENTITY_ENDPOINT with IDENTITY_HEADER (App Service) or IMDS_ENDPOINT (Arc), else
                          IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST moves it); the identity: AZURE_CLIENT_ID,
                          else the profile's --managed-identity, else the system-assigned one
      auto                workload-identity when AZURE_FEDERATED_TOKEN_FILE is set, client-credentials when
                          AZURE_CLIENT_SECRET or a certificate is, else a person's sign-in; never managed identity
                          (on a preset's profile those count only with AZURE_CLIENT_ID set)
      ENTRA_CREDENTIAL_HELPER_FLOW beats the profile's flow. AZURE_TENANT_ID, AZURE_CLIENT_ID and
      AZURE_AUTHORITY_HOST give the tenant, the app and the authority.
    """

    static func text(topic: String?) -> String {
        switch topic {
        case "profile":
            return """
            entra-credential-helper profile add NAME --tenant T --client-id C [--scope S]... [--authority-host URL]
                [--host PATTERN]... [--flow auto|browser|interactive|paste|device-code|client-credentials|workload-identity|managed-identity]
                [--login-hint U] [--domain-hint D]
                [--port N | --port-range A-B] [--kind generic|acr] [--username U] [--default]
                [--allow-public-suffix] [--client-secret-stdin] [--certificate PATH [--certificate-password-stdin]
                [--send-certificate-chain]]
                [--managed-identity system|client_id:ID|object_id:ID|resource_id:ID] [--service-connection-id ID]
            entra-credential-helper profile add NAME --preset azure-devops|acr|aks [--tenant T] [--client-id C]
            entra-credential-helper profile list | show NAME | remove NAME
            entra-credential-helper create-profile | delete-profile --name N   (see `help create-profile`)

            Presets fill in the resource scope, the usual hosts and the public client of the
            matching official tool: azure-devops uses Visual Studio's client (the one Git
            Credential Manager uses for Azure Repos), acr the Azure CLI's, aks kubelogin's AKS
            client. A custom profile needs your own app registration: a public client with the
            redirect URI http://localhost. Host patterns: host, host:port or *.domain, matched
            at a label boundary, case-insensitively; add /path (dev.azure.com/contoso) to
            bind one Azure DevOps organisation, with git's credential.useHttpPath=true.
            https only, except to loopback hosts; a host no profile names never gets a token,
            nor a path with a '.' or '..' segment (percent-encoded too). Brackets hold an IPv6
            literal ([::1]:5000). A wildcard directly over a public suffix (*.github.io,
            *.azurewebsites.net: names of unrelated owners, per Debian's publicsuffix list
            and a few shared Azure suffixes newer lists have, such as blob.core.windows.net)
            is refused unless --allow-public-suffix.
            --kind acr: docker exchanges the Entra token for an ACR token (the acr preset's
            kind). --username: the name git gets with the token before git 2.46 (default:
            the signed-in account).
            The config is $XDG_CONFIG_HOME/entra-credential-helper/config.json (or
            ENTRA_CREDENTIAL_HELPER_CONFIG), written atomically with mode 0600.
            A config that does not parse routes nothing: git and docker then answer stored
            logins only, with the error (file and line) on stderr; a host the broken file
            names anywhere gets the error and nothing else.
            """
        case "get-token", "login":
            return """
            entra-credential-helper get-token [options]   prints an access token on stdout
            entra-credential-helper login [options]       signs in (always prompts) and says who; never prints a token

            Silent first: a cached access token with 5 minutes left, then the refresh token;
            then the browser (PKCE, loopback redirect), or the device code without a display.
            \(tokenFlags)

            \(appFlowsText)
            """
        case "status", "refresh", "logout", "clear-cache":
            return """
            entra-credential-helper status [--profile P] [--output json]   account, tenant, scopes, expiry, stores; never a token;
              for an app flow also flow: (the flow that runs) and identity: (the app id, or the managed identity)
            entra-credential-helper refresh [--profile P]                  a new access token now: a person's from the
              refresh-token grant; an app flow's acquired afresh from its source (secret, certificate,
              federated token, managed identity), which keeps no refresh token
            entra-credential-helper logout [--profile P | --all]           removes refresh and cached access tokens
            entra-credential-helper clear-cache [--profile P | --all]      the same as logout (the seed CLI's name)
              from every store: the Secret Service (its access-token fallback too), the
              kernel keyring and the token file, whichever store is chosen now
            """
        case "kubectl":
            return """
            entra-credential-helper kubectl [--profile P] [--store S]
              kubectl's exec credential plugin: reads KUBERNETES_EXEC_INFO and prints one
              ExecCredential (client.authentication.k8s.io/v1 or v1beta1, as asked; v1beta1
              when kubectl sends nothing) with the token and its expiry. The cluster's server
              (provideClusterInfo: true) picks the profile by host; with --profile P it must
              be a host P names, else no token. Without cluster information, --profile alone;
              with neither, no token (set provideClusterInfo: true, as `setup kubectl` does).
              spec.interactive=false (interactiveMode: Never) never prompts.
            """
        case "setup":
            return setupText
        case "doctor":
            return """
            entra-credential-helper doctor [--output text|json]
              Checks what the helper needs and prints one line per check on stdout:
              ok, warn or fail, what was found, and for warn and fail the fix. Exit 0
              when nothing failed, 1 when a check failed (warnings do not fail).
              session bus      DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus (never autolaunched)
              secret service   a provider of org.freedesktop.secrets answers
              keyring          the default collection exists and whether it is locked
              kernel keyring   the key calls work (Docker's seccomp profile blocks them)
              lock directory   where sign-ins are serialised; writable, not open to others
              browser          BROWSER, or xdg-open with DISPLAY/WAYLAND_DISPLAY; else the
                               device code is used (a warning: fine over SSH); in WSL without
                               BROWSER: the Windows browser through wslview, else cmd.exe
              loopback         the sign-in listener binds 127.0.0.1 and ::1 (the browser's redirect);
                               in WSL: whether Windows reaches it (wslinfo --networking-mode)
              config           the config file parses (a fail names the file and line)
              hosts            each profile's host patterns; warns on a profile with none,
                               on a pattern that another profile holds equally specifically
                               (decided by name order), on a single-label host name,
                               on a wildcard directly over a public suffix
              kubeconfig       kubeconfig users that run this helper send the cluster's
                               server (provideClusterInfo: true; read with kubectl)
              clock            the system clock is plausible (2025-2099) and the kernel
                               counts it as synchronised
              Read-only: nothing is created, unlocked or stored, no token is read or
              printed, and nothing goes over the network (so the Entra authority is not
              checked, and the clock is not compared with any server). Every bus call is
              bounded by ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS (default 5000).
            """
        case "git":
            return """
            entra-credential-helper git <get|store|erase>
              git's credential-helper protocol on stdin/stdout (also installed as
              git-credential-entra, so `git config --global credential.helper entra` works).
              Credentials live in the Secret Service, in git-credential-libsecret's format:
              logins stored by either helper are read by the other. A host a profile names
              (--host) gets an Entra access token instead: a bearer credential for git ≥ 2.46,
              else username and password; store writes nothing; erase drops the rejected token.
            """
        case "docker":
            return """
            entra-credential-helper docker <get|store|erase|list|version>
              docker's credential-helper protocol (also installed as docker-credential-entra,
              so `{"credsStore": "entra"}` in ~/.docker/config.json works). Logins live in the
              Secret Service, in docker-credential-secretservice's format, in both directions.
              A registry a profile routes (--kind acr, or *.azurecr.io/.us/.cn) gets an ACR
              token instead: the Entra token is exchanged at REGISTRY/oauth2/exchange, and the
              answer is user 00000000-0000-0000-0000-000000000000 with the ACR refresh token,
              cached until 5 minutes before it expires. erase drops the cached ACR token; store
              writes nothing; list shows the profiles' registries with the stored logins.
            """
        case let topic? where seedText(topic: topic) != nil:
            return seedText(topic: topic) ?? ""
        case let topic? where manualText(topic: topic) != nil:  // files, exit-status, examples (HelpManual.swift)
            return manualText(topic: topic) ?? ""
        default:
            return """
            entra-credential-helper \(version): Microsoft Entra ID tokens for git, docker and kubectl, and stored logins.

            Usage:
              entra-credential-helper profile add|list|show|remove …         sign-in profiles
              entra-credential-helper create-profile|delete-profile --name N  the same, as entra-auth-cli names them
              entra-credential-helper login|get-token|status|refresh|logout  Entra sign-in and tokens
              entra-credential-helper inspect [--profile P]                  who, audience, scopes, expiry of the cached token
              entra-credential-helper clear-cache [--profile P]              the same as logout
              entra-credential-helper git <get|store|erase>                  git credential helper
              entra-credential-helper docker <get|store|erase|list|version>  docker credential helper
              entra-credential-helper kubectl [--profile P]                  kubectl exec credential plugin
              entra-credential-helper setup git|docker|kubectl [--profile P]  point git, docker or kubectl at this helper
              entra-credential-helper doctor                                 check the keyring, bus, browser, config and clock
              entra-credential-helper help [TOPIC]                           this text, or: profile, create-profile, get-token, login, inspect, status, setup, git, docker, kubectl, doctor, files, exit-status, examples
              entra-credential-helper help --man [PAGE]                      a man page in roff: entra-credential-helper, git-credential-entra, docker-credential-entra
              entra-credential-helper --version

            Names: installed as git-credential-entra and docker-credential-entra too.
            Storage: the freedesktop Secret Service (gnome-keyring, KeePassXC, …) over the
              D-Bus session bus; no display is needed, every call is bounded.
            Environment:
              ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS            bound for each keyring call (default 5000, 50 to 60000)
              ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT=encrypted  read and write secrets over the encrypted session
              DISPLAY / WAYLAND_DISPLAY                           when set, a locked keyring may show its unlock prompt
              SSH_CONNECTION                                      over SSH with no display or BROWSER, --flow auto pastes the redirect back
              AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_AUTHORITY_HOST
                                                                  override the profile (flags override these) for get-token,
                                                                  login, the other commands and `kubectl --profile P`; for a
                                                                  profile git, docker or kubectl picks by host, only when an
                                                                  app answers (an app flow, or auto choosing one); a person's
                                                                  profile is used as written
              TENANT_ID, CLIENT_ID, USE_INTERACTIVE               Lokka's names, used when no profile is given
              CLIENT_SECRET                                       Lokka's app-only mode: that profile uses client-credentials
              ENTRA_CREDENTIAL_HELPER_FLOW                        the flow for every profile (beats the profile's flow)
              AZURE_CLIENT_SECRET                                 client-credentials' secret (auto then chooses client-credentials)
              AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD
                                                                  client-credentials' certificate (PEM or PKCS#12) and its password
              AZURE_CLIENT_SEND_CERTIFICATE_CHAIN=true            send the chain (x5c): an app registered by subject name and issuer
              AZURE_FEDERATED_TOKEN_FILE                          workload identity's token, read on every acquisition (auto chooses it)
              ACTIONS_ID_TOKEN_REQUEST_URL, ACTIONS_ID_TOKEN_REQUEST_TOKEN
                                                                  GitHub Actions (id-token: write): workload identity's federated token
              SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN, AZURESUBSCRIPTION_SERVICE_CONNECTION_ID
                                                                  Azure Pipelines (an AzureCLI@2 task): workload identity's token
              AZURE_POD_IDENTITY_AUTHORITY_HOST                   managed identity: the IMDS address (AZURE_CLIENT_ID: a user-assigned one)
              IDENTITY_ENDPOINT, IDENTITY_HEADER                  managed identity on App Service and Container Apps
              IDENTITY_ENDPOINT, IMDS_ENDPOINT                    managed identity on an Azure Arc server (root or the himds group)
              ENTRA_CREDENTIAL_HELPER_CONFIG                      the config file's path
              ENTRA_CREDENTIAL_HELPER_STORE                       secret-service (default), memory or file
              ENTRA_CREDENTIAL_HELPER_ACCESS_CACHE=secret-service cache access tokens in the Secret Service, not the kernel keyring
              ENTRA_CREDENTIAL_HELPER_PUBLIC_SUFFIX_LIST          the Public Suffix List's path (default: Debian's publicsuffix)
              CI, GIT_TERMINAL_PROMPT=0                           with no terminal: never prompt, fail with the login command
              BROWSER                                             the browser command (else, in WSL, wslview or cmd.exe; else xdg-open)
              ENTRA_CREDENTIAL_HELPER_NO_QR=1                     no QR code with a device code (like --no-qr)
              SSL_CERT_FILE, HTTPS_PROXY, NO_PROXY                TLS inspection CA bundle and proxy
            """
        }
    }
}
