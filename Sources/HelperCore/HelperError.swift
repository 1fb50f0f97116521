/// The one error type of the helper. Every failure, whatever layer finds it, is one of
/// these cases; each protocol front end renders it in exactly one place
/// (`GitFrontEnd`, `DockerFrontEnd`, …), and `message` is the one-line text a human reads:
/// its `cause`, then its `fix` (both worded in HelperErrorWording.swift). `doctor` shows
/// the same `fix` when it finds the same fault.
public enum HelperError: Error, Equatable, Sendable {
    // Bad input on the protocol stream.
    case lineTooLong(line: Int, limit: Int)
    case forbiddenCharacter(key: String, character: String)
    case malformedLine(line: Int)
    case invalidBoolean(key: String, line: Int)
    case invalidUTF8(key: String)
    case inputTooLarge(limit: Int)
    case missingAttributes([String], action: String)
    case invalidJSON(String)
    case usage(String)

    // The docker protocol's fixed answers (docker-credential-helpers' exact strings).
    case credentialsNotFound
    case missingServerURL
    case missingUsername
    case unknownAction(String)

    // Keyring faults: each names the cause and the fix. None of them deletes anything.
    case noSessionBus(detail: String)
    case noSecretService(detail: String)
    case collectionLocked(collection: String)
    case unlockDismissed(collection: String)
    case noDefaultCollection
    case keyringTimeout(milliseconds: Int)
    case keyringFailure(String)
    /// A shared library opened on first use is not installed; the text names the package.
    case missingLibrary(String)

    // Sign-in configuration.
    case invalidHostPattern(String)
    case invalidPortRange(String)
    case insecureAuthority(String)
    case invalidTenant(String)
    case randomUnavailable
    case configUnreadable(path: String, reason: String)
    case configInvalid(path: String, line: Int?, reason: String)
    case unknownProfile(String, known: [String])
    case noProfile
    /// A front end's request that no profile routes (kubectl's cluster server).
    case unroutedHost(String)
    /// kubectl's cluster server, which the profile named with --profile does not route.
    case profileDoesNotRoute(profile: String, server: String)
    /// kubectl sent no cluster server and no --profile was given: nothing picks a profile.
    case noClusterInfo
    /// A routed request whose path holds a `.` or `..` segment (perhaps percent-encoded).
    case dotSegmentInPath(host: String, path: String)
    case registryExchangeFailed(registry: String, status: Int, detail: String, profile: String)
    case profileExists(String)
    /// A `*.suffix` pattern directly over a public suffix (`*.github.io`).
    case wildcardOverPublicSuffix(String)
    /// The Public Suffix List cannot be read, so wildcards cannot be checked.
    case publicSuffixListUnavailable(path: String)

    // Sign-in. None of these deletes a refresh token.
    case interactionRequired(profile: String, reason: String)
    case promptCoolingDown(profile: String, seconds: Int)
    case signInDenied(String)
    case signInTimedOut(seconds: Int)
    case signInFailed(String)
    /// The paste flow's address could not be used (HelperErrorPaste.swift).
    case pastedAddress(PastedAddressProblem)
    case network(host: String, detail: String)
    case httpUnavailable(String)

    // A client certificate (PEM or PKCS#12). `path` is the file's; `detail` never holds a secret.
    case certificateUnreadable(path: String, detail: String)
    /// The password is wrong, or the file needs one and none was given.
    case certificatePassword(path: String, detail: String)
    case certificateNoPrivateKey(path: String)
    case certificateNotRSA(path: String, detail: String)
    /// A private key but no certificate with it.
    case certificateMissing(path: String)
    case certificateKeyMismatch(path: String)
    /// OpenSSL's libcrypto (opened on first use of a certificate) is not installed.
    case cryptoUnavailable(String)
    case badTokenResponse(String)
    case listenerFailed(String)
    case lockTimeout(path: String, seconds: Int)
    case fileStoreFailure(path: String, reason: String)
    /// The sign-in lock directory (or a lock file in it) is not private to this user.
    case unsafeLockPath(path: String, problem: String)
    /// The directory the lock directory is made in (XDG_RUNTIME_DIR, ~/.cache) is unsafe:
    /// never to be removed, only tightened or replaced.
    case unsafeLockBase(path: String, problem: String)

    // `setup git|docker|kubectl`: other tools' configuration. None of these changes a file.
    /// The profile names no host, so there is nothing to configure.
    case profileHasNoHosts(String)
    /// A file we would merge into is not what its tool reads; `fix` says what to do.
    case unparsableFile(path: String, detail: String, fix: String)
    /// A tool run for setup (git config, kubectl config) failed or is missing.
    case toolFailed(command: String, detail: String, fix: String)
    case fileNotWritten(path: String, reason: String)
    /// `inspect`: no access token of the profile is cached (it never signs in itself).
    case noCachedToken(profile: String)

    // Callers without a person: client credentials, workload and managed identity.
    /// A setting the chosen flow needs is not given; `fix` names where to give it.
    case missingAppSetting(flow: String, setting: String, fix: String)
    /// AZURE_FEDERATED_TOKEN_FILE is missing, unreadable, empty, not a JWT or expired.
    case federatedTokenFile(path: String, problem: FederatedTokenProblem)
    /// GitHub Actions' or Azure Pipelines' OIDC request URL answered 401 or 403.
    case oidcRequestRefused(provider: String, status: Int)
    /// GitHub Actions' or Azure Pipelines' OIDC request gave no token otherwise.
    case oidcRequestFailed(provider: String, detail: String)
    /// Entra refused the app's own credential (AADSTS700016, 7000215, 700027, 70021…).
    case appSignInRejected(clientID: String, code: Int?, detail: String)
    /// No managed identity endpoint answered within the bound.
    case managedIdentityUnreachable(endpoint: String, detail: String)
    /// The managed identity endpoint answered with an error (400: no such identity here).
    case managedIdentityRefused(endpoint: String, status: Int, detail: String)
    /// Azure Arc's challenge-file handshake failed (HelperErrorArc.swift).
    case arcChallenge(problem: ArcChallengeProblem)

    /// One line, naming the cause and the fix: `cause`, then `; ` and `fix` when there is
    /// one. Never contains a secret. Every value it echoes is sanitised (no escapes,
    /// control characters or line breaks; URLs without their userinfo).
    public var message: String { Self.render(cause: wording.cause, fix: wording.fix) }

    /// What went wrong, on one line (sanitised as `message` is).
    public var cause: String { Sanitize.line(wording.cause, limit: Self.limit) }

    /// What to do about it, on one line (sanitised as `message` is); nil for the few
    /// cases whose text is fixed elsewhere (docker's exact answers, usage text) or states
    /// the rule itself. `doctor` shows this same text for the same fault.
    public var fix: String? { wording.fix.map { Sanitize.line($0, limit: Self.limit) } }

    /// The one rendering of a cause and its fix as a line.
    static func render(cause: String, fix: String?) -> String {
        Sanitize.line(fix.map { "\(cause); \($0)" } ?? cause, limit: limit)
    }

    static let limit = 1000
}

/// What is wrong with the federated token file (AZURE_FEDERATED_TOKEN_FILE).
public enum FederatedTokenProblem: Equatable, Sendable {
    case missing
    case unreadable(String)
    case empty
    case notJWT
    /// Its `exp` (seconds since the epoch) has passed.
    case expired(Int64)
}
