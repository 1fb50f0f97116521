import Foundation
import Testing

/// The man pages cannot drift from `help` (issue 12): each page, rendered by the real `man`
/// from `help --man PAGE`, holds every line of its help topics as `help TOPIC` prints it,
/// every flag the commands' parsers take and the bash completion offers, and every variable
/// the sources read.
@Suite("man pages")
struct ManPageTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// What a reader sees: `man -l` on the page the binary renders, overstrikes removed, spaces kept (no tabs).
    static func rendered(_ page: String) throws -> Set<String> {
        let script = #"set -o pipefail; "$0" help --man "$1" | man -l - | col -bx"#
        let outcome = try run(["bash", "-c", script, Harness.binary, page],
                              environment: ["LC_ALL": "C.UTF-8", "MANWIDTH": "80", "MAN_DISABLE_SECCOMP": "1", "MANPAGER": "cat"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stderr.isEmpty, "man or groff complained: \(outcome.stderr)")
        return Set(outcome.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
    }

    static func help(_ topic: String?) throws -> String {
        try run([Harness.binary, "help"] + (topic.map { [$0] } ?? [])).stdout
    }

    /// The topics `help` itself lists ("this text, or: profile, create-profile, …").
    static func helpTopics() throws -> [String] {
        let line = try help(nil).split(separator: "\n").first { $0.contains("this text, or: ") } ?? ""
        let list = line.components(separatedBy: "this text, or: ").last ?? ""
        return list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    @Test("each page holds every line of its help topics", arguments: [
        ("entra-credential-helper", nil), ("git-credential-entra", ["git"]), ("docker-credential-entra", ["docker"]),
    ] as [(String, [String]?)])
    func everyLine(page: String, topics: [String]?) throws {
        let shown = try Self.rendered(page)
        let names: [String?] = try topics ?? ([nil] + Self.helpTopics())
        #expect(names.count > 10 || topics != nil, "help lists its topics: \(names)")
        var missing: [String] = []
        for topic in names {
            for line in try Self.help(topic).split(separator: "\n") {
                let text = line.trimmingCharacters(in: .whitespaces)
                if !text.isEmpty, !shown.contains(text) { missing.append("help \(topic ?? ""): \(text)") }
            }
        }
        #expect(missing.isEmpty, "not in \(page)(1):\n\(missing.joined(separator: "\n"))")
    }

    /// The Swift sources under Sources/ (relative path, text).
    static func sources(_ folder: String) throws -> [String] {
        let root = repository.appendingPathComponent(folder)
        return try (FileManager.default.enumerator(atPath: root.path)?.allObjects as? [String] ?? [])
            .filter { $0.hasSuffix(".swift") }
            .map { try String(contentsOf: root.appendingPathComponent($0), encoding: .utf8) }
    }

    @Test("entra-credential-helper(1) names every flag the parsers take and the completion offers")
    func everyFlag() throws {
        let page = try Self.rendered("entra-credential-helper").joined(separator: "\n")
        // What the commands accept: the names in each `Arguments(…, options: […], flags: […])`
        // and in the option sets they pass (tokenOptions, addFlags, createOptions' union, …).
        var accepted = Set<String>()
        for text in try Self.sources("Sources/HelperApp") {
            for list in Self.matches(#"(?:options|flags|Options|Flags)(?:: Set<String>)? *[:=] *\[([^\]]*)\]"#, in: text, group: 1)
                + Self.matches(#"\.union\(\[([^\]]*)\]\)"#, in: text, group: 1) {
                accepted.formUnion(Self.matches(#""([a-z][a-z-]*)""#, in: list, group: 1).map { "--" + $0 })
            }
        }
        #expect(accepted.isSuperset(of: ["--profile", "--client-secret-stdin", "--creds-store", "--tenant-id", "--kubeconfig"]), "\(accepted.sorted())")
        let completion = try String(contentsOf: Self.repository.appendingPathComponent(
            "integrations/completion/entra-credential-helper.bash"), encoding: .utf8)
        let offered = Set(Self.matches(#"--[a-z][a-z-]+"#, in: completion)).subtracting(["--help"])  // every command's
        let missing = accepted.union(offered).filter { !page.contains($0) }.sorted()
        #expect(missing.isEmpty, "not in the page: \(missing)")
    }

    @Test("entra-credential-helper(1) names every variable the sources read")
    func everyVariable() throws {
        let page = try Self.rendered("entra-credential-helper").joined(separator: "\n")
        var names = Set<String>()
        for text in try Self.sources("Sources") {
            names.formUnion(Self.matches(#"environment\("([A-Z_]+)"\)"#, in: text, group: 1))
        }
        names.remove("GIT_EXEC_PATH")  // git sets it for the commands it runs; nothing for a user to set
        #expect(names.count > 20)
        let missing = names.filter { !page.contains($0) }.sorted()
        #expect(missing.isEmpty, "not in the page: \(missing)")
    }

    @Test("an unknown page is a usage error naming the pages")
    func unknownPage() throws {
        let outcome = try run([Harness.binary, "help", "--man", "nope"])
        #expect(outcome.status == 2 && outcome.stdout.isEmpty)
        #expect(outcome.stderr.contains("git-credential-entra, docker-credential-entra"))
    }

    static func matches(_ pattern: String, in text: String, group: Int = 0) -> [String] {
        let regex = try! NSRegularExpression(pattern: pattern)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: group), in: text).map { String(text[$0]) }
        }
    }
}
