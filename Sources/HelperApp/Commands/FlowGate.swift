import EntraAuth
import HelperCore

/// The token source for every profile: the user sign-in for the flows a person signs in
/// with, and one line for the flows whose sources this build does not have yet (client
/// credentials, workload identity, managed identity). It is replaced by the choice of a
/// source per flow when those land; caching and the lock above it do not change.
final class FlowGate: TokenSource {
    let user: any TokenSource

    init(user: any TokenSource) { self.user = user }

    static func check(_ profile: Profile) throws(HelperError) {
        guard profile.flow.signsInAPerson else {
            throw .flowNotAvailable(flow: profile.flow.rawValue, profile: profile.name)
        }
    }

    func acquire(_ profile: Profile, key: SignInKey, demand: TokenDemand) throws(HelperError) -> SourcedToken {
        try Self.check(profile)
        return try user.acquire(profile, key: key, demand: demand)
    }

    func renew(_ profile: Profile, key: SignInKey) throws(HelperError) -> AccessToken {
        try Self.check(profile)
        return try user.renew(profile, key: key)
    }

    func state(_ profile: Profile, key: SignInKey) throws(HelperError) -> SourceState { try user.state(profile, key: key) }

    func forget(_ key: SignInKey?) throws(HelperError) { try user.forget(key) }
}
