@testable import EntraAuth
import FuzzSupport
import HelperCore

/// The config file reader: a file that reads is written back (Config.encoded) to a file
/// that reads as the same config and writes back byte for byte; a file that does not
/// read is refused with configInvalid naming the file and a line inside it.
func fuzzConfig(_ bytes: [UInt8]) {
    let path = "/fuzz/config.json"
    // ConfigIndex (checking on the bytes) must not change what the file reads as: what it
    // takes, the full reading takes, as the same config; what it leaves, the full reading
    // reads (so errors are the full reading's own; with two broken profiles, which one it
    // names depends on a dictionary's order, as before).
    let full = Result { () throws(HelperError) in try Config.parseFully(bytes, path: path) }
    if ConfigIndex(bytes) != nil {
        guard case let .success(expected) = full else {
            invariant(false, "ConfigIndex took a file the full reading refuses: \(full)")
            return
        }
        invariant((try? Config.parse(bytes, path: path)) == expected, "ConfigIndex read another config")
        if let checked = try? Config.parse(bytes, path: path) {
            // The profiles the index builds itself (Config == compares the full reading's).
            invariant(checked.profileCount == expected.profiles.count, "ConfigIndex counts another number of profiles")
            for (name, profile) in expected.profiles {
                invariant(checked.profile(named: name) == profile, "ConfigIndex built profile \(shown(name)) otherwise")
            }
            // Routing on the index chooses as the router over every profile, refusals
            // included, for each pattern's host in several spellings and schemes.
            let router = HostRouter(profiles: Array(expected.profiles.values))
            for pattern in expected.profiles.values.flatMap(\.hosts) {
                let host = pattern.description.replacingOccurrences("*.", "")
                for url in ["https://x." + host, "https://" + pattern.description, "https://" + host.uppercased(),
                            "https://" + host + ".", "http://" + host, host + ":443", "https://" + host + "/a/../b",
                            "https://" + host + "/extra/path"] {
                    guard let request = HostRouter.Request(url: url) else { continue }
                    let indexed = Result { () throws(HelperError) in try checked.routeOrRefuse(request) }
                    let everyProfile = Result { () throws(HelperError) in try router.routeOrRefuse(request) }
                    invariant(indexed == everyProfile, "ConfigIndex routed \(shown(url)) elsewhere")
                }
            }
        }
    }
    let config: Config
    do {
        config = try Config.parse(bytes, path: path)
    } catch {
        guard case let .configInvalid(named, line, reason) = error else {
            invariant(false, "refused with \(error), not configInvalid")
            return
        }
        let lines = bytes.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
        invariant(named == path && !reason.isEmpty, "the error does not name the file: \(error)")
        invariant(line.map { (1...lines).contains($0) } ?? true, "line \(line!) is outside a \(lines)-line file")
        return
    }
    let written = config.encoded()
    let again: Config
    do {
        again = try Config.parse(written, path: path)
    } catch {
        invariant(false, "the written config does not read: \(error.message)\n\(shown(written))")
        return
    }
    invariant(again == config, "the written config reads differently:\n\(shown(written))")
    invariant(again.encoded() == written, "writing is not stable:\n\(shown(written))")
}

extension String {
    func replacingOccurrences(_ target: String, _ replacement: String) -> String {
        guard hasPrefix(target) else { return self }
        return replacement + dropFirst(target.count)
    }
}
