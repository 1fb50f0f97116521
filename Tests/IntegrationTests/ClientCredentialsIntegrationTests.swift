import Foundation
import Testing

/// The real binary with `--flow client-credentials` and AZURE_CLIENT_SECRET against a
/// loopback token endpoint (a small Python server that checks the grant's form, counts
/// requests and answers slowly enough for callers to pile up). No D-Bus session: an app
/// token needs no Secret Service. The emulator's own client-credentials grant comes from
/// another branch; the end-to-end runs with git, docker and kubectl go there.
@Suite("client credentials, end to end with the real binary", .serialized)
struct ClientCredentialsIntegrationTests {
    static let script = #"""
import http.server, json, sys, threading, time, urllib.parse
expected_secret = sys.argv[2]
log = open(sys.argv[1], "a", buffering=1)
class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args): pass
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
        log.write(json.dumps({"path": self.path, "form": form}) + "\n")
        time.sleep(0.3)
        expected = {"client_id", "scope", "grant_type", "client_secret"}
        if set(form) != expected or form["grant_type"] != "client_credentials":
            status, answer = 400, {"error": "invalid_request", "error_description": "AADSTS900144: bad form", "error_codes": [900144]}
        elif form["client_secret"] != expected_secret:
            status, answer = 401, {"error": "invalid_client", "error_description": "AADSTS7000215: Invalid client secret provided.", "error_codes": [7000215]}
        else:
            status, answer = 200, {"token_type": "Bearer", "expires_in": 3599, "access_token": "app-token-for-" + form["client_id"]}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()
