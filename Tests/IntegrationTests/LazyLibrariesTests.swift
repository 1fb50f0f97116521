import Foundation
import Testing

/// GLib, GIO, GObject, libsecret (with the shim that calls them, CLibSecret/shim.c),
/// libcurl, OpenSSL's libcrypto (CCrypto, for client certificates) and libqrencode (CQRencode,
/// for a device code's QR code) are opened with
/// dlopen when first needed, never linked: a call that does not reach the keyring loads
/// none of them, and one that does loads neither libcurl nor libcrypto.
@Suite("lazily opened libraries", .enabled(if: Harness.keyringReady && Harness.which("readelf") != nil))
struct LazyLibrariesTests {
    static let lazy = ["libglib", "libgio", "libgobject", "libsecret", "libcurl", "libcrypto", "libssl", "libqrencode"]

    /// The libraries the dynamic loader opened for one run (LD_DEBUG=files), by soname.
    static func loaded(_ arguments: [String], stdin: String) throws -> [String] {
        let result = try run([Harness.binary] + arguments, stdin: stdin, environment: ["LD_DEBUG": "files"])
        return result.stderr.split(separator: "\n").compactMap { line in
            guard let range = line.range(of: "file=") else { return nil }
            return String(line[range.upperBound...].prefix { $0 != " " && $0 != ";" })
        }
    }

    @Test("the binary names none of them as NEEDED")
    func needed() throws {
        let dynamic = try run(["readelf", "-d", Harness.binary])
        #expect(dynamic.status == 0, "\(dynamic.stderr)")
        let needed = dynamic.stdout.split(separator: "\n").filter { $0.contains("(NEEDED)") }
        #expect(!needed.isEmpty)
        for library in Self.lazy {
            #expect(!needed.contains { $0.contains(library) }, "\(library) in \(needed)")
        }
    }

    @Test("help loads none of them; a keyring lookup opens GLib, GIO and libsecret then, never libcurl, libcrypto or libqrencode")
    func loadedOnUse() throws {
        let help = try Self.loaded(["--help"], stdin: "")
        #expect(help.contains { $0.hasPrefix("libc.so") }, "LD_DEBUG saw no library: \(help)")
        for library in Self.lazy {
            #expect(!help.contains { $0.hasPrefix(library) }, "\(library) loaded for --help: \(help)")
        }
        let lookup = try Self.loaded(["git", "get"], stdin: "protocol=https\nhost=\(uniqueHost("lazy"))\n")
        for library in ["libglib", "libgio", "libsecret"] {
            #expect(lookup.contains { $0.hasPrefix(library) }, "\(library) not loaded for a keyring lookup: \(lookup)")
        }
        for library in ["libcurl", "libcrypto", "libssl", "libqrencode"] {
            #expect(!lookup.contains { $0.hasPrefix(library) }, "\(library) loaded for a keyring lookup: \(lookup)")
        }
    }
}
