import HelperCore

#if canImport(Glibc)
import Glibc
#endif

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
/// URL is the last argument), otherwise `xdg-open`. The launcher's stdin, stdout and
/// stderr are /dev/null: nothing it prints can reach the protocol on our stdout.
public struct SystemBrowserLauncher: BrowserLauncher {
    let browser: String?

    public init(environment: (String) -> String?) {
        browser = environment("BROWSER")
    }

    public func command(url: String) -> [String] {
        guard let browser, let entry = browser.split(separator: ":").first.map(String.init), !entry.isEmpty else {
            return ["xdg-open", url]
        }
        let words = entry.split(separator: " ").map(String.init)
        if words.contains(where: { $0.replacingPercentS(with: "") != $0 }) {
            return words.map { $0.replacingPercentS(with: url) }
        }
        return words + [url]
    }

    public func launch(url: String) -> LaunchedBrowser? {
        let argv = command(url: url)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group: a Ctrl-C meant for us does not reach the browser.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        guard posix_spawnp(&pid, argv[0], &actions, &attributes, cArgs, environ) == 0 else { return nil }
        return SpawnedBrowser(pid: pid)
    }
}

final class SpawnedBrowser: LaunchedBrowser {
    let pid: pid_t
    private var failed = false
    private var exited = false

    init(pid: pid_t) { self.pid = pid }

    func hasFailed() -> Bool {
        guard !exited else { return failed }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return false }
        exited = true
        failed = !((status & 0x7F) == 0 && ((status >> 8) & 0xFF) == 0)
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
