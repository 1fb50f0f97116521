@testable import EntraAuth
import FuzzSupport
import HelperCore

/// The config file reader: a file that reads is written back (Config.encoded) to a file
/// that reads as the same config and writes back byte for byte; a file that does not
/// read is refused with configInvalid naming the file and a line inside it.
func fuzzConfig(_ bytes: [UInt8]) {
    let path = "/fuzz/config.json"
    // ConfigIndex (checking on the bytes) must not change what the file reads as.
    let fast = Result { () throws(HelperError) in try Config.parse(bytes, path: path) }
    let full = Result { () throws(HelperError) in try Config.parseFully(bytes, path: path) }
    switch (fast, full) {
    case let (.success(a), .success(b)): invariant(a == b, "ConfigIndex read another config")
    case let (.failure(a), .failure(b)): invariant(a == b, "ConfigIndex changed the error: \(a) vs \(b)")
    default: invariant(false, "ConfigIndex and the full reading disagree: \(fast) vs \(full)")
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