"""#

    static let secret = "cc-Secret~" + UUID().uuidString

    final class World {
        let home: TemporaryDirectory
        let outputs: TemporaryDirectory
        let port: Int
        private let server: Spawned
        let clientID = UUID().uuidString.lowercased()

        init() throws {
            home = try TemporaryDirectory()
            outputs = try TemporaryDirectory()
            let portFile = outputs.file("port")
            let fifo = outputs.file("stdin")
            mkfifo(fifo, 0o600)
            server = try Spawned(["/bin/sh", "-c", "exec python3 -c \"$0\" \"$1\" \"$2\" < \"$3\" > \"$4\"", ClientCredentialsIntegrationTests.script,
                                  outputs.file("requests.log"), ClientCredentialsIntegrationTests.secret, fifo, portFile],
                                 environment: Harness.environment)
            // Hold the FIFO open for writing: the server exits when it is closed.
            keeper = open(fifo, O_WRONLY)
            var found: Int?
            for _ in 0..<200 where found == nil {
                found = (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
                if found == nil { usleep(50_000) }
            }
            guard let found else { throw CocoaError(.fileReadUnknown) }
            port = found
        }
        private var keeper: Int32 = -1

        deinit {
            close(keeper)
            server.terminate()
        }

        var environment: [String: String] {
            ["HOME": home.file("home"), "XDG_CONFIG_HOME": home.file("config"), "XDG_RUNTIME_DIR": home.file("runtime"),
             "XDG_CACHE_HOME": home.file("cache"), "XDG_STATE_HOME": home.file("state"),
             "AZURE_CLIENT_SECRET": ClientCredentialsIntegrationTests.secret]
        }
        static let removed = SignInWorld.unset + ["DBUS_SESSION_BUS_ADDRESS", "AZURE_FEDERATED_TOKEN_FILE", "ENTRA_CREDENTIAL_HELPER_FLOW"]

        func helper(_ arguments: [String], extra: [String: String] = [:]) throws -> Outcome {
            try run(["setsid", "-w", Harness.binary] + arguments, environment: environment.merging(extra) { $1 }, removing: Self.removed)
        }

        func start(_ arguments: [String], name: String) throws -> Spawned {
            var env = Harness.environment
            for key in Self.removed { env[key] = nil }
            env.merge(environment) { $1 }
            return try Spawned(["setsid", "-w", Harness.binary] + arguments, environment: env,
                               stdout: outputs.file("\(name).out"), stderr: outputs.file("\(name).err"))
        }

        var requests: [[String: Any]] {
            ((try? String(contentsOfFile: outputs.file("requests.log"), encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }

        func filesContaining(_ needle: String) -> [String] {
            var hits: [String] = []
            guard let walker = FileManager.default.enumerator(atPath: home.path) else { return [] }
            for case let relative as String in walker {
                if let data = FileManager.default.contents(atPath: home.file(relative)), data.range(of: Data(needle.utf8)) != nil {
                    hits.append(relative)
                }
            }
            return hits
        }
    }

    @Test("16 parallel callers make one token request; the token is cached; status names the app; the secret is nowhere")
    func parallelAndCached() throws {
        let world = try World()
        let added = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                                      "--scope", "api://ci/.default", "--authority-host", "http://127.0.0.1:\(world.port)",
                                      "--flow", "client-credentials", "--host", "git.example"])
        #expect(added.status == 0, "\(added.stderr)")
        let callers = try (0..<16).map { try world.start(["get-token", "--profile", "ci"], name: "caller\($0)") }
        let expected = "app-token-for-\(world.clientID)"
        var stderrs = ""
        for (index, caller) in callers.enumerated() {
            #expect(caller.wait() == 0)
            let out = (try? String(contentsOfFile: world.outputs.file("caller\(index).out"), encoding: .utf8)) ?? ""
            #expect(out.trimmingCharacters(in: .newlines) == expected)
            stderrs += (try? String(contentsOfFile: world.outputs.file("caller\(index).err"), encoding: .utf8)) ?? ""
        }
        let requests = world.requests
        #expect(requests.count == 1, "\(requests.count) token requests")
        #expect(requests.first?["path"] as? String == "/contoso/oauth2/v2.0/token")
        let form = requests.first?["form"] as? [String: String]
        #expect(form == ["client_id": world.clientID, "scope": "api://ci/.default", "grant_type": "client_credentials",
                         "client_secret": Self.secret])

        let again = try world.helper(["get-token", "--profile", "ci"])
        #expect(again.status == 0 && again.stdout.trimmingCharacters(in: .newlines) == expected)
        #expect(world.requests.count == 1)

        let status = try world.helper(["status", "--profile", "ci"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("flow: client-credentials") && status.stdout.contains("identity: app \(world.clientID)"), "\(status.stdout)")
        #expect(status.stdout.contains("refresh_token: absent"))

        for text in [stderrs, again.stderr, status.stderr, status.stdout, added.stderr] {
            #expect(!text.contains(Self.secret))
        }
        #expect(world.filesContaining(Self.secret).isEmpty)
        #expect(world.filesContaining(expected).isEmpty, "the token is cached in the kernel keyring, not under HOME")
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("a wrong secret: exit 1, one line naming the fix, no secret, nothing cached")
    func wrongSecret() throws {
        let world = try World()
        _ = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                              "--scope", "api://ci/.default", "--authority-host", "http://127.0.0.1:\(world.port)", "--host", "git.example"])
        let wrong = "wrong-" + Self.secret
        let result = try world.helper(["get-token", "--profile", "ci"],
                                      extra: ["AZURE_CLIENT_SECRET": wrong, "ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials"])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(result.stderr)")
        #expect(result.stderr.contains("AADSTS7000215") && result.stderr.contains("check the client secret"), "\(result.stderr)")
        #expect(!result.stderr.contains(wrong) && !result.stderr.contains(Self.secret))
        #expect(world.filesContaining(wrong).isEmpty)
        let retry = try world.helper(["get-token", "--profile", "ci"], extra: ["ENTRA_CREDENTIAL_HELPER_FLOW": "client-credentials"])
        #expect(retry.status == 0, "\(retry.stderr)")
        #expect(world.requests.count == 2)
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("profile add --client-secret-stdin: the secret in the Secret Service only; get-token uses it; profile remove deletes it",
          .enabled(if: Harness.keyringReady))
    func storedSecret() throws {
        let world = try World()
        let secretFree = ["AZURE_CLIENT_SECRET": ""]
        let bus = ["DBUS_SESSION_BUS_ADDRESS": Harness.environment["DBUS_SESSION_BUS_ADDRESS"] ?? ""]
        let added = try run(["setsid", "-w", Harness.binary, "profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID,
                             "--scope", "api://ci/.default", "--authority-host", "http://127.0.0.1:\(world.port)", "--host", "git.example",
                             "--client-secret-stdin"],
                            stdin: Self.secret + "\n", environment: world.environment.merging(secretFree.merging(bus) { $1 }) { $1 },
                            removing: SignInWorld.unset)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(!added.stderr.contains(Self.secret))
        let lookup = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.ClientSecret", "client_id", world.clientID])
        #expect(lookup.stdout == Self.secret)
        #expect(world.filesContaining(Self.secret).isEmpty, "the secret is in no file under HOME (the config names the flow only)")

        let token = try run(["setsid", "-w", Harness.binary, "get-token", "--profile", "ci"],
                            environment: world.environment.merging(secretFree.merging(bus) { $1 }) { $1 }, removing: SignInWorld.unset)
        #expect(token.status == 0, "\(token.stderr)")
        #expect(token.stdout.trimmingCharacters(in: .newlines) == "app-token-for-\(world.clientID)")
        #expect((world.requests.first?["form"] as? [String: String])?["client_secret"] == Self.secret)

        let removed = try run(["setsid", "-w", Harness.binary, "profile", "remove", "ci"],
                              environment: world.environment.merging(bus) { $1 }, removing: SignInWorld.unset)
        #expect(removed.status == 0)
        let gone = try run(["secret-tool", "lookup", "xdg:schema", "io.github.entra-credential-helper.ClientSecret", "client_id", world.clientID])
        #expect(gone.stdout.isEmpty)
        _ = try world.helper(["logout", "--profile", "ci"])
    }

    @Test("profile add --client-secret-stdin with nothing on stdin: one line, nothing written")
    func emptySecret() throws {
        let world = try World()
        let added = try world.helper(["profile", "add", "ci", "--tenant", "contoso", "--client-id", world.clientID, "--client-secret-stdin"])
        #expect(added.status != 0)
        #expect(added.stderr.contains("send the client secret on stdin"), "\(added.stderr)")
        #expect(!FileManager.default.fileExists(atPath: world.home.file("config/entra-credential-helper/config.json")))
    }
}
