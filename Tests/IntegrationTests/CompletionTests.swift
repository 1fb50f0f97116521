import Foundation
import Testing

/// The shell completion scripts in integrations/completion, run by the real shells: bash
/// sources the script and calls the function as bash-completion would; zsh loads the
/// function with compsys's builtins (compadd, _describe, _arguments) replaced by
/// recorders, which is as far as zsh completion runs without a terminal.
@Suite("shell completion")
struct CompletionTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../integrations/completion").standardized.path

    /// A world with two profiles, so `profile list` has names to offer.
    static func world() throws -> SetupWorld {
        let world = try SetupWorld()
        try world.addProfile(["work", "--preset", "azure-devops"])
        try world.addProfile(["acr", "--preset", "acr"])
        return world
    }

    @Test("bash: COMPREPLY for commands, subcommands, flags, values and profile names", arguments: [
        ("entra-credential-helper se", "setup"),
        ("entra-credential-helper ''", "profile create-profile delete-profile login get-token inspect status refresh logout clear-cache setup kubectl doctor git docker help --help --version"),
        ("entra-credential-helper cr", "create-profile"),
        ("entra-credential-helper help ex", "exit-status examples"),
        ("entra-credential-helper help --man g", "git-credential-entra"),
        ("entra-credential-helper get-token --flow ''", "auto browser interactive paste device-code client-credentials workload-identity managed-identity"),
        ("entra-credential-helper profile add x --flow c", "client-credentials"),
        ("entra-credential-helper create-profile --t", "--tenant-id --tenant"),
        ("entra-credential-helper create-profile --flow i", "interactive"),
        ("entra-credential-helper delete-profile --name ''", "acr work"),
        ("entra-credential-helper delete-profile --", "--name --force"),
        ("entra-credential-helper inspect --", "--profile --scope --output --store"),
        ("entra-credential-helper clear-cache --", "--profile --store --all"),
        ("entra-credential-helper help i", "inspect"),
        ("entra-credential-helper doctor --o", "--output"),
        ("entra-credential-helper setup ''", "git docker kubectl"),
        ("entra-credential-helper setup docker --", "--profile --registry --creds-store"),
        ("entra-credential-helper setup kubectl --p", "--profile --print"),
        ("entra-credential-helper profile ''", "add list show remove"),
        ("entra-credential-helper profile show ''", "acr work"),
        ("entra-credential-helper login --profile w", "work"),
        ("entra-credential-helper setup git --profile ''", "acr work"),
        ("entra-credential-helper profile add x --preset a", "azure-devops acr aks"),
        ("entra-credential-helper get-token --output ''", "text json"),
        ("entra-credential-helper help k", "kubectl"),
        ("entra-credential-helper docker l", "list"),
        ("entra-credential-helper logout --a", "--all"),
        ("entra-credential-helper profile add x --al", "--allow-public-suffix"),
        ("entra-credential-helper get-token --no-", "--no-interactive --no-qr"),
    ])
    func bash(line: String, expected: String) throws {
        let world = try Self.world()
        let script = """
        source '\(Self.directory)/entra-credential-helper.bash'
        COMP_WORDS=(\(line)); COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        _entra_credential_helper
        printf '%s\\n' "${COMPREPLY[*]}"
        """
        let result = try world.tool(["bash", "--norc", "--noprofile", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected + "\n", "\(line)")
        #expect(result.stderr.isEmpty, "\(result.stderr)")
    }

    @Test("zsh: the completion function offers the same", .enabled(if: Harness.which("zsh") != nil || Harness.integrationRequired),
          arguments: [
        ("entra-credential-helper setup ''", "3", "compadd:git compadd:docker compadd:kubectl"),
        ("entra-credential-helper profile show ''", "4", "describe:acr work"),
        ("entra-credential-helper help ''", "3", "compadd:profile compadd:create-profile compadd:delete-profile compadd:get-token compadd:login compadd:inspect compadd:status compadd:refresh compadd:logout compadd:clear-cache compadd:setup compadd:kubectl compadd:doctor compadd:git compadd:docker compadd:files compadd:exit-status compadd:examples compadd:--man"),
        ("entra-credential-helper help --man ''", "4", "compadd:entra-credential-helper compadd:git-credential-entra compadd:docker-credential-entra"),
        ("entra-credential-helper docker ''", "3", "compadd:get compadd:store compadd:erase compadd:list compadd:version"),
    ])
    func zsh(line: String, current: String, expected: String) throws {
        let world = try Self.world()
        #expect(try world.tool(["zsh", "-n", "\(Self.directory)/_entra-credential-helper"]).status == 0)
        let script = """
        compadd() { local a; for a in "$@"; do [[ $a == -- || ( $a == -* && $a != --* ) ]] && continue; print -rn -- "compadd:$a "; done }
        _describe() { print -rn -- "describe:${(Pj: :)${@[-1]}} " }
        _arguments() { print -rn -- "arguments:$* " }
        words=(x); CURRENT=1
        source '\(Self.directory)/_entra-credential-helper' >/dev/null
        words=(\(line)); CURRENT=\(current)
        _entra-credential-helper
        """
        let result = try world.tool(["zsh", "-f", "-c", script])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected + " ", "\(line)")
    }

    /// What zsh's function hands to _arguments for `words` with the cursor at `current`.
    static func zshArguments(_ words: String, current: Int) throws -> String {
        let world = try Self.world()
        let script = """
        _arguments() { print -r -- "$*" }
        words=(x); CURRENT=1
        source '\(Self.directory)/_entra-credential-helper' >/dev/null 2>&1
        words=(\(words)); CURRENT=\(current)
        _entra-credential-helper
        """
        return try world.tool(["zsh", "-f", "-c", script]).stdout
    }

    @Test("zsh: setup kubectl's flags go to _arguments", .enabled(if: Harness.which("zsh") != nil || Harness.integrationRequired))
    func zshFlags() throws {
        let offered = try Self.zshArguments("entra-credential-helper setup kubectl --", current: 4)
        for flag in ["--profile=", "--kubeconfig=", "--user=", "--command=", "--print["] {
            #expect(offered.contains(flag), "\(flag): \(offered)")
        }
    }

    @Test("zsh: profile add offers --allow-public-suffix", .enabled(if: Harness.which("zsh") != nil || Harness.integrationRequired))
    func zshAllowPublicSuffix() throws {
        let offered = try Self.zshArguments("entra-credential-helper profile add x --", current: 5)
        #expect(offered.contains("--allow-public-suffix[") && offered.contains("*--host=["), "\(offered)")
    }

    @Test("zsh: the seed CLI's commands offer their flags", .enabled(if: Harness.which("zsh") != nil || Harness.integrationRequired),
          arguments: [
        ("entra-credential-helper create-profile --", ["--name=", "--tenant-id=", "--client-id=", "--flow=", "*--scopes=", "client-credentials"]),
        ("entra-credential-helper inspect --", ["--profile=", "--output=", "*--scope="]),
        ("entra-credential-helper clear-cache --", ["--profile=", "--all["]),
        ("entra-credential-helper delete-profile --", ["--name=[the profile]:profile:_entra_credential_helper_profiles", "--force["]),
        ("entra-credential-helper get-token --", ["interactive", "workload-identity", "managed-identity"]),
    ])
    func zshSeedFlags(line: String, flags: [String]) throws {
        let offered = try Self.zshArguments(line, current: 3)
        for flag in flags { #expect(offered.contains(flag), "\(flag): \(offered)") }
    }
}
