import Foundation
import HelperCore
import Testing
@testable import EntraAuth

@Suite("WSL: detection, the Windows browser's command and cmd quoting, the loopback rule")
struct WSLTests {
    static let interop = "enabled\ninterpreter /init\nflags: PF\noffset 0\nmagic 4d5a\n"

    @Test("detection: the interop marker, else a kernel release naming Microsoft or WSL",
          arguments: [
              ([WSL.interopMarkers[0]: interop, WSL.kernelRelease: "6.1.0-18-amd64\n"], "interop marker /proc/sys/fs/binfmt_misc/WSLInterop"),
              ([WSL.interopMarkers[1]: interop], "interop marker /proc/sys/fs/binfmt_misc/WSLInterop-late"),
              ([WSL.kernelRelease: "5.15.153.1-microsoft-standard-WSL2\n"], "kernel 5.15.153.1-microsoft-standard-WSL2"),
              ([WSL.kernelRelease: "4.4.0-19041-Microsoft\n"], "kernel 4.4.0-19041-Microsoft"),
              ([WSL.kernelRelease: "6.6.87.2-WSL2-custom"], "kernel 6.6.87.2-WSL2-custom"),
              ([WSL.kernelRelease: "6.1.0-18-amd64\n"], nil),
              ([WSL.kernelRelease: "6.8.0-1014-azure\n"], nil),
              ([:], nil),
          ] as [([String: String], String?)])
    func detection(files: [String: String], evidence: String?) {
        let wsl = WSL { files[$0] }
        #expect(wsl.evidence == evidence)
        #expect(wsl.detected == (evidence != nil))
    }

    /// cmd.exe's handling of a `/c` command line, for one unquoted word: %-expansion first
    /// (command-line mode: an undefined %name% stays as written), then the caret pass (a
    /// caret makes the next character literal; an unescaped & | < > ends the command).
    /// Returns nil when an unescaped operator or quote would split or change the word.
    static func cmdReads(_ word: String, environment: [String: String]) -> String? {
        var expanded = ""
        var rest = Substring(word)
        while let start = rest.firstIndex(of: "%") {
            expanded += rest[..<start]
            let after = rest[rest.index(after: start)...]
            guard let end = after.firstIndex(of: "%") else { expanded += rest[start...]; rest = ""; break }
            let name = String(after[..<end])
            expanded += environment[name] ?? "%\(name)%"
            rest = after[after.index(after: end)...]
        }
        expanded += rest
        var out = ""
        var escaped = false
        for character in expanded {
            if escaped { out.append(character); escaped = false; continue }
            if character == "^" { escaped = true; continue }
            if "&|<>()\" \t!".contains(character) { return nil }
            out.append(character)
        }
        return out
    }

    /// Variables a naive quoting would hit: %20% and friends, and PATH.
    static let hostile = ["20": "X", "22": "X", "26": "X", "41": "X", "PATH": "C:\\Windows", "a": "X", "": "X"]

    @Test("cmdSafe: one word that cmd reads back as the same URL (space, quote and non-ASCII percent-encoded)",
          arguments: [
              ("https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&scope=a%20b&state=x",
               "https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c^&scope=a^%20b^&state=x",
               "https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&scope=a%20b&state=x"),
              ("https://h/p?a=1&b=^x^&c=%PATH%&d=%20%&e=\"q\"&f=<i>|o&g=(1)&h=a b!",
               "https://h/p?a=1^&b=^^x^^^&c=^%PATH^%^&d=^%20^%^&e=^%22q^%22^&f=^<i^>^|o^&g=^(1^)^&h=a^%20b^!",
               "https://h/p?a=1&b=^x^&c=%PATH%&d=%20%&e=%22q%22&f=<i>|o&g=(1)&h=a%20b!"),
              ("https://h/é?x=\t%", "https://h/^%C3^%A9?x=^%09^%", "https://h/%C3%A9?x=%09%"),
              ("https://h/%a%", "https://h/^%a^%", "https://h/%a%"),
          ])
    func cmdSafe(url: String, word: String, browserGets: String) {
        #expect(WSL.cmdSafe(url) == word)
        #expect(Self.cmdReads(word, environment: Self.hostile) == browserGets)
        // The same URL to a browser: only space, quote, controls and non-ASCII were encoded.
        #expect(browserGets.removingPercentEncoding == url.removingPercentEncoding || !url.contains("%"))
    }

