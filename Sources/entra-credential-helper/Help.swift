enum Help {
    static let version = "0.1.0"

    static let gitUsage = "usage: entra-credential-helper git <get|store|erase> (git runs this for you: `git config --global credential.helper entra`)"

    static let dockerUsage = "Usage: docker-credential-entra <store|get|erase|list|version>"

    static func text(topic: String?) -> String {
        switch topic {
        case "git":
            return """
            entra-credential-helper git <get|store|erase>
              git's credential-helper protocol on stdin/stdout (also installed as
              git-credential-entra, so `git config --global credential.helper entra` works).
              Credentials live in the Secret Service, in git-credential-libsecret's format:
              logins stored by either helper are read by the other.
            """
        case "docker":
            return """
            entra-credential-helper docker <get|store|erase|list|version>
              docker's credential-helper protocol (also installed as docker-credential-entra,
              so `{"credsStore": "entra"}` in ~/.docker/config.json works). Logins live in the
              Secret Service, in docker-credential-secretservice's format, in both directions.
            """
        default:
            return """
            entra-credential-helper \(version): logins for git and docker, kept in the Secret Service.
            (Microsoft Entra ID sign-in for git, docker and kubectl is being built on top of this.)

            Usage:
              entra-credential-helper git <get|store|erase>                  git credential helper
              entra-credential-helper docker <get|store|erase|list|version>  docker credential helper
              entra-credential-helper help [git|docker]                      this text, or a topic
              entra-credential-helper --version

            Names: installed as git-credential-entra and docker-credential-entra too.
            Storage: the freedesktop Secret Service (gnome-keyring, KeePassXC, …) over the
              D-Bus session bus; no display is needed, every call is bounded.
            Environment:
              ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS            bound for each keyring call (default and maximum 5000)
              ENTRA_CREDENTIAL_HELPER_SECRET_TRANSPORT=encrypted  read secrets over the encrypted session too
              DISPLAY / WAYLAND_DISPLAY                           when set, a locked keyring may show its unlock prompt
            """
        }
    }
}
