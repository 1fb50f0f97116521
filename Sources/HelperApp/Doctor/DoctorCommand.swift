import EntraAuth
import HelperCore
import HelperProtocol
import SecretStore

/// `doctor [--output text|json]`: one line per check on stdout (the answer), exit 1 when
/// any check failed. Read-only and bounded: see `Doctor`.
struct DoctorCommand {
    let streams: ByteStreams
    let services: Services

    func run(_ words: [String]) throws(HelperError) -> Int32 {
        let args = try Arguments(words, command: "doctor", options: ["output"], flags: [])
        let output = try args.choice("output", ["text", "json"], command: "doctor") ?? "text"
        guard args.positional.isEmpty else {
            throw .usage("doctor takes no arguments, not '\(args.positional[0].prefix(40))'; see `entra-credential-helper help doctor`")
        }
        let checks = Doctor(probes: SystemDoctorProbes(services: services)).run()
        streams.writeOutput(output == "json" ? Doctor.json(checks) : Array(Doctor.render(checks).utf8))
        return Doctor.exitStatus(checks)
    }
}

/// The real probes: the Secret Service through libsecret (bounded by
/// ENTRA_CREDENTIAL_HELPER_DBUS_TIMEOUT_MS), the kernel, the file system, a socket.
struct SystemDoctorProbes: DoctorProbes {
    let services: Services

    func environment(_ name: String) -> String? { services.environment(name) }

    func sessionBusAddress() -> String? { LibSecretStore.sessionBusAddress(environment: services.environment) }

    func secretService() -> Result<SecretServiceState, HelperError> {
        do {
            return .success(try LibSecretStore(options: services.secretStoreOptions()).state())
        } catch {
            return .failure(error)
        }
    }

    /// The program's file name from /proc/PID/cmdline (comm is cut at 15 bytes).
    func processName(_ pid: Int) -> String? {
        guard let bytes = try? Files.read("/proc/\(pid)/cmdline", limit: 65536) else { return nil }
        let program = bytes.split(separator: 0, omittingEmptySubsequences: false).first ?? []
        let name = program.split(separator: UInt8(ascii: "/")).last.map { String(decoding: $0, as: UTF8.self) } ?? ""
        return name.isEmpty ? nil : String(name.prefix(60))
    }

    func kernelKeyringUsable() -> Bool { KernelKeyring.probe() }

    func inspectPrivate(_ names: [String], below base: String) -> PathState { Files.inspectPrivate(names, below: base) }

    func findExecutable(_ name: String) -> String? { Files.findExecutable(name, searchPath: services.environment("PATH")) }

    func bindLoopback() -> Result<String, HelperError> { LoopbackListener.probe() }

    func readFile(_ path: String) -> Result<[UInt8], Files.Failure> {
        do { return .success(try Files.read(path)) } catch { return .failure(error) }
    }

    func clock() -> ClockReading { .system() }

    func wslNetworkingMode() -> String? { WSL.networkingMode() }

    /// `kubectl config view` with the users as JSON lines, bounded at 5 s.
    func kubeconfigUsers() -> KubeconfigUsers {
        guard let kubectl = findExecutable("kubectl") else { return .noKubectl }
        guard let result = Subprocess.run([kubectl, "config", "view", "-o", KubeconfigUser.viewUsersFormat], timeoutMilliseconds: 5_000) else {
            return .unreadable("it did not finish within 5 s")
        }
        guard result.status == 0 else { return .unreadable("exit status \(result.status)") }
        var users: [JSONValue] = []
        for line in result.stdout.split(separator: "\n") where line.contains(where: { !$0.isWhitespace }) {
            guard let entry = try? JSON.parse(Array(line.utf8)) else { return .unreadable("unexpected output") }
            users.append(entry)
        }
        return .users(users)
    }
}
