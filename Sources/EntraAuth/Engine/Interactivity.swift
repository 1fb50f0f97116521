#if canImport(Glibc)
import Glibc
#endif

/// Whether this caller may show a browser or device prompt.
public enum Interactivity: Equatable, Sendable {
    case allowed
    /// The caller cannot prompt (CI, GIT_TERMINAL_PROMPT=0, git's credential.interactive,
    /// kubectl's interactive=false, --no-interactive): fail at once with the login command.
    case notAllowed
}

/// The rules for "may this caller prompt", decided only when a prompt is about to be
/// needed, so that the cached path never pays for them (reading git's configuration
/// starts a `git` process).
///
/// Never: `--no-interactive`, Lokka's USE_INTERACTIVE=false, or a front end that was told
/// so (kubectl's spec.interactive=false). Otherwise a terminal means yes; without one,
/// CI, GIT_TERMINAL_PROMPT=0 or git's credential.interactive=false (never, no, off, 0)
/// mean no.
public struct InteractivityPolicy {
    public var noInteractiveFlag = false
    /// The front end's own answer, when its protocol carries one (kubectl).
    public var frontEnd: Interactivity?
    public var environment: (String) -> String?
    public var hasTerminal: () -> Bool
    /// git's credential.interactive, when run by git (nil otherwise).
    public var gitSetting: (() -> String?)?

    public init(environment: @escaping (String) -> String?, hasTerminal: @escaping () -> Bool = InteractivityPolicy.controllingTerminal) {
        self.environment = environment
        self.hasTerminal = hasTerminal
    }

    public func decide() -> Interactivity {
        if noInteractiveFlag || frontEnd == .notAllowed || environment("USE_INTERACTIVE")?.lowercased() == "false" {
            return .notAllowed
        }
        if hasTerminal() { return .allowed }
        if environment("CI") != nil || environment("GIT_TERMINAL_PROMPT") == "0" { return .notAllowed }
        if let value = gitSetting?()?.lowercased(), ["false", "no", "off", "0", "never"].contains(value) {
            return .notAllowed
        }
        return .allowed
    }

    /// True when this process can open its controlling terminal.
    public static func controllingTerminal() -> Bool {
        let terminal = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard terminal >= 0 else { return false }
        close(terminal)
        return true
    }
}
