import Foundation
import Testing

/// WSL end to end, on a Linux machine: the real binary runs in a mount namespace of its own
/// (`unshare --mount`; the tests run as root) where a file saying
/// "5.15.153.1-microsoft-standard-WSL2" is bind-mounted over /proc/sys/kernel/osrelease,
/// so it detects WSL exactly as on WSL, with no test-only switch. A fake `wslview` or
/// `cmd.exe` on PATH records its argv and hands the URL to real headless Chromium.
@Suite("WSL: the Windows browser through wslview or cmd.exe, the device code without networking",
       .enabled(if: Harness.keyringReady && Harness.which("python3") != nil && Harness.which("unshare") != nil))
struct WSLIntegrationTests {
    static let release = "5.15.153.1-microsoft-standard-WSL2"

    /// A world whose helper sees a WSL kernel, with `scripts` as executables first on PATH.
    static func world(_ scripts: [String: String]) throws -> (SignInWorld, TemporaryDirectory) {
        let world = try SignInWorld()
        let bin = try TemporaryDirectory()
        for (name, script) in scripts {
            _ = try bin.writeExecutable(name, script)
        }
        FileManager.default.createFile(atPath: bin.file("osrelease"), contents: Data((release + "\n").utf8))
        world.launcher = ["unshare", "--mount", "sh", "-c", "mount --bind \"$0\" /proc/sys/kernel/osrelease && exec \"$@\"", bin.file("osrelease")]
        world.extra = ["PATH": bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                       "ECH_ARGV": world.outputs.file("argv"), "ECH_BROWSER_SCRIPT": SignInWorld.browserScript,
                       "ECH_BROWSER_DUMP": world.home.file("page.html")]
        return (world, bin)
    }

    /// What the fake recorded: its argv after argv[0].
    static func recorded(_ world: SignInWorld) -> [String] {
        let data = (try? Data(contentsOf: URL(fileURLWithPath: world.outputs.file("argv")))) ?? Data()
        return String(decoding: data, as: UTF8.self).split(separator: "\0", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    static let record = "#!/bin/bash\nprintf '%s\\0' \"$@\" > \"$ECH_ARGV\"\n"

    @Test("no $BROWSER, no display: wslview gets the URL as its one argument; the sign-in completes",
          .enabled(if: Harness.which("chromium") != nil))
    func wslview() throws {
        let (world, bin) = try Self.world(["wslview": Self.record + "exec \"$ECH_BROWSER_SCRIPT\" \"$1\"\n",
                                           "cmd.exe": Self.record + "exit 9\n"])
        let result = try world.helper(["get-token"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let argv = Self.recorded(world)
        #expect(argv.count == 1 && argv[0].hasPrefix(world.authority + "/organizations/oauth2/v2.0/authorize?"), "\(argv)")
        #expect(try world.emulator.grants("authorization_code") == 1)
        #expect(world.dumpedPage().contains("Signed in"))
        _ = bin
    }

    @Test("no wslview: cmd.exe /d /c start with the URL as one caret-escaped word; cmd's reading of it signs in",
          .enabled(if: Harness.which("chromium") != nil))
    func cmdExe() throws {
        // What cmd does with the word: no variable ends in '^', so only the caret pass changes it.
        let cmd = Self.record + "[ \"$1 $2 $3\" = '/d /c start' ] || exit 9\n"
            + "exec \"$ECH_BROWSER_SCRIPT\" \"$(printf '%s' \"$4\" | sed 's/\\^\\(.\\)/\\1/g')\"\n"
        let (world, bin) = try Self.world(["cmd.exe": cmd])
        let result = try world.helper(["get-token"], timeout: 120)
        #expect(result.status == 0, "\(result.stderr)")
        let argv = Self.recorded(world)
        #expect(argv.count == 4 && Array(argv.prefix(3)) == ["/d", "/c", "start"], "\(argv)")
        let word = argv.last ?? ""
        #expect(word.contains("^&") && word.contains("^%") && !word.contains(" ") && !word.contains("\""), "\(word)")
        #expect(!word.replacingOccurrences(of: "^&", with: "").contains("&"), "every & has its caret")
        #expect(try world.emulator.grants("authorization_code") == 1)
        _ = bin
    }

    @Test("networking mode 'none' (wslinfo): one line saying why, then the device code; no browser started")
    func noNetworking() throws {
        let (world, bin) = try Self.world(["wslview": Self.record + "exit 0\n",
                                           "wslinfo": "#!/bin/sh\n[ \"$1\" = --networking-mode ] && echo none\n"])
        let child = try world.start(["get-token"], name: "none")
        _ = try world.emulator.approveDeviceCode()
        #expect(child.wait() == 0)
        let (_, stderr) = world.output("none")
        #expect(stderr.contains("WSL's networking mode is 'none': the Windows browser cannot reach this loopback listener; using the device code instead.\n"), "\(stderr)")
        #expect(Self.recorded(world).isEmpty, "the browser was not started")
        #expect(try world.emulator.grants("device_code") >= 1)
        _ = bin
    }

    @Test("doctor names WSL, the Windows browser and the loopback's reach")
    func doctor() throws {
        let (world, bin) = try Self.world(["wslview": "#!/bin/sh\nexit 0\n", "wslinfo": "#!/bin/sh\necho mirrored\n"])
        let result = try world.helper(["doctor"])
        #expect(result.stdout.contains("browser         WSL (kernel \(Self.release)): the Windows browser through \(bin.file("wslview"))\n"), "\(result.stdout)")
        #expect(result.stdout.contains("the Windows browser reaches it through WSL networking mode mirrored"), "\(result.stdout)")
    }
}
