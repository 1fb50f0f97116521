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
        // Routing on the index chooses as the router over every profile, for each pattern's host.
        if let checked = try? Config.parse(bytes, path: path) {
            let router = HostRouter(profiles: Array(expected.profiles.values))
            for pattern in expected.profiles.values.flatMap(\.hosts) {
                for url in ["https://x." + pattern.description.replacingOccurrences("*.", ""), "https://" + pattern.description] {
                    guard let request = HostRouter.Request(url: url) else { continue }
                    invariant((try? checked.routeOrRefuse(request)) == (try? router.routeOrRefuse(request)),
                              "ConfigIndex routed \(shown(url)) elsewhere")
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
