import Foundation
import HelperCore
import Testing

/// Every value an error line echoes goes through `Sanitize`: no terminal escapes, no
/// control characters, no line breaks, and no `user:password@` from a URL.
@Suite("echoed input is sanitised")
struct SanitizeTests {
    /// Hostile text: ESC sequences (CSI, OSC with BEL), a C1 CSI, CR/LF, DEL, NUL, a
    /// bidi override, and a URL's userinfo.
    static let hostile = [
        "a\u{1B}[2Jb", "\u{1B}]0;owned\u{07}x", "x\u{9B}31my", "line\r\nfake: line", "del\u{7F}nul\u{0}",
        "right\u{202E}txt.exe", "https://user:hunter2@evil.example/x", "tab\there\u{85}next\u{2028}sep",
    ]

    static func clean(_ text: String) -> Bool {
        !text.unicodeScalars.contains { Sanitize.isUnsafe($0) }
    }

    @Test("the one-line sanitiser drops control and bidi characters", arguments: hostile)
    func line(_ text: String) {
        let cleaned = Sanitize.line(text)
        #expect(!cleaned.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
        #expect(!cleaned.contains("\u{202E}") && !cleaned.contains("\u{2028}"))
    }

    @Test("a URL loses its userinfo, and nothing else", arguments: [
        ("https://user:hunter2@evil.example/x", "https://evil.example/x"),
        ("https://hunter2@evil.example", "https://evil.example"),
        ("https://a@b:hunter2@evil.example:6443/p?q=1", "https://evil.example:6443/p?q=1"),
        ("user:hunter2@evil.example", "evil.example"),
        ("https://evil.example/git.example@x", "https://evil.example/git.example@x"),
        ("https://evil.example?u=a@b", "https://evil.example?u=a@b"),
        ("https://us\u{1B}[2Jer:hunter2@ev\u{1B}]0;t\u{07}il.example", "https://ev]0;til.example"),
        ("dev.azure.com", "dev.azure.com"),
    ])
    func url(_ text: String, _ expected: String) {
        #expect(Sanitize.url(text) == expected)
    }

    @Test("a long value is cut, and the cut is marked")
    func cut() {
        let cleaned = Sanitize.line(String(repeating: "h", count: 5000), limit: 100)
        #expect(cleaned.count == 100 && cleaned.hasSuffix("…"))
    }

    /// Every case that echoes input: whatever the input, the line is one clean line.
    static func echoing(_ value: String) -> [HelperError] {
        [
            .unroutedHost(value), .unknownAction(value), .usage("profile add: '\(value)' is not a profile name"),
            .invalidHostPattern(value), .invalidPortRange(value), .insecureAuthority(value), .invalidTenant(value),
            .unknownProfile(value, known: [value]), .profileExists(value), .profileHasNoHosts(value),
            .forbiddenCharacter(key: value, character: "a NUL byte"), .invalidUTF8(key: value), .invalidJSON(value),
            .configInvalid(path: value, line: 3, reason: value), .configUnreadable(path: value, reason: value),
            .network(host: value, detail: value), .interactionRequired(profile: value, reason: value),
            .registryExchangeFailed(registry: value, status: 401, detail: value, profile: value),
            .toolFailed(command: value, detail: value, fix: value), .unparsableFile(path: value, detail: value, fix: value),
            .fileNotWritten(path: value, reason: value), .keyringFailure(value), .signInFailed(value),
        ]
    }

    @Test("every error line that echoes input is one clean line", arguments: hostile)
    func messages(_ value: String) {
        for error in Self.echoing(value) {
            #expect(Self.clean(error.message), "\(error)")
        }
        for error in [HelperError.unroutedHost(value), .insecureAuthority(value), .network(host: value, detail: "reset")] {
            #expect(!error.message.contains("hunter2"), "\(error)")
        }
    }

    @Test("the no-profile line names the host without its userinfo or escapes")
    func unrouted() {
        let message = HelperError.unroutedHost("https://admin:hunter2@evil.example\u{1B}[8m:6443").message
        #expect(message.contains("https://evil.example[8m:6443"), "\(message)")
        #expect(Self.clean(message) && !message.contains("hunter2") && !message.contains("admin"))
    }

    @Test("a path in a suggested command is one shell word, whatever its spaces and quotes")
    func shellWord() throws {
        let path = "/home/u/my cache/it's here"
        #expect(Sanitize.shellWord(path) == #"'/home/u/my cache/it'\''s here'"#)
        let message = HelperError.unsafeLockPath(path: path, problem: "is a symbolic link").message
        #expect(message.contains(#"`rm -r '/home/u/my cache/it'\''s here'`"#) && message.contains(#"`chmod 700 '/home/u/my cache/it'\''s here'`"#), "\(message)")
        // A real shell reads the word back as the one argument it was.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "printf '%s|' \(Sanitize.shellWord(path))"]
        let out = Pipe()
        shell.standardOutput = out
        try shell.run()
        shell.waitUntilExit()
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == path + "|")
    }
}
