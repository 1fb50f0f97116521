import EntraAuth
import HelperCore

/// The seed CLI's `create-profile --name N [--tenant-id T] [--client-id C] [--flow F]
/// [--scopes "A B"]` (our `--tenant` and `--scope` too, and every `profile add` option).
/// On a terminal it asks for what the flags did not give; without one it fails with one
/// line naming the missing flags, and writes nothing. It then adds the profile exactly as
/// `profile add` does.
extension ProfileCommand {
    static let createOptions = addOptions.union(["name", "tenant-id", "scopes"])

    func createProfile(_ words: [String], path: String) throws(HelperError) -> Int32 {
        let command = "create-profile"
        var args = try Arguments(words, command: command, options: Self.createOptions, flags: Self.addFlags)
        guard args.positional.count <= 1 else { throw .usage("create-profile: give the profile's name once, with --name N") }
        if let tenant = args.value("tenant-id") { args.set("tenant", [tenant]) }
        args.set("scope", args.all("scope") + args.all("scopes"))
        var name = args.value("name") ?? args.positional.first
        let needsApp = args.value("preset") == nil
        var missing: [String] = []
        if name == nil { missing.append("--name N") }
        if needsApp, args.value("tenant") == nil { missing.append("--tenant-id T") }
        if needsApp, args.value("client-id") == nil { missing.append("--client-id C") }
        if let known = name { try refuseExisting(known, path: path) }
        guard prompt.available else {
            guard missing.isEmpty else {
                throw .usage("create-profile: there is no terminal to ask on; give \(missing.joined(separator: " "))")
            }
            return try add(name: name ?? "", args, command: command, path: path)
        }
        if name == nil {
            let answer = try ask("Profile name: ", flag: "--name")
            try refuseExisting(answer, path: path)
            name = answer
        }
        if needsApp, args.value("tenant") == nil { args.set("tenant", [try ask("Tenant ID: ", flag: "--tenant-id")]) }
        if needsApp, args.value("client-id") == nil { args.set("client-id", [try ask("Client ID: ", flag: "--client-id")]) }
        if args.value("flow") == nil, let flow = prompt.ask("Flow (interactive, device-code, client-credentials; Enter for auto): "),
           !flow.isEmpty {
            args.set("flow", [flow])
        }
        if args.all("scope").isEmpty,
           let scopes = prompt.ask("Scopes, space-separated (Enter for \(ProfileResolver.defaultScopes.joined(separator: " "))): "),
           !scopes.isEmpty {
            args.set("scope", [scopes])
        }
        return try add(name: name ?? "", args, command: command, path: path)
    }

    /// A prompt's answer; an empty one is the flag missing.
    private func ask(_ question: String, flag: String) throws(HelperError) -> String {
        guard let answer = prompt.ask(question), !answer.isEmpty else {
            throw .usage("create-profile: no answer for \(question.dropLast(2).lowercased()); give \(flag)")
        }
        return answer
    }

    /// Before any question: a name already taken is refused at once.
    private func refuseExisting(_ name: String, path: String) throws(HelperError) {
        if try ConfigFile.load(path: path).profiles[name] != nil { throw .profileExists(name) }
    }
}
