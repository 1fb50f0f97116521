@testable import HelperApp
import HelperCore
import SecretStore
import Testing
@testable import EntraAuth

/// Where a doctor check finds a fault a command would fail with, its fix is that
/// `HelperError`'s fix, word for word: one wording serves both.
@Suite("doctor's fixes are the errors' fixes")
struct DoctorFixTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var label: String
        var check: String
        var fault: HelperError
        /// What doctor adds after the error's fix (an alternative only doctor can offer).
        var more = ""
        var change: @Sendable (inout FakeDoctorProbes) -> Void
        var testDescription: String { label }
    }

    static let lockDirectory = "/run/user/1000/entra-credential-helper"

    static let rows: [Row] = [
        Row(label: "no session bus", check: "session bus", fault: .noSessionBus(detail: "")) { $0.bus = nil },
        Row(label: "a dead bus", check: "session bus", fault: .noSessionBus(detail: "")) {
            $0.service = .failure(.noSessionBus(detail: "cannot connect"))
        },
        Row(label: "no provider", check: "secret service", fault: .noSecretService(detail: ""), more: " (or use --store file)") {
            $0.service = .failure(.noSecretService(detail: "x"))
        },
        Row(label: "a provider that hangs", check: "secret service", fault: .keyringTimeout(milliseconds: 500)) {
            $0.service = .failure(.keyringTimeout(milliseconds: 500))
        },
        Row(label: "no default collection", check: "keyring", fault: .noDefaultCollection) {
            $0.service = .success(SecretServiceState(providerPID: 42, defaultCollection: nil, locked: false))
        },
        Row(label: "a locked collection", check: "keyring", fault: .collectionLocked(collection: "login")) {
            $0.service = .success(SecretServiceState(providerPID: 42, defaultCollection: "login", locked: true))
            $0.env["DISPLAY"] = nil
        },
        Row(label: "an unsafe lock directory", check: "lock directory",
            fault: .unsafeLockPath(path: lockDirectory, problem: "is not a directory")) {
            $0.paths[lockDirectory] = .unsafe(path: lockDirectory, problem: "is not a directory")
        },
        Row(label: "an unsafe base of the lock directory", check: "lock directory",
            fault: .unsafeLockBase(path: "/run/user/1000", problem: "is writable by others")) {
            $0.paths[lockDirectory] = .unsafe(path: "/run/user/1000", problem: "is writable by others")
        },
        Row(label: "an unreadable config", check: "config",
            fault: .configUnreadable(path: FakeDoctorProbes.configPath, reason: "Permission denied")) {
            $0.files[FakeDoctorProbes.configPath] = .failure(.failed("Permission denied"))
        },
        Row(label: "a config that is not JSON", check: "config", fault: .configInvalid(path: "", line: nil, reason: "")) {
            $0.config("{\n \"profiles\": {\n  \"a\": }\n}\n")
        },
        Row(label: "a profile without hosts", check: "hosts", fault: .profileHasNoHosts("nohosts")) {
            $0.config(#"{"profiles": {"nohosts": {"tenant": "t", "client_id": "c"}}}"#)
        },
    ]

    @Test("the check's fix is the error's", arguments: rows)
    func sameFix(_ row: Row) throws {
        var probes = FakeDoctorProbes()
        probes.config(DoctorTests.profiles)
        row.change(&probes)
        let line = Doctor(probes: probes).run().first { $0.name == row.check && $0.status != .ok }
        let fix = try #require(row.fault.fix)
        #expect(line?.fix == fix + row.more, "\(String(describing: line))")
    }

    @Test("a config that is not JSON: the line names the file and line as the error's cause does")
    func configCause() {
        var probes = FakeDoctorProbes()
        probes.config("{\n \"profiles\": {\n  \"a\": }\n}\n")
        let line = Doctor(probes: probes).run().first { $0.name == "config" }
        var cause: String?
        do { _ = try Config.parse(Array("{\n \"profiles\": {\n  \"a\": }\n}\n".utf8), path: FakeDoctorProbes.configPath) } catch { cause = error.cause }
        #expect(cause?.hasPrefix("\(FakeDoctorProbes.configPath), line 3: ") == true)
        #expect(line?.detail == cause, "\(String(describing: line))")
    }
}
