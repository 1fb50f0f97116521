import Foundation
import Testing

/// The device code's QR code, as a person sees it: the real binary signs in through the
/// emulator's device code with its stderr on a real pseudo-terminal; the drawing is
/// rendered to a PNG and read back with zbar (Support/qr-terminal.py).
@Suite("device code QR code", .enabled(if: Harness.keyringReady && Harness.which("zbarimg") != nil))
struct QRCodeIntegrationTests {
    static var script: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Support/qr-terminal.py").path
    }

    /// Runs the helper with stderr on a pseudo-terminal, approving its device code at the
    /// emulator; returns its exit status and its stderr as the terminal got it.
    static func onTerminal(_ world: SignInWorld, _ arguments: [String]) throws -> (status: Int32, terminal: String) {
        let file = world.outputs.file("terminal-\(UUID().uuidString)")
        var env = Harness.environment
        for key in SignInWorld.unset { env[key] = nil }
        env.merge(world.environment) { _, new in new }
        let child = try Spawned(["python3", script, "run", file, "--", Harness.binary] + arguments, environment: env,
                                stdout: world.outputs.file("terminal.out"), stderr: world.outputs.file("terminal.err"))
        let code = try world.emulator.approveDeviceCode()
        let status = child.wait()
        let terminal = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
        #expect(terminal.contains(code), "the device code \(code) is not on the terminal: \(terminal)")
        return (status, terminal)
    }

    /// The verification URL the device-code message names.
    static func shownURL(_ stderr: String) -> String? {
        guard let range = stderr.range(of: "open the page ") else { return nil }
        return String(stderr[range.upperBound...].prefix { !$0.isWhitespace })
    }

    static func drawsNothing(_ stderr: String) -> Bool {
        !stderr.contains("\u{1B}[30;107m") && !stderr.contains("\u{2580}") && !stderr.contains("\u{2584}")
    }

    @Test("on a terminal the device code comes with a QR code that zbar reads as the URL shown",
          arguments: ["get-token", "login"])
    func decodesToURL(command: String) throws {
        let world = try SignInWorld()
        let (status, terminal) = try Self.onTerminal(world, [command, "--flow", "device-code"])
        #expect(status == 0, "\(terminal)")
        let url = try #require(Self.shownURL(terminal), "no device-code message: \(terminal)")
        #expect(url == "\(world.authority)/devicelogin")
        let saved = world.outputs.file("qr-\(command).txt")
        try terminal.write(toFile: saved, atomically: true, encoding: .utf8)
        let read = try run(["python3", Self.script, "decode", saved, world.outputs.file("qr-\(command).png")])
        #expect(read.status == 0, "\(read.stderr)")
        #expect(read.stdout.trimmingCharacters(in: .newlines) == url)
    }

    @Test("--no-qr, ENTRA_CREDENTIAL_HELPER_NO_QR=1: the device code on a terminal without a QR code",
          arguments: [(["--no-qr"], [:]), ([], ["ENTRA_CREDENTIAL_HELPER_NO_QR": "1"])] as [([String], [String: String])])
    func turnedOff(flags: [String], environment: [String: String]) throws {
        let world = try SignInWorld()
        world.extra.merge(environment) { _, new in new }
        let (status, terminal) = try Self.onTerminal(world, ["get-token", "--flow", "device-code"] + flags)
        #expect(status == 0, "\(terminal)")
        #expect(Self.shownURL(terminal) != nil, "no device-code message: \(terminal)")
        #expect(Self.drawsNothing(terminal), "\(terminal)")
    }

    @Test("stderr not a terminal: the device code without a QR code")
    func notATerminal() throws {
        let world = try SignInWorld()
        let child = try world.start(["get-token", "--flow", "device-code"], name: "plain")
        _ = try world.emulator.approveDeviceCode()
        #expect(child.wait() == 0)
        let stderr = world.output("plain").stderr
        #expect(Self.shownURL(stderr) != nil, "no device-code message: \(stderr)")
        #expect(Self.drawsNothing(stderr), "\(stderr)")
    }
}