    @Test("the model itself: an unescaped & splits, %20% expands (so the table above can fail)")
    func cmdModel() {
        #expect(Self.cmdReads("a&b", environment: [:]) == nil)
        #expect(Self.cmdReads("a%20%b", environment: Self.hostile) == "aXb")
        #expect(Self.cmdReads("a^&b", environment: [:]) == "a&b")
    }

    @Test("the Windows browser: wslview first, else cmd.exe on PATH, else System32's; none in a container",
          arguments: [
              (["wslview": "/usr/bin/wslview", "cmd.exe": "/mnt/c/Windows/system32/cmd.exe"], ["/usr/bin/wslview", "https://h/?a=1&b=%2"]),
              (["cmd.exe": "/mnt/c/Windows/system32/cmd.exe"], ["/mnt/c/Windows/system32/cmd.exe", "/d", "/c", "start", "https://h/?a=1^&b=^%2"]),
              ([WSL.systemCmd: WSL.systemCmd], [WSL.systemCmd, "/d", "/c", "start", "https://h/?a=1^&b=^%2"]),
              ([:], nil),
          ] as [([String: String], [String]?)])
    func browserCommand(found: [String: String], command: [String]?) {
        #expect(WSL.browserCommand(url: "https://h/?a=1&b=%2") { found[$0] } == command)
    }

    @Test("the launcher: $BROWSER wins; inside WSL the Windows browser; else xdg-open")
    func launcher() throws {
        let bin = try TemporaryFolder()
        try bin.executable("wslview")
        let env = ["PATH": bin.path]
        let wsl = WSL { $0 == WSL.kernelRelease ? "5.15.0-microsoft-standard-WSL2" : nil }
        #expect(SystemBrowserLauncher(environment: { env[$0] }, wsl: wsl).command(url: "u") == [bin.path + "/wslview", "u"])
        #expect(SystemBrowserLauncher(environment: { (env.merging(["BROWSER": "w3m"]) { $1 })[$0] }, wsl: wsl).command(url: "u") == ["w3m", "u"])
        #expect(SystemBrowserLauncher(environment: { env[$0] }, wsl: WSL { _ in nil }).command(url: "u") == ["xdg-open", "u"])
        #expect(SystemBrowserLauncher(environment: { env[$0] }).windowsCommand(url: "u") == nil)
    }

    @Test("loopback rule: only networking mode 'none' is known not to reach it",
          arguments: [("none\n", true), ("nat\n", false), ("mirrored", false), ("virtioproxy", false), (nil, false)] as [(String?, Bool)])
    func loopbackRule(mode: String?, blocked: Bool) {
        #expect((WSL.loopbackProblem(networkingMode: mode) != nil) == blocked)
    }

    @Test("a blocked loopback: --flow auto uses the device code, with one line saying why; --flow browser does not")
    func loopbackFallback() throws {
        let h = EngineHarness()
        h.loopbackProblem = WSL.loopbackProblem(networkingMode: "none")
        h.http.enqueue(200, InteractiveSignInTests.deviceCodeBody())
        h.http.enqueue(200, tokenBody(access: "at-dc", refresh: "rt-dc"))
        let token = try h.engine().token(h.profile, options: AcquireOptions())
        #expect(token.token == "at-dc")
        #expect(h.browser.urls.isEmpty && h.listeners.listeners.isEmpty)
        #expect(h.told.first == "WSL's networking mode is 'none': the Windows browser cannot reach this loopback listener; using the device code instead.")
        #expect(h.told.count == 2)

        let forced = EngineHarness()
        forced.loopbackProblem = h.loopbackProblem
        forced.http.enqueue(200, tokenBody(access: "at-b", refresh: "rt-b"))
        var options = AcquireOptions()
        options.interactive.flow = .browser
        #expect(try forced.engine().token(forced.profile, options: options).token == "at-b")
        #expect(forced.browser.urls.count == 1 && forced.told.count == 1)
    }
}

/// A directory removed at the end, with executables in it.
final class TemporaryFolder {
    let path: String
    init() throws {
        path = NSTemporaryDirectory() + "wsl-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func executable(_ name: String, _ script: String = "#!/bin/sh\n") throws {
        FileManager.default.createFile(atPath: path + "/" + name, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
