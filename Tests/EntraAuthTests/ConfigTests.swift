import HelperCore
import Testing
@testable import EntraAuth

struct ConfigErrorCase: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var line: Int
    var reason: String
    var testDescription: String { name }
}

@Suite("config file")
struct ConfigTests {
    static let path = "/home/ada/.config/entra-credential-helper/config.json"

    static let errorCases: [ConfigErrorCase] = [
        .init(name: "malformed JSON", text: """
            {
              "profiles": {
                "a": { "tenant": "t", "client_id": "c", }
              }
            }
            """, line: 3, reason: "expected a quoted member name"),
        .init(name: "not an object", text: "[1, 2]", line: 1, reason: "the file must hold a JSON object"),
        .init(name: "unknown top-level key", text: """
            {
              "profiles": {},

              "defualt_profile": "a"
            }
            """, line: 4, reason: "unknown key 'defualt_profile'"),
        .init(name: "unknown profile key", text: """
            {
              "profiles": {
                "a": {
                  "tenant": "t",
                  "client_id": "c",
                  "scope": ["x"]
                }
              }
            }
            """, line: 6, reason: "unknown key 'scope' in profile 'a'"),
        .init(name: "bad flow", text: """
            {
              "profiles": {
                "a": { "tenant": "t", "client_id": "c",
                       "flow": "magic" }
              }
            }
            """, line: 4, reason: "flow must be one of auto, browser, device-code"),
        .init(name: "bad host pattern", text: """
            {
              "profiles": {
                "a": {
                  "tenant": "t", "client_id": "c",
                  "hosts": ["dev.azure.com", "https://evil.example"]
                }
              }
            }
            """, line: 5, reason: "'https://evil.example' is not a host pattern"),
        .init(name: "http authority to a non-loopback host", text: """
            {
              "profiles": {
                "a": {
                  "tenant": "t", "client_id": "c",
                  "authority_host": "http://login.microsoftonline.com"
                }
              }
            }
            """, line: 5, reason: "must be https://"),
        .init(name: "missing tenant", text: """
            {
              "profiles": {
                "a": { "client_id": "c" }
              }
            }
            """, line: 3, reason: "profile 'a' needs a tenant"),
        .init(name: "missing client_id", text: """
            {
              "profiles": {
                "a": {
                  "tenant": "t"
                }
              }
            }
            """, line: 3, reason: "profile 'a' needs a client_id"),
        .init(name: "empty tenant", text: """
            {
              "profiles": {
                "a": { "tenant": "", "client_id": "c" }
              }
            }
            """, line: 3, reason: "tenant must be a non-empty string"),
        .init(name: "default_profile names a missing profile", text: """
            {
              "default_profile": "home",
              "profiles": { "work": { "tenant": "t", "client_id": "c" } }
            }
            """, line: 2, reason: "default_profile names 'home', which is not in profiles"),
        .init(name: "ports out of range", text: """
            {
              "profiles": {
                "a": { "tenant": "t", "client_id": "c",

                       "ports": "60000-70000" }
              }
            }
            """, line: 5, reason: "'60000-70000' is not a port or port range"),
        .init(name: "ports reversed", text: """
            {
              "profiles": { "a": { "tenant": "t", "client_id": "c", "ports": "6-5" } }
            }
            """, line: 2, reason: "'6-5' is not a port or port range"),
        .init(name: "ports as a number", text: """
            {
              "profiles": { "a": { "tenant": "t", "client_id": "c",
                "ports": 50000 } }
            }
            """, line: 3, reason: "ports must be a non-empty string"),
        .init(name: "negative cool-down", text: "{\n\n  \"prompt_cooldown_seconds\": -1\n}", line: 3,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "cool-down over a day", text: "{\"prompt_cooldown_seconds\": 86401}", line: 1,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "fractional cool-down", text: "{\n\"prompt_cooldown_seconds\": 1.5}", line: 2,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "cool-down as a string", text: "{\n\"prompt_cooldown_seconds\": \"60\"}", line: 2,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "cool-down of INT64_MAX", text: "{\"prompt_cooldown_seconds\": 9223372036854775807}", line: 1,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "cool-down past Int64", text: "{\"prompt_cooldown_seconds\": 99999999999999999999}", line: 1,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "cool-down of 1e400", text: "{\"prompt_cooldown_seconds\": 1e400}", line: 1,
              reason: "prompt_cooldown_seconds must be a whole number of seconds, 0-86400"),
        .init(name: "bad store", text: "{\n\n\n\"store\": \"disk\"}", line: 4,
              reason: "store must be one of secret-service, memory, file"),
        .init(name: "bad preset", text: """
            {
              "profiles": { "a": { "preset": "gitlab" } }
            }
            """, line: 2, reason: "preset must be one of azure-devops, acr, aks"),
        .init(name: "bad profile name", text: """
            {
              "profiles": {
                "my profile": { "tenant": "t", "client_id": "c" }
              }
            }
            """, line: 3, reason: "'my profile' is not a profile name"),
    ]

