import Foundation
import EntraAuth

// A tiny HTTP(S) server for the HTTPClient tests: Python's http.server on 127.0.0.1, a
// free port chosen by the kernel and printed on stdout. It exits when its stdin closes,
// that is when the test process ends, so nothing is left behind.

private let serverScript = #"""
import email.utils, http.server, json, os, ssl, sys, threading, time
hits = {}
lock = threading.Lock()

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass

    def reply(self, status, body=b"", ctype="application/json", extra=(), length=True):
        self.send_response(status)
        if ctype: self.send_header("Content-Type", ctype)
        for name, value in extra: self.send_header(name, value)
        if length: self.send_header("Content-Length", str(len(body)))
        else: self.send_header("Connection", "close")  # body runs to the end of the connection
        self.end_headers()
        self.wfile.write(body)

    def handle_any(self):
        path = self.path.split("?")[0]
        with lock: hits[path] = hits.get(path, 0) + 1
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        if path == "/echo":
            headers = {k.lower(): v for k, v in self.headers.items()}
            self.reply(200, json.dumps({"method": self.command, "path": self.path, "headers": headers,
                                        "body": body.decode("latin-1")}).encode())
        elif path == "/error400": self.reply(400, b'{"error":"invalid_grant"}')
        elif path == "/busy": self.reply(503, b"busy", "text/plain", [("Retry-After", "7")])
        elif path == "/busydate":
            when = email.utils.formatdate(time.time() + 120, usegmt=True)
            self.reply(429, b"", None, [("Retry-After", when)])
        elif path == "/slow": time.sleep(5); self.reply(200, b"late", "text/plain")
        elif path == "/big": self.reply(200, b"x" * (2 << 20), "text/plain")
        elif path == "/bigstream": self.reply(200, b"x" * (2 << 20), "text/plain", length=False)
        elif path == "/redirect": self.reply(302, b"", None, [("Location", "/target")])
        elif path == "/target": self.reply(200, b"fetched", "text/plain")
        elif path == "/challenge":  # the first of two WWW-Authenticate headers counts
            self.reply(401, b"{}", "application/json", [("WWW-Authenticate", "  Basic realm=/var/opt/azcmagent/tokens/k.key  "),
                                                        ("WWW-Authenticate", "Bearer other")])
        elif path.startswith("/challenge/"):  # /challenge/N: a realm N bytes long in all
            size = int(path.split("/")[2])
            self.reply(401, b"", None, [("WWW-Authenticate", "Basic realm=/" + "a" * (size - len("Basic realm=/")))])
        elif path == "/hits":
            with lock: self.reply(200, json.dumps(hits).encode())
        else: self.reply(404, b"{}")
    do_GET = do_POST = handle_any

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
if len(sys.argv) > 2:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(sys.argv[1], sys.argv[2])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
os._exit(0)
"""#

/// One running server; `url("/echo")` gives its address.
final class HTTPTestServer: @unchecked Sendable {
    let port: Int
    let scheme: String
    private let process = Process()
    private let input = Pipe()

    /// Plain HTTP, shared by the tests (the handlers are stateless but for /hits).
    static let shared: HTTPTestServer = try! HTTPTestServer()

    init(certificate: String? = nil, key: String? = nil) throws {
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", serverScript] + [certificate, key].compactMap { $0 }
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice  // tracebacks of aborted transfers
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw CocoaError(.fileReadUnknown) }
            line.append(chunk)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        self.port = port
        self.scheme = certificate == nil ? "http" : "https"
    }

    deinit {
        try? input.fileHandleForWriting.close()
        process.terminate()
    }

    func url(_ path: String) -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// How many requests each path received.
    func hits() throws -> [String: Int] {
        let response = try CurlTransport().send(.init(method: "GET", url: url("/hits")))
        return try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int] ?? [:]
    }
}

/// A self-signed certificate for 127.0.0.1 (openssl), in a fresh temporary directory.
func makeLoopbackCertificate() throws -> (certificate: String, key: String) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ech-http-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let certificate = directory.appendingPathComponent("cert.pem").path
    let key = directory.appendingPathComponent("key.pem").path
    let openssl = Process()
    openssl.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    openssl.arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                         "-keyout", key, "-out", certificate, "-subj", "/CN=127.0.0.1",
                         "-addext", "subjectAltName=IP:127.0.0.1"]
    openssl.standardError = FileHandle.nullDevice
    try openssl.run()
    openssl.waitUntilExit()
    guard openssl.terminationStatus == 0 else { throw CocoaError(.fileWriteUnknown) }
    return (certificate, key)
}

/// A loopback port with nothing listening: bound by the kernel's choice, then closed.
func closedLoopbackPort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length)
            return getsockname(fd, pointer, &length)
        }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}
