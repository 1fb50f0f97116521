import HelperCore

/// Windows Subsystem for Linux: whether we run inside it, how to open the sign-in page in
/// the Windows browser, and whether that browser can reach our loopback listener.
///
/// Detection: WSL2's interop marker (/proc/sys/fs/binfmt_misc/WSLInterop or
/// WSLInterop-late), else a kernel release naming Microsoft or WSL (WSL1 and WSL2 both).
/// WSL_DISTRO_NAME and WSL_INTEROP are only hints (reported by doctor): an environment
/// can be inherited, the kernel cannot.
public struct WSL: Equatable, Sendable {
    /// What showed WSL (for doctor); nil when not in WSL.
    public let evidence: String?
    public var detected: Bool { evidence != nil }

    public static let interopMarkers = ["/proc/sys/fs/binfmt_misc/WSLInterop", "/proc/sys/fs/binfmt_misc/WSLInterop-late"]
    public static let kernelRelease = "/proc/sys/kernel/osrelease"
    /// Where cmd.exe is when Windows' PATH is not appended to ours (appendWindowsPath=false).
    public static let systemCmd = "/mnt/c/Windows/System32/cmd.exe"

    /// `readFile`: a small file's text, nil when it cannot be read.
    public init(readFile: (String) -> String?) {
        if let marker = Self.interopMarkers.first(where: { readFile($0) != nil }) {
            evidence = "interop marker \(marker)"
        } else if let release = readFile(Self.kernelRelease).map({ String($0.split(whereSeparator: \.isWhitespace).first ?? "") }),
                  Self.names(release.lowercased(), "microsoft") || Self.names(release.lowercased(), "wsl") {
            evidence = "kernel \(Sanitize.line(release, limit: 80))"
        } else {
            evidence = nil
        }
    }

    /// Whether `text` holds `word` (the stdlib alone has no substring search).
    static func names(_ text: String, _ word: String) -> Bool {
        let (haystack, needle) = (Array(text.utf8), Array(word.utf8))
        guard haystack.count >= needle.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// This machine's.
    public static func system() -> WSL {
        WSL { path in (try? Files.read(path, limit: 4096)).map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The command that opens `url` in the Windows browser: `wslview` (wslu) when on PATH,
    /// else `cmd.exe /d /c start URL` with the URL made inert for cmd (`cmdSafe`); nil when
    /// neither is there (a container on a WSL kernel).
    public static func browserCommand(url: String, findExecutable: (String) -> String?) -> [String]? {
        if let wslview = findExecutable("wslview") { return [wslview, url] }
        guard let cmd = findExecutable("cmd.exe") ?? findExecutable(systemCmd) else { return nil }
        // /d: no AutoRun commands. No quotes at all (so no title argument for `start`, and
        // nothing for WSL's argv-to-command-line conversion to quote): the URL is one word.
        return [cmd, "/d", "/c", "start", cmdSafe(url)]
    }

    /// `url` as one unquoted word of a `cmd /c` command line that cmd turns back into the
    /// same URL: bytes that cannot stand unquoted in a word (space, controls, `"`, non-ASCII)
    /// are percent-encoded (the same URL to a browser), and every cmd metacharacter,
    /// `& | < > ( ) ^ %` and `!` (delayed expansion), gets a caret. A caret before `%`
    /// works because cmd's %-expansion runs first: it sees `%…^%`, a variable whose name
    /// ends in a caret, which is never defined, so it is left alone; the caret pass then
    /// removes the carets.
    public static func cmdSafe(_ url: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        for byte in url.utf8 {
            switch byte {
            case UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "("),
                 UInt8(ascii: ")"), UInt8(ascii: "^"), UInt8(ascii: "%"), UInt8(ascii: "!"):
                out += [UInt8(ascii: "^"), byte]
            case 0...0x20, UInt8(ascii: "\""), 0x7F...0xFF:
                out += [UInt8(ascii: "^"), UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Why the Windows browser cannot reach our loopback listener, or nil when it can (or
    /// we cannot tell). `networkingMode`: `wslinfo --networking-mode`'s answer (WSL 2.0+).
    /// The rule: "none" has no network at all; "nat" (the default, with localhost
    /// forwarding), "mirrored" (a shared loopback) and WSL1 (one network stack) reach it.
    /// localhostForwarding=false lives in the Windows user's .wslconfig, which we do not
    /// read: there the sign-in times out; `--flow device-code` is the fix.
    public static func loopbackProblem(networkingMode: String?) -> String? {
        guard let mode = networkingMode?.split(whereSeparator: \.isWhitespace).first?.lowercased(), mode == "none" else { return nil }
        return "WSL's networking mode is 'none': the Windows browser cannot reach this loopback listener"
    }

    /// `wslinfo --networking-mode`, bounded; nil when wslinfo is not there or fails.
    public static func networkingMode() -> String? {
        guard let result = Subprocess.run(["wslinfo", "--networking-mode"], timeoutMilliseconds: 2_000),
              result.status == 0 else { return nil }
        let mode = result.stdout.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        return mode.isEmpty ? nil : Sanitize.line(mode, limit: 40)
    }
}
