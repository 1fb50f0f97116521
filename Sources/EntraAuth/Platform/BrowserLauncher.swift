/// Opens the sign-in page.
public protocol BrowserLauncher {
    /// Starts the browser; nil when it could not even start.
    func launch(url: String) -> LaunchedBrowser?
}

public protocol LaunchedBrowser: AnyObject {
    /// True once the launcher has exited unsuccessfully (then the flow falls back to
    /// the device code).
    func hasFailed() -> Bool
}

/// `$BROWSER` when set (its first ':'-separated entry; `%s` stands for the URL, else the
/// URL is the last argument); else, inside WSL, the Windows browser (`WSL.browserCommand`:
/// wslview, else cmd.exe); otherwise `xdg-open`. The launcher's stdin, stdout and
/// stderr are /dev/null: nothing it prints can reach the protocol on our stdout.
public struct SystemBrowserLauncher: BrowserLauncher {
    let browser: String?
    /// Set inside WSL: PATH, to find wslview or cmd.exe.
    let windowsSearchPath: String??

    /// `wsl`: whether we run inside WSL (`WSL.system()`; nil: not looked at).
    public init(environment: (String) -> String?, wsl: WSL? = nil) {
        browser = environment("BROWSER")
        windowsSearchPath = wsl?.detected == true ? .some(environment("PATH")) : .none
    }

    /// The Windows browser's command inside WSL when no $BROWSER is set; nil otherwise.
    public func windowsCommand(url: String) -> [String]? {
        guard browser == nil, case let .some(path) = windowsSearchPath else { return nil }
        return WSL.browserCommand(url: url) { Files.findExecutable($0, searchPath: path) }
    }

    public func command(url: String) -> [String] {
        if let windows = windowsCommand(url: url) { return windows }
        guard let browser, let entry = browser.split(separator: ":").first.map(String.init), !entry.isEmpty else {
            return ["xdg-open", url]
        }
        let words = entry.split(separator: " ").map(String.init)
        if words.contains(where: { $0.replacingPercentS(with: "") != $0 }) {
            return words.map { $0.replacingPercentS(with: url) }
        }
        return words + [url]
    }

    /// Started through Subprocess with its output discarded and in its own process
    /// group: a Ctrl-C meant for us does not reach the browser.
    public func launch(url: String) -> LaunchedBrowser? {
        guard let child = Subprocess.spawn(command(url: url), output: .discarded, ownProcessGroup: true) else { return nil }
        return SpawnedBrowser(child: child)
    }
}

final class SpawnedBrowser: LaunchedBrowser {
    let child: Subprocess.Child
    private var failed = false
    private var exited = false

    init(child: Subprocess.Child) { self.child = child }

    func hasFailed() -> Bool {
        guard !exited else { return failed }
        guard let status = child.exitIfDone() else { return false }
        exited = true
        failed = Subprocess.exitCode(status) != 0
        return failed
    }
}

extension String {
    /// Every "%s" replaced with `value` (the stdlib alone has no substring replace).
    func replacingPercentS(with value: String) -> String {
        var result: [UInt8] = []
        let bytes = Array(utf8)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "s") {
                result += value.utf8
                i += 2
            } else {
                result.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
