import EntraAuth
import HelperCore

/// A small option parser: `--name value`, `--name=value`, repeatable options, switches,
/// and positional words. Anything unknown is a one-line usage error naming the help.
struct Arguments {
    private(set) var values: [String: [String]] = [:]
    private(set) var switches: Set<String> = []
    private(set) var positional: [String] = []

    /// `options` take a value; `flags` do not.
    init(_ words: [String], command: String, options: Set<String>, flags: Set<String>) throws(HelperError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--"), word.count > 2 else {
                if word.hasPrefix("-"), word != "-" {
                    throw .usage("\(command): unknown option '\(word.prefix(40))'; see `entra-credential-helper help \(command)`")
                }
                positional.append(word)
                continue
            }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let equals = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if flags.contains(name), inline == nil {
                switches.insert(name)
            } else if options.contains(name) {
                guard let value = inline ?? (index < words.count ? words[index] : nil) else {
                    throw .usage("\(command): --\(name) needs a value; see `entra-credential-helper help \(command)`")
                }
                if inline == nil { index += 1 }
                values[name, default: []].append(value)
            } else {
                throw .usage("\(command): unknown option '--\(name.prefix(40))'; see `entra-credential-helper help \(command)`")
            }
        }
    }

    func value(_ name: String) -> String? { values[name]?.last }
    /// Sets an option's values, as if given so (another name for it, or a prompt's answer).
    mutating func set(_ name: String, _ given: [String]) { values[name] = given.isEmpty ? nil : given }
    func all(_ name: String) -> [String] { values[name] ?? [] }
    func has(_ name: String) -> Bool { switches.contains(name) }

    /// A value that must be one of `choices`.
    func choice(_ name: String, _ choices: [String], command: String) throws(HelperError) -> String? {
        guard let value = value(name) else { return nil }
        guard choices.contains(value) else {
            throw .usage("\(command): --\(name) takes \(choices.joined(separator: ", ")), not '\(value.prefix(40))'")
        }
        return value
    }
}
