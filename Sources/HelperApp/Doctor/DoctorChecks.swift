import EntraAuth
import HelperCore

/// `doctor`'s remaining checks (browser, config, the profiles' hosts, clock) and its
/// output: one aligned line per check, or JSON.
extension Doctor {
    // MARK: - Browser and display

    func browser() -> DoctorCheck {
        let display = probes.environment("WAYLAND_DISPLAY").map { "WAYLAND_DISPLAY=\($0)" }
            ?? probes.environment("DISPLAY").map { "DISPLAY=\($0)" }
        let name = "browser"
        if let variable = probes.environment("BROWSER") {
            let command = SystemBrowserLauncher(environment: probes.environment).command(url: "URL")
            guard let program = command.first, let found = probes.findExecutable(program) else {
                return DoctorCheck(name, .warn, "BROWSER names '\(String((command.first ?? variable).prefix(60)))', which is not found: sign-in falls back to the device code",
                                   fix: "set BROWSER to an installed browser command (%s stands for the URL), or unset it")
            }
            return DoctorCheck(name, .ok, "BROWSER: \(found)" + (display.map { " on \($0)" } ?? ""))
        }
        if let windows = wslBrowser() { return windows }
        guard let display else {
            return DoctorCheck(name, .warn, "no display and no BROWSER: sign-in will use the device code",
                               fix: "nothing is needed over SSH (the device code works anywhere); set BROWSER to use a browser")
        }
        guard let opener = probes.findExecutable("xdg-open") else {
            return DoctorCheck(name, .warn, "\(display) but no xdg-open: sign-in will use the device code",
                               fix: "`sudo apt-get install xdg-utils`, or set BROWSER to a browser command")
        }
        return DoctorCheck(name, .ok, "\(opener) on \(display)")
    }

    // MARK: - Config

    static let addProfileFix = "add one: `entra-credential-helper profile add NAME --preset azure-devops|acr|aks` (stored git and docker logins need none)"

    /// The config file's state, and the config when it could be read.
    func config() -> (DoctorCheck, Config?) {
        let path = ConfigFile.path(environment: probes.environment)
        let name = "config"
        let bytes: [UInt8]
        switch probes.readFile(path) {
        case .failure(.missing):
            return (DoctorCheck(name, .warn, "no profiles yet (no \(path))", fix: Self.addProfileFix), nil)
        case let .failure(.failed(reason)):
            return (DoctorCheck(name, .fail, "cannot read \(path) (\(reason))", fix: Self.fix(.configUnreadable(path: path, reason: reason))), nil)
        case let .success(read):
            bytes = read
        }
        let config: Config
        do {
            config = try Config.parse(bytes, path: path)
        } catch {
            guard case .configInvalid = error else {
                return (DoctorCheck(name, .fail, error.message, fix: "fix the file"), nil)
            }
            return (DoctorCheck(name, .fail, error.cause, fix: Self.fix(error)), nil)
        }
        var store = config.store
        if let text = probes.environment("ENTRA_CREDENTIAL_HELPER_STORE") {
            guard let kind = Config.StoreKind(rawValue: text) else {
                let kinds = Config.StoreKind.allCases.map(\.rawValue).joined(separator: ", ")
                return (DoctorCheck(name, .fail, "ENTRA_CREDENTIAL_HELPER_STORE='\(text.prefix(40))' is not one of \(kinds)",
                                    fix: "unset it, or set it to one of \(kinds)"), config)
            }
            store = kind
        }
        guard !config.profiles.isEmpty else {
            return (DoctorCheck(name, .warn, "\(path): no profiles yet", fix: Self.addProfileFix), config)
        }
        let count = config.profiles.count == 1 ? "1 profile" : "\(config.profiles.count) profiles"
        let defaultName = config.defaultProfile.map { ", default \($0)" } ?? ""
        return (DoctorCheck(name, .ok, "\(path): \(count)\(defaultName); token store \(store.rawValue)"), config)
    }

    // MARK: - The profiles' hosts