    @Test("config errors name the file, the line and the cause", arguments: errorCases)
    func errors(_ c: ConfigErrorCase) throws {
        let error = #expect(throws: HelperError.self) { try Config.parse(Array(c.text.utf8), path: Self.path) }
        guard case let .configInvalid(path, line, reason)? = error else {
            Issue.record("expected .configInvalid, got \(String(describing: error))")
            return
        }
        #expect(path == Self.path)
        #expect(line == c.line)
        #expect(reason.contains(c.reason), "\(reason)")
        let message = try #require(error?.message)
        #expect(message.hasPrefix("\(Self.path), line \(c.line): "))
    }

    @Test("an invalid tenant names the tenant's line (known bug: the line is lost)")
    func invalidTenantLine() {
        let text = "{\n \"profiles\": {\n  \"a\": {\n   \"tenant\": \"bad tenant\",\n   \"client_id\": \"c\"\n  }\n }\n}"
        let error = #expect(throws: HelperError.self) { try Config.parse(Array(text.utf8), path: Self.path) }
        guard case let .configInvalid(path, line, reason)? = error else { Issue.record("got \(String(describing: error))"); return }
        #expect(path == Self.path)
        #expect(reason.contains("'bad tenant' is not a tenant"))
        // Config.swift:132 attributes the Authority error to "authority_host", which this file lacks.
        #expect(line == 4)
    }

    @Test("a minimal file parses with the defaults")
    func minimal() throws {
        let config = try Config.parse(Array(#"{"profiles":{"w":{"tenant":"t","client_id":"c"}}}"#.utf8), path: Self.path)
        #expect(config.profiles == ["w": Profile(name: "w", tenant: "t", clientID: "c", scopes: [])])
        #expect(config.defaultProfile == nil && config.promptCooldownSeconds == 120 && config.store == .secretService)
        #expect(try Config.parse(Array("{}".utf8), path: Self.path) == Config())
    }

    @Test("a preset profile gets the preset's client, scopes and hosts; the file's fields win")
    func preset() throws {
        let text = #"{"profiles":{"ado":{"preset":"azure-devops","tenant":"contoso.com","hosts":["dev.azure.com"]}}}"#
        let profile = try #require(try Config.parse(Array(text.utf8), path: Self.path).profiles["ado"])
        #expect(profile.clientID == Preset.azureDevOps.clientID)
        #expect(profile.scopes == ["499b84ac-1321-427f-aa17-267ca6975798/.default"])
        #expect(profile.hosts.map(\.description) == ["dev.azure.com"])
        #expect(profile.tenant == "contoso.com" && profile.preset == "azure-devops")
    }

    @Test("encoded() then parse() gives back the same config")
    func roundTrip() throws {
        var ado = try Preset.azureDevOps.profile(name: "ado", tenant: "contoso.onmicrosoft.com")
        ado.flow = .browser
        ado.loginHint = "ada@contoso.com"
        ado.ports = 50000...50010
        let custom = Profile(name: "lab.test-1", tenant: "11111111-2222-3333-4444-555555555555", clientID: "client-x",
                             scopes: ["api://x/.default", "offline_access"], authorityHost: "https://login.microsoftonline.us",
                             hosts: [try HostPattern(parsing: "*.example.com"), try HostPattern(parsing: "registry.example:5000")],
                             flow: .deviceCode, loginHint: nil, domainHint: "contoso.com", ports: 50123...50123)
        var config = Config()
        config.profiles = ["ado": ado, "lab.test-1": custom]
        config.defaultProfile = "ado"
        config.promptCooldownSeconds = 30
        config.store = .file
        let bytes = config.encoded()
        let parsed = try Config.parse(bytes, path: Self.path)
        #expect(parsed == config)
        #expect(parsed.profiles["lab.test-1"]?.ports == 50123...50123)
        #expect(parsed.profiles["ado"]?.preset == "azure-devops")
        #expect(parsed.encoded() == bytes)
        #expect(bytes.last == UInt8(ascii: "\n"))
    }

    @Test("defaults are left out of the encoded file")
    func encodedDefaults() throws {
        var config = Config()
        config.profiles = ["w": Profile(name: "w", tenant: "t", clientID: "c", scopes: ["s"])]
        let text = String(decoding: config.encoded(), as: UTF8.self)
        for absent in ["prompt_cooldown_seconds", "store", "flow", "ports", "authority_host", "default_profile", "preset"] {
            #expect(!text.contains(absent), "\(absent) in \(text)")
        }
        #expect(try Config.parse(Array(text.utf8), path: "x") == config)
    }
}
