import EntraAuth
/// Topics a man page needs that the other help lacks: the files, the exit status and
/// examples (the seed CLI's among them). `help files`, `help exit-status` and
/// `help examples` print them, and ManPage renders them into entra-credential-helper(1).
extension Help {
    static let filesText = """
    $XDG_CONFIG_HOME/entra-credential-helper/config.json   (default ~/.config/…; ENTRA_CREDENTIAL_HELPER_CONFIG moves it)
      the profiles; written atomically, mode 0600 in a 0700 directory
    $XDG_RUNTIME_DIR/entra-credential-helper/   (else $XDG_CACHE_HOME/entra-credential-helper/locks, default ~/.cache/…)
      the lock directory: one interactive sign-in per profile at a time; mode 0700, ours alone
    $XDG_STATE_HOME/entra-credential-helper/tokens.json   (default ~/.local/state/…)
      the token file, used only with --store file or ENTRA_CREDENTIAL_HELPER_STORE=file
    Caches: refresh tokens in the Secret Service (the login keyring); access tokens in the
      kernel keyring (the user keyring), else in the Secret Service; nothing else on disk
    /usr/share/publicsuffix/public_suffix_list.dat   Debian's publicsuffix list (wildcard hosts)
    ~/.gitconfig, $DOCKER_CONFIG/config.json (default ~/.docker/config.json), $KUBECONFIG
    (default ~/.kube/config)   what `setup git|docker|kubectl` writes (see `help setup`)
    """

    static let exitStatusText = """
    0   success; git get with nothing to answer too (git then asks the next helper or the user)
    1   failure: one line saying why and what to do, on stderr (on stdout for docker, as its
        protocol wants): no token could be had, a keyring or network error, a cluster no
        profile routes, docker get with nothing stored for the registry, a failed doctor check
    2   usage error: an unknown command or flag, a missing or malformed value
    """

    static let examplesText = """
    Git, docker and kubectl (the configuration that `setup` writes):
      entra-credential-helper profile add work --preset azure-devops --tenant contoso.onmicrosoft.com
      entra-credential-helper setup git --profile work        # or: git config --global credential.helper entra
      entra-credential-helper profile add acr --preset acr --tenant contoso.onmicrosoft.com --host myreg.azurecr.io
      entra-credential-helper setup docker --profile acr      # ~/.docker/config.json: {"credHelpers": {"myreg.azurecr.io": "entra"}}
      entra-credential-helper profile add aks --preset aks --tenant contoso.onmicrosoft.com --host '*.azmk8s.io'
      entra-credential-helper setup kubectl --profile aks     # a kubeconfig user running `entra-credential-helper kubectl`
    Tokens:
      entra-credential-helper login --profile work            # browser, or a device code without a display
      entra-credential-helper get-token --profile work        # the bare access token on stdout
      entra-credential-helper status --profile work           # who, tenant, scopes, expiry; never a token
      entra-credential-helper logout --all
    The seed CLI's (entra-auth-cli's) names:
      entra-credential-helper create-profile --name me        # asks on the terminal for tenant id, client id, flow, scopes
      entra-credential-helper create-profile --name ci --tenant-id T --client-id C --flow client-credentials --scopes "User.Read"
      entra-credential-helper get-token --flow interactive --scope "User.Read Mail.Read"
      entra-credential-helper inspect --profile work          # account, flow, tenant, audience, scopes, expiry
      entra-credential-helper clear-cache --profile work
      entra-credential-helper delete-profile --name me
    Storage alone (git-credential-libsecret's and docker-credential-secretservice's logins):
      printf 'protocol=https\\nhost=example.com\\n\\n' | git credential-entra get
      echo registry.example.com | docker-credential-entra get
    """

    static func manualText(topic: String) -> String? {
        switch topic {
        case "files": return filesText
        case "exit-status": return exitStatusText
        case "examples": return examplesText
        default: return nil
        }
    }
}