    /// One line per profile: its host patterns, or why git, docker or kubectl may not
    /// reach it as meant. A pattern in another profile that is more specific is fine (it
    /// wins, by design); an equally specific overlap is decided by name order: a warning.
    /// `publicSuffixes`: when given, a wildcard directly over a public suffix is flagged.
    static func hosts(_ profiles: [Profile], publicSuffixes: PublicSuffixList? = nil) -> [DoctorCheck] {
        let sorted = profiles.sorted { $0.name < $1.name }
        return sorted.map { profile in
            let patterns = profile.hosts.map(\.description).joined(separator: " ")
            var problems: [(String, String)] = []
            if profile.hosts.isEmpty {
                problems.append(("serves no hosts, so git, docker and kubectl never route to it (get-token and --profile still work)",
                                 fix(.profileHasNoHosts(profile.name))))
            }
            for pattern in profile.hosts {
                if case let .exact(host) = pattern.kind, !host.contains("."), !HostRouter.Request(scheme: nil, host: host, port: nil).isLoopback,
                   !host.hasPrefix("[") {
                    problems.append(("'\(pattern)' is a single-label host and matches only that exact name",
                                     "use the full name (dev.azure.com) or a wildcard (*.example.com)"))
                }
                if let publicSuffixes, case let .subdomains(suffix) = pattern.kind, publicSuffixes.isPublicSuffix(suffix) {
                    problems.append(("'\(pattern)' is a wildcard over the public suffix \(suffix), so every owner of a name there gets its token",
                                     "replace it with your own hosts (such as myname.\(suffix))"))
                }
                for other in sorted where other.name != profile.name {
                    for theirs in other.hosts where overlap(pattern, theirs) && pattern.specificity == theirs.specificity {
                        let winner = min(profile.name, other.name)
                        problems.append(("'\(pattern)' is also in profile \(other.name) ('\(theirs)'); requests go to \(winner), the first by name",
                                         "remove the pattern from one of the two profiles"))
                    }
                }
            }
            let shown = "\(profile.name): " + (patterns.isEmpty ? "no hosts" : patterns)
            guard let first = problems.first else { return DoctorCheck("hosts", .ok, shown) }
            let details = problems.map(\.0).joined(separator: "; ")
            let fixes = problems.map(\.1).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
            return DoctorCheck("hosts", .warn, "\(profile.name): \(details)", fix: fixes.count == 1 ? first.1 : fixes.joined(separator: "; "))
        }
    }

    /// Whether some request could match both patterns.
    static func overlap(_ a: HostPattern, _ b: HostPattern) -> Bool {
        guard (a.port == 443 ? nil : a.port) == (b.port == 443 ? nil : b.port) else { return false }
        let shared = min(a.path.count, b.path.count)
        guard Array(a.path.prefix(shared)) == Array(b.path.prefix(shared)) else { return false }
        switch (a.kind, b.kind) {
        case let (.exact(x), .exact(y)):
            return x == y
        case let (.exact(host), .subdomains(suffix)), let (.subdomains(suffix), .exact(host)):
            return host.hasSuffix("." + suffix)
        case let (.subdomains(s), .subdomains(t)):
            return s == t || s.hasSuffix("." + t) || t.hasSuffix("." + s)
        }
    }

    // MARK: - Clock

    static let clockFix = "set the time and keep it synchronised: `timedatectl set-ntp true`, or install chrony"

    func clock() -> DoctorCheck {
        let reading = probes.clock()
        let shown = Timestamp.rfc3339(reading.now)
        if reading.now < Self.earliestSaneTime || reading.now >= Self.latestSaneTime {
            return DoctorCheck("clock", .fail, "the system clock reads \(shown), which cannot be right: every token would look expired or not yet valid",
                               fix: Self.clockFix)
        }
        if reading.synchronised == false {
            return DoctorCheck("clock", .warn, "\(shown), but the kernel does not mark the clock as synchronised; Entra refuses sign-ins when it is minutes off",
                               fix: Self.clockFix)
        }
        return DoctorCheck("clock", .ok, shown + (reading.synchronised == true ? " (synchronised)" : ""))
    }

    // MARK: - Output

    /// One line per check: status, name and detail aligned, then the fix.
    public static func render(_ checks: [DoctorCheck]) -> String {
        checks.map { check in
            let status = check.status.rawValue + String(repeating: " ", count: max(1, 6 - check.status.rawValue.count))
            let name = check.name + String(repeating: " ", count: max(1, 16 - check.name.count))
            let fix = check.fix.map { " — fix: " + oneLine($0) } ?? ""
            return status + name + oneLine(check.detail) + fix + "\n"
        }.joined()
    }

    /// `[{"name": …, "status": …, "detail": …, "fix": …}, …]` on one line.
    public static func json(_ checks: [DoctorCheck]) -> [UInt8] {
        let items: [JSONValue] = checks.map { check in
            .object(["name": .string(check.name), "status": .string(check.status.rawValue),
                     "detail": .string(oneLine(check.detail)), "fix": check.fix.map { .string(oneLine($0)) } ?? .null])
        }
        return JSON.encode(.array(items)) + [0x0A]
    }

    /// Control characters (from the environment or a D-Bus peer) become spaces; C1 and
    /// bidirectional controls are dropped (`Sanitize`).
    static func oneLine(_ text: String) -> String {
        Sanitize.line(String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : $0 })),
                      limit: 2000)
    }
}
