import HelperCore
import Testing

extension HelperErrorWordingTests {
    /// One name per case, with no `default`: a new case does not compile here until it is
    /// named; then raise `caseCount` and give it a row in `table`.
    static func name(_ error: HelperError) -> String {
        switch error {
        case .lineTooLong: "lineTooLong"
        case .forbiddenCharacter: "forbiddenCharacter"
        case .malformedLine: "malformedLine"
        case .invalidBoolean: "invalidBoolean"
        case .invalidUTF8: "invalidUTF8"
        case .inputTooLarge: "inputTooLarge"
        case .missingAttributes: "missingAttributes"
        case .invalidJSON: "invalidJSON"
        case .usage: "usage"
        case .credentialsNotFound: "credentialsNotFound"
        case .missingServerURL: "missingServerURL"
        case .missingUsername: "missingUsername"
        case .unknownAction: "unknownAction"
        case .noSessionBus: "noSessionBus"
        case .noSecretService: "noSecretService"
        case .collectionLocked: "collectionLocked"
        case .unlockDismissed: "unlockDismissed"
        case .noDefaultCollection: "noDefaultCollection"
        case .keyringTimeout: "keyringTimeout"
        case .keyringFailure: "keyringFailure"
        case .missingLibrary: "missingLibrary"
        case .invalidHostPattern: "invalidHostPattern"
        case .invalidPortRange: "invalidPortRange"
        case .insecureAuthority: "insecureAuthority"
        case .invalidTenant: "invalidTenant"
        case .randomUnavailable: "randomUnavailable"
        case .configUnreadable: "configUnreadable"
        case .configInvalid: "configInvalid"
        case .unknownProfile: "unknownProfile"
        case .noProfile: "noProfile"
        case .unroutedHost: "unroutedHost"
        case .profileDoesNotRoute: "profileDoesNotRoute"
        case .noClusterInfo: "noClusterInfo"
        case .dotSegmentInPath: "dotSegmentInPath"
        case .registryExchangeFailed: "registryExchangeFailed"
        case .profileExists: "profileExists"
        case .wildcardOverPublicSuffix: "wildcardOverPublicSuffix"
        case .publicSuffixListUnavailable: "publicSuffixListUnavailable"
        case .interactionRequired: "interactionRequired"
        case .promptCoolingDown: "promptCoolingDown"
        case .signInDenied: "signInDenied"
        case .signInTimedOut: "signInTimedOut"
        case .signInFailed: "signInFailed"
        case .pastedAddress: "pastedAddress"
        case .network: "network"
        case .httpUnavailable: "httpUnavailable"
        case .certificateUnreadable: "certificateUnreadable"
        case .certificatePassword: "certificatePassword"
        case .certificateNoPrivateKey: "certificateNoPrivateKey"
        case .certificateNotRSA: "certificateNotRSA"
        case .certificateMissing: "certificateMissing"
        case .certificateKeyMismatch: "certificateKeyMismatch"
        case .cryptoUnavailable: "cryptoUnavailable"
        case .badTokenResponse: "badTokenResponse"
        case .listenerFailed: "listenerFailed"
        case .lockTimeout: "lockTimeout"
        case .fileStoreFailure: "fileStoreFailure"
        case .unsafeLockPath: "unsafeLockPath"
        case .unsafeLockBase: "unsafeLockBase"
        case .profileHasNoHosts: "profileHasNoHosts"
        case .unparsableFile: "unparsableFile"
        case .toolFailed: "toolFailed"
        case .fileNotWritten: "fileNotWritten"
        case .missingAppSetting: "missingAppSetting"
        case .federatedTokenFile: "federatedTokenFile"
        case .oidcRequestRefused: "oidcRequestRefused"
        case .oidcRequestFailed: "oidcRequestFailed"
        case .appSignInRejected: "appSignInRejected"
        case .managedIdentityUnreachable: "managedIdentityUnreachable"
        case .managedIdentityRefused: "managedIdentityRefused"
        case .arcChallenge: "arcChallenge"
        case .noCachedToken: "noCachedToken"
        }
    }
}

/// Messages as the helper printed them before cause and fix were split, copied from the
/// old wording: the rendering must not have changed a byte.
@Suite("error messages as before the split")
struct HelperErrorLiteralTests {
    static let literals: [(HelperError, String)] = [
        (.noDefaultCollection, "the keyring has no default collection to store into; create one with `gnome-keyring-daemon --replace --unlock --components=secrets` (type a new password, then Ctrl-D) or in Seahorse"),
        (.keyringTimeout(milliseconds: 5000), "the Secret Service did not answer within 5000 ms; restart the keyring daemon (`gnome-keyring-daemon --replace --components=secrets`) and retry"),
        (.credentialsNotFound, "credentials not found in native keychain"),
        (.signInTimedOut(seconds: 3), "the sign-in did not complete within 3 s; retry, or raise the bound with --timeout SECONDS"),
        (.invalidPortRange("x"), "'x' is not a port or port range; use N or A-B within 1-65535"),
        (.lockTimeout(path: "/run/l", seconds: 60), "another sign-in held /run/l for over 60 s; finish or cancel it (or end the process holding it) and retry"),
        (.interactionRequired(profile: "work", reason: "no sign-in is stored for profile work"), "no sign-in is stored for profile work, and this caller cannot show a sign-in prompt; run `entra-credential-helper login --profile work` in a terminal, then retry"),
        (.usage("kubectl: unknown option '--x'"), "kubectl: unknown option '--x'"),
    ]

    @Test("each message is the old text, byte for byte", arguments: literals)
    func literal(error: HelperError, text: String) {
        #expect(error.message == text)
    }
}
