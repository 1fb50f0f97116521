import FuzzSupport
import HelperCore
import HelperProtocol

/// git's credential wire format: whatever decodes encodes without error to bytes holding
/// no CR or NUL, one `key=value` line per attribute, and decodes back to the same
/// credential; a credential built from any text either encodes to such bytes and decodes
/// back to itself, or is refused because a value holds CR, LF or NUL.
func fuzzGit(_ bytes: [UInt8]) {
    if let credential = try? GitCodec.decode(bytes) {
        roundTrip(credential, what: "a decoded credential")
    }
    let t = texts(bytes, count: 12)
    var built = GitCredential(protocol: t[0].isEmpty ? nil : t[0], host: t[1], path: t[2].isEmpty ? nil : t[2],
                              username: t[3], password: t[4], passwordExpiryUTC: t[5].isEmpty ? nil : t[5],
                              oauthRefreshToken: t[6].isEmpty ? nil : t[6])
    built.wwwauth = t[7].isEmpty ? [] : t[7].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    built.capability = t[8].isEmpty ? [] : [t[8]]
    built.state = t[9].isEmpty ? [] : [t[9], t[9]]
    built.authtype = t[10].isEmpty ? nil : t[10]
    built.credential = t[11].isEmpty ? nil : t[11]
    built.ephemeral = bytes.count % 3 == 1
    built.continue = bytes.count % 5 == 2
    let forbidden = t.contains { $0.utf8.contains { $0 == 0x0A || $0 == 0x0D || $0 == 0 } }
    if forbidden {
        do {
            _ = try GitCodec.encode(built)
            invariant(false, "a value holding CR, LF or NUL was encoded")
        } catch {
            guard case .forbiddenCharacter = error else { invariant(false, "refused with \(error)"); return }
        }
    } else {
        roundTrip(built, what: "a built credential")
    }
}

func roundTrip(_ credential: GitCredential, what: String) {
    let encoded: [UInt8]
    do {
        encoded = try GitCodec.encode(credential)
    } catch {
        invariant(false, "\(what) was refused by encode: \(error)")
        return
    }
    invariant(!encoded.contains { $0 == 0x0D || $0 == 0 }, "encoded bytes hold CR or NUL: \(shown(encoded))")
    invariant(encoded.isEmpty || encoded.last == 0x0A, "encoded bytes do not end with LF")
    let lines = encoded.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
    invariant(lines.allSatisfy { !$0.isEmpty && $0.contains(UInt8(ascii: "=")) }, "an encoded line is not key=value: \(shown(encoded))")
    // An empty list element is not written (`key[]=` would clear the list).
    var expected = credential
    expected.wwwauth.removeAll { $0.isEmpty }
    expected.capability.removeAll { $0.isEmpty }
    expected.state.removeAll { $0.isEmpty }
    let again = try? GitCodec.decode(encoded)
    invariant(again == expected, "\(what) did not decode back from \(shown(encoded)): \(String(describing: again))")
}
