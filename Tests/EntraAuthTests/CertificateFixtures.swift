import Foundation
import Testing

/// Test keys and certificates made with the `openssl` CLI in a private temporary
/// directory, once per test process: RSA 2048 in PEM (plain, combined, encrypted), PKCS#12
/// with and without a password (and with the legacy RC2/3DES encryption), an EC key, a key without a certificate, a certificate
/// without a key, a key with another key's certificate, and a leaf signed by a test CA.
enum CertificateFixtures {
    static let password = "s3cret pass"
    static let directory: String = make()

    static func path(_ name: String) -> String { directory + "/" + name }

    /// Runs openssl (or another tool) and returns its stdout; a failure fails the test.
    @discardableResult
    static func tool(_ arguments: [String], stdin: Data? = nil) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory.isEmpty ? "/" : directory)
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(stdin) }
        input.fileHandleForWriting.closeFile()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus != 0 {
            throw ToolFailure(text: "\(arguments.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))")
        }
        return data
    }

    struct ToolFailure: Error, CustomStringConvertible { let text: String; var description: String { text } }

    /// The exit status of a tool (for verifications expected to fail).
    static func status(_ arguments: [String]) -> Int32 {
        (try? tool(arguments)) == nil ? 1 : 0
    }

    private static func make() -> String {
        let dir = NSTemporaryDirectory() + "ech-cert-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        func run(_ line: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-ec", line]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardError = FileHandle.nullDevice
            try! process.run()
            process.waitUntilExit()
            precondition(process.terminationStatus == 0, "fixture step failed: \(line)")
        }
        let subject = "-subj /CN=ech-test -days 2"
        run("openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem \(subject)")
        run("openssl pkey -in key.pem -pubout -out pub.pem")
        run("cat cert.pem key.pem > combined.pem")
        run("openssl pkey -in key.pem -aes-256-cbc -passout 'pass:\(password)' -out enckey.pem && cat enckey.pem cert.pem > encrypted.pem")
        run("openssl pkcs12 -export -inkey key.pem -in cert.pem -passout pass: -out nopass.pfx")
        run("openssl pkcs12 -export -inkey key.pem -in cert.pem -passout 'pass:\(password)' -out pass.pfx")
        run("openssl pkcs12 -export -legacy -inkey key.pem -in cert.pem -passout 'pass:\(password)' -out legacy.pfx")
        run("openssl pkcs12 -export -nokeys -in cert.pem -passout pass: -out certonly.pfx")
        run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout eckey.pem -out eccert.pem \(subject) && cat eckey.pem eccert.pem > ec.pem")
        run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other.pem && cat cert.pem other.pem > mismatch.pem")
        run("cp key.pem keyonly.pem && cp cert.pem certonly.pem && printf 'not a certificate' > garbage.bin")
        run("openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -subj /CN=ech-test-ca -days 2")
        run("openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj /CN=ech-test-leaf")
        run("openssl x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out leaf.pem -days 2")
        run("cat ca.pem leaf.key leaf.pem > chain.pem")
        run("openssl pkcs12 -export -inkey leaf.key -in leaf.pem -certfile ca.pem -passout pass: -out chain.pfx")
        run("openssl pkey -in leaf.key -pubout -out leafpub.pem")
        atexit { try? FileManager.default.removeItem(atPath: CertificateFixtures.directory) }
        return dir
    }

    /// `openssl x509 -fingerprint -sha256` of a PEM certificate, as bytes.
    static func fingerprint(_ certificate: String) throws -> [UInt8] {
        let text = String(decoding: try tool(["openssl", "x509", "-in", path(certificate), "-noout", "-fingerprint", "-sha256"]), as: UTF8.self)
        let hex = try #require(text.split(separator: "=").last).trimmingCharacters(in: .whitespacesAndNewlines)
        return hex.split(separator: ":").map { UInt8($0, radix: 16)! }
    }

    /// The certificate's DER in standard base64, by `openssl x509 -outform DER`.
    static func derBase64(_ certificate: String) throws -> String {
        try tool(["openssl", "x509", "-in", path(certificate), "-outform", "DER"]).base64EncodedString()
    }

    /// Verifies a signature over data with `openssl dgst` (PS256: PSS, MGF1-SHA-256, salt 32).
    static func verify(_ signature: [UInt8], over data: [UInt8], publicKey: String, pss: Bool, saltLength: Int = 32) -> Bool {
        let id = UUID().uuidString
        let dataPath = path("data-\(id)"), signaturePath = path("sig-\(id)")
        FileManager.default.createFile(atPath: dataPath, contents: Data(data))
        FileManager.default.createFile(atPath: signaturePath, contents: Data(signature))
        defer { try? FileManager.default.removeItem(atPath: dataPath); try? FileManager.default.removeItem(atPath: signaturePath) }
        var arguments = ["openssl", "dgst", "-sha256", "-verify", path(publicKey), "-signature", signaturePath]
        if pss {
            arguments += ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:\(saltLength)", "-sigopt", "rsa_mgf1_md:sha256"]
        }
        return status(arguments + [dataPath]) == 0
    }

    /// Unpadded base64url decoded.
    static func base64URL(_ text: Substring) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while standard.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard)
    }
}
