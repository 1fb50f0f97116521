import EntraAuth
extension Help {
    static let setupText = """
    entra-credential-helper setup git [--profile P]
    entra-credential-helper setup docker [--profile P] [--registry HOST]... [--creds-store]
    entra-credential-helper setup kubectl [--profile P] [--kubeconfig FILE] [--user NAME] [--command PATH] [--print]

    Points git, docker or kubectl at this helper for a profile's hosts. Running it again
    changes nothing: each run says what it changed, or that all was set up already, on
    stderr (only --print writes to stdout). Nothing is written when an input is wrong.

    git: for each host pattern of the profile (no --profile: every profile with hosts but the acr ones),
      through `git config --global` (so GIT_CONFIG_GLOBAL and HOME count as git counts them):
        [credential "https://HOST"]
            helper =          (empty: git skips the helpers it found before, e.g. a global
            helper = entra     credential.helper store, for this URL only)
      A /path pattern also gets useHttpPath = true, so git sends the path; git compares
      paths case-sensitively. A loopback host gets an http:// section too. git's * matches
      one label: https://*.visualstudio.com covers org.visualstudio.com, not a.b.visualstudio.com.
      git runs git-credential-entra, which must be on PATH (integrations/install.sh, or the .deb).

    docker: merges into $DOCKER_CONFIG/config.json (default ~/.docker/config.json):
        "credHelpers": {"REGISTRY": "entra"}
      for the exact hosts of the acr profiles (no --profile: every profile of kind acr) and
      each --registry HOST (it must be a host an acr profile names, e.g. myreg.azurecr.io
      under *.azurecr.io). A wildcard cannot go in credHelpers: name the registries.
      --creds-store also sets "credsStore": "entra" (stored logins for every other
      registry) when no credsStore is set; another credsStore is left as it is.
      Every other key and value is kept (keys are sorted, two-space indented); the previous
      file is kept as config.json.bak-TIMESTAMP; the new one is written atomically, mode 0600.
      A file that is not valid JSON is refused and left untouched.

    kubectl: adds the user NAME (default entra-P, or entra without --profile) to FILE
      (default: the first file in $KUBECONFIG, else ~/.kube/config) with real
      `kubectl config set-credentials`: exec apiVersion client.authentication.k8s.io/v1,
      command PATH (default: this binary's absolute path), args kubectl [--profile P],
      interactiveMode IfAvailable, provideClusterInfo true (without --profile the cluster's
      server picks the profile by host). The previous file is kept as FILE.bak-TIMESTAMP.
      A user NAME that runs something else is refused: pick another --user. kubectl has no
      flag for installHint, so only the printed entry carries it. --print (or no kubectl on
      PATH) prints the users: entry on stdout instead of changing anything.
      Then: kubectl config set-context --current --user NAME.

    Ready-made snippets: integrations/git/gitconfig, integrations/docker/config.json,
    integrations/kubectl/kubeconfig-user.yaml.
    """
}
