import Foundation
import Testing

/// Real git asking the helper for a host a profile routes (SignInWorld's profile "work"
/// names git.example): Entra tokens as the password, nothing written back, a rejected
/// token dropped, and no token for any other host.
@Suite("git with Entra tokens", .serialized, .enabled(if: Harness.keyringReady))
struct GitEntraTests {
    /// `git credential ACTION` with the helper as the only helper, detached from any
    /// terminal, with the world's HOME and config.
    static func git(_ world: SignInWorld, _ action: String, _ input: String, config: [String] = []) throws -> Outcome {
        var env = world.environment
        env["GIT_CONFIG_NOSYSTEM"] = "1"
        return try run(["setsid", "-w", "git", "-c", "credential.helper=", "-c", "credential.helper=\(Harness.binary) git"]
                       + config + ["credential", action],
                       stdin: input, environment: env,
                       removing: SignInWorld.unset + ["GIT_ASKPASS", "SSH_ASKPASS"])
    }

    static func password(_ output: String) -> String? {
        output.split(separator: "\n").first { $0.hasPrefix("password=") }.map { String($0.dropFirst("password=".count)) }
    }

    @Test("fill answers a cached Entra token; reject drops it and the next fill refreshes; approve writes nothing")
    func fillRejectApprove() throws {
        let world = try SignInWorld()
        let signedIn = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])

        let fill = try Self.git(world, "fill", "protocol=https\nhost=git.example\npath=team/repo.git\n\n")
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(fill.stdout.contains("username=ada@contoso.example\n"), "\(fill.stdout)")
        let token = Self.password(fill.stdout)
        #expect(token == signedIn)
        // (git 2.39 does not pass password_expiry_utc on; the helper's own answer has it:
        // see the claims test, which asks the helper directly.)
        #expect(try world.emulator.totalRequests() == 0, "a cached token needs no request")

        let approve = try Self.git(world, "approve", fill.stdout + "\n")
        #expect(approve.status == 0, "\(approve.stderr)")
        let stored = try run(["secret-tool", "search", "--all", "server", "git.example"])
        #expect(!(stored.stdout + stored.stderr).contains("attribute.server = git.example"), "approve wrote the token back")

        let reject = try Self.git(world, "reject", fill.stdout + "\n")
        #expect(reject.status == 0, "\(reject.stderr)")
        let again = try Self.git(world, "fill", "protocol=https\nhost=git.example\n\n")
        #expect(again.status == 0, "\(again.stderr)")
        let fresh = Self.password(again.stdout)
        #expect(fresh != nil && fresh != token, "a rejected token was handed out again")
        #expect(try world.emulator.grants("refresh_token") == 1)
        #expect(try world.storedRefreshToken() != nil, "the refresh token stays")
        #expect(world.filesContaining(fresh ?? "-").isEmpty)
    }

    @Test("lookalike hosts and plain http get no token, and Entra is not asked", arguments: [
        "protocol=https\nhost=git.example.evil.com\n",
        "protocol=https\nhost=evil.com\npath=git.example\n",
        "protocol=http\nhost=git.example\n",
        "protocol=https\nhost=git.example:8443\n",
        "protocol=https\nhost=xgit.example\n",
    ])
    func lookalikes(_ request: String) throws {
        let fill = try Self.fillWithoutToken(request)
        #expect(!fill.stdout.contains("password="))
    }

    @Test("a '.' or '..' segment in a routed path: no token, one line, Entra not asked", arguments: [
        "protocol=https\nhost=git.example\npath=team/../other/repo.git\n",
        "protocol=https\nhost=git.example\npath=team/%2E%2e/other/repo.git\n",
        "protocol=https\nhost=git.example\npath=team/.%2e/other\n",
        "url=https://git.example/team/%2e%2e/other/repo.git\n",
    ])
    func dotSegments(_ request: String) throws {
        let fill = try Self.fillWithoutToken(request, config: ["-c", "credential.useHttpPath=true"])
        #expect(fill.stderr.contains("holds a '.' or '..' segment"), "\(fill.stderr)")
        #expect(fill.stderr.split(separator: "\n").filter { $0.hasPrefix("entra-credential-helper: ") }.count == 1, "\(fill.stderr)")
    }

    /// Signs in, then `git credential fill`s `request`: git must find nothing, the token
    /// must appear nowhere, and Entra must not be asked.
    static func fillWithoutToken(_ request: String, config: [String] = []) throws -> Outcome {
        let world = try SignInWorld()
        let token = try world.signInWithDeviceCode()
        try world.emulator.control("reset-counters", [:])
        let fill = try Self.git(world, "fill", request + "\n", config: config)
        #expect(fill.status != 0, "git found a credential: \(fill.stdout)")
        #expect(!fill.stdout.contains(token) && !fill.stderr.contains(token))
        #expect(try world.emulator.totalRequests() == 0)
        return fill
    }

    @Test("git's credential.interactive=false: no prompt, the login command, at once")
    func credentialInteractiveFalse() throws {
        let world = try SignInWorld()
        let started = Date()
        let fill = try Self.git(world, "fill", "protocol=https\nhost=git.example\n\n", config: ["-c", "credential.interactive=false"])
        #expect(fill.status != 0)
        #expect(fill.stderr.contains("entra-credential-helper login --profile work"), "\(fill.stderr)")
        #expect(Date().timeIntervalSince(started) < 5)
        #expect(try world.emulator.totalRequests() == 0)
    }

    @Test("an insufficient_claims challenge in wwwauth[] reaches the token request")
    func claimsChallenge() throws {
        let world = try SignInWorld()
        _ = try world.signInWithDeviceCode()
        let claims = #"{"access_token":{"acrs":{"essential":true,"value":"c1"}}}"#
        let encoded = Data(claims.utf8).base64EncodedString()
        let challenge = #"Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", error="insufficient_claims", claims="\#(encoded)""#
        // git ≥ 2.41 forwards wwwauth[] to helpers; Debian 12's git (2.39) drops it, so the
        // helper is asked directly, as git would ask it.
        let fill = try world.helper(["git", "get"], stdin: "protocol=https\nhost=git.example\nwwwauth[]=\(challenge)\n\n")
        #expect(fill.status == 0, "\(fill.stderr)")
        #expect(fill.stdout.contains("\npassword=ey") && fill.stdout.contains("\npassword_expiry_utc="), "\(fill.stdout)")
        let last = try world.emulator.control("last-request?endpoint=token") as? [String: Any]
        let values = last?["values"] as? [String: Any]
        #expect(values?["grant_type"] as? String == "refresh_token")
        #expect(values?["claims"] as? String == claims, "\(String(describing: last))")
    }
}
