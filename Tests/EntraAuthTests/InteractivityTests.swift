import EntraAuth
import HelperCore
import Testing

@Suite("interactivity")
struct InteractivityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var flag = false
        var frontEnd: Interactivity?
        var environment: [String: String] = [:]
        var terminal = false
        var git: String?
        var expected: Interactivity
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "nothing set, no terminal", expected: .allowed),
        Case(name: "a terminal", terminal: true, expected: .allowed),
        Case(name: "--no-interactive beats a terminal", flag: true, terminal: true, expected: .notAllowed),
        Case(name: "USE_INTERACTIVE=false", environment: ["USE_INTERACTIVE": "FALSE"], terminal: true, expected: .notAllowed),
        Case(name: "kubectl interactive=false", frontEnd: .notAllowed, terminal: true, expected: .notAllowed),
        Case(name: "kubectl interactive=true, no terminal", frontEnd: .allowed, expected: .allowed),
        Case(name: "CI without a terminal", environment: ["CI": "true"], expected: .notAllowed),
        Case(name: "CI with a terminal", environment: ["CI": "true"], terminal: true, expected: .allowed),
        Case(name: "GIT_TERMINAL_PROMPT=0", environment: ["GIT_TERMINAL_PROMPT": "0"], expected: .notAllowed),
        Case(name: "GIT_TERMINAL_PROMPT=1", environment: ["GIT_TERMINAL_PROMPT": "1"], expected: .allowed),
        Case(name: "credential.interactive=false", git: "false", expected: .notAllowed),
        Case(name: "credential.interactive=never (GCM's word)", git: "never", expected: .notAllowed),
        Case(name: "credential.interactive=No", git: "No", expected: .notAllowed),
        Case(name: "credential.interactive=0", git: "0", expected: .notAllowed),
        Case(name: "credential.interactive=auto", git: "auto", expected: .allowed),
        Case(name: "credential.interactive=false with a terminal", terminal: true, git: "false", expected: .allowed),
    ]

    @Test("who may prompt", arguments: cases)
    func decide(_ c: Case) {
        var policy = InteractivityPolicy(environment: { c.environment[$0] }, hasTerminal: { c.terminal })
        policy.noInteractiveFlag = c.flag
        policy.frontEnd = c.frontEnd
        if let git = c.git { policy.gitSetting = { git } }
        #expect(policy.decide() == c.expected)
    }

    @Test("git's configuration is read only when there is no terminal and nothing else said no")
    func lazyGit() {
        var reads = 0
        var policy = InteractivityPolicy(environment: { _ in nil }, hasTerminal: { true })
        policy.gitSetting = { reads += 1; return "false" }
        _ = policy.decide()
        #expect(reads == 0)
        policy.hasTerminal = { false }
        #expect(policy.decide() == .notAllowed)
        #expect(reads == 1)
    }

    @Test("GitConfig reads the value git resolves, including -c on the command line")
    func realGit() {
        #expect(GitConfig(command: ["git", "-c", "credential.interactive=never"]).value("credential.interactive") == "never")
        #expect(GitConfig(command: ["git", "-c", "a.b=1", "-c", "a.b=2"]).value("a.b") == "2")
        #expect(GitConfig(command: ["git", "-c", "credential.other=x"]).value("credential.interactive-unset-key") == nil)
        #expect(GitConfig(command: ["/nonexistent/git"]).value("credential.interactive") == nil)
    }

    @Test("a subprocess is bounded in time and its output captured")
    func subprocess() {
        let started = SystemTime().monotonicMilliseconds
        #expect(Subprocess.run(["sleep", "5"], timeoutMilliseconds: 200) == nil)
        #expect(SystemTime().monotonicMilliseconds - started < 2_000)
        let result = Subprocess.run(["printf", "a\\nb\\n"])
        #expect(result?.status == 0)
        #expect(result?.stdout == "a\nb\n")
        #expect(Subprocess.run(["false"])?.status == 1)
    }
}
