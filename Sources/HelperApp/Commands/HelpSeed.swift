import EntraAuth
/// Help for the seed CLI's (entra-auth-cli's) command names, which work beside ours.
extension Help {
    static let createProfileText = """
    entra-credential-helper create-profile --name N [--tenant-id T] [--client-id C]
        [--flow interactive|device-code|client-credentials|…] [--scopes "A B"] [any profile add option]
      Adds a profile as `profile add` does (--tenant and --scope are taken too). On a
      terminal it asks there (/dev/tty, never stdout) for what the flags did not give:
      Tenant ID, Client ID, Flow (Enter: auto) and Scopes (Enter: Microsoft Graph's
      .default). Without a terminal it asks nothing: a missing --name, --tenant-id or
      --client-id is one line naming them, and nothing is written.
    entra-credential-helper delete-profile --name N   removes it, as `profile remove N`
    """

    static let inspectText = """
    entra-credential-helper inspect [--profile P] [--scope S] [--output text|json]
      What the cached access token says: the account (or the app), the profile's flow,
      the tenant, the audience, the scopes (scp) or the app roles (roles), and the expiry;
      never the token itself. Values are shown clean of control characters. It reads the
      access-token cache only: no network, no sign-in and no refresh (as the seed's
      inspect). Without a cached token with 5 minutes left it fails with one line: run
      get-token first.
    """

    static func seedText(topic: String) -> String? {
        switch topic {
        case "create-profile", "delete-profile": return createProfileText
        case "inspect": return inspectText
        default: return nil
        }
    }
}
