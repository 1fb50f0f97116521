import HelperCore
/// The man pages, rendered in roff from the help topics themselves (`help --man [PAGE]`),
/// so a flag added to `help` is in the man page and nowhere else: scripts/build-deb.sh
/// writes them with the installed binary. Each topic goes in as preformatted text
/// (.nf), escaped so that groff prints every character as `help` does.
enum ManPage {
    static let pages = ["entra-credential-helper", "git-credential-entra", "docker-credential-entra"]

    /// The topics each page carries, in order: a section title and the help topics in it.
    static func sections(page: String) -> [(title: String, topics: [String])]? {
        switch page {
        case "entra-credential-helper":
            return [("COMMANDS", ["profile", "create-profile", "get-token", "status", "inspect", "setup", "doctor"]),
                    ("GIT, DOCKER AND KUBECTL", ["git", "docker", "kubectl"]),
                    ("FILES", ["files"]), ("EXIT STATUS", ["exit-status"]), ("EXAMPLES", ["examples"])]
        case "git-credential-entra":
            return [("DESCRIPTION", ["git"])]
        case "docker-credential-entra":
            return [("DESCRIPTION", ["docker"])]
        default:
            return nil
        }
    }

    static func render(page: String) -> String? {
        guard let sections = sections(page: page) else { return nil }
        var out = [".TH \(page.uppercased()) 1 \"\" \"entra-credential-helper \(HelperVersion.current)\" \"User Commands\"",
                   ".SH NAME"]
        switch page {
        case "entra-credential-helper":
            // `help`'s text: its Environment: part is the ENVIRONMENT section.
            let lines = Help.text(topic: nil).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let cut = lines.firstIndex(of: "Environment:") ?? lines.count
            let parts = [lines[..<cut].joined(separator: "\n"), lines[cut...].joined(separator: "\n")]
            out.append("entra-credential-helper \\- Microsoft Entra ID tokens for git, docker and kubectl, and stored logins")
            out.append(".SH DESCRIPTION")
            out += preformatted(parts[0])
            out += sections.flatMap { section($0.title, topics: $0.topics) }
            out += [".SH ENVIRONMENT"] + preformatted(parts[1])
            out += [".SH SEE ALSO", ".BR git-credential-entra (1),", ".BR docker-credential-entra (1),",
                    ".BR git (1),", ".BR docker (1),", ".BR kubectl (1)"]
        default:
            let tool = page.hasPrefix("git") ? "git" : "docker"
            out.append("\(page) \\- the \(tool) credential helper of entra-credential-helper")
            out += [".SH SYNOPSIS", ".B \(escape(page))", tool == "git" ? "get|store|erase" : "store|get|erase|list|version"]
            out += sections.flatMap { section($0.title, topics: $0.topics) }
            out += [".PP", "It is entra-credential-helper under another name: the profiles, storage, environment,",
                    "files and exit status are described in", ".BR entra-credential-helper (1).",
                    ".SH SEE ALSO", ".BR entra-credential-helper (1),", ".BR \(tool) (1)"]
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func section(_ title: String, topics: [String]) -> [String] {
        [".SH \(title)"] + topics.flatMap { preformatted(Help.text(topic: $0)) + [".PP"] }.dropLast()
    }

    /// The text as it is, line for line: no filling, no adjusting, no hyphenation.
    static func preformatted(_ text: String) -> [String] {
        [".nf"] + text.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) } + [".fi"]
    }

    /// Every character as itself on a terminal: roff's escape, the ASCII minus, quotes and
    /// accents groff would otherwise turn typographic, a leading dot, and non-ASCII by code point.
    static func escape(_ line: String) -> String {
        var out = ""
        for scalar in line.unicodeScalars {
            switch scalar {
            case "\\": out += "\\e"
            case "-": out += "\\-"
            case "'": out += "\\(aq"
            case "`": out += "\\(ga"
            case "^": out += "\\(ha"
            case "~": out += "\\(ti"
            case _ where scalar.value > 0x7E:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\[u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + "]"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out.hasPrefix(".") ? "\\&" + out : out
    }
}
