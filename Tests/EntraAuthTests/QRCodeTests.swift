import Foundation
import Testing
@testable import EntraAuth

/// Records what the device-code flow asks to show.
final class RecordingQR: QRDisplay {
    var shown: [String] = []
    func show(_ url: String) { shown.append(url) }
}

@Suite("QR code of the device-code page")
struct QRCodeTests {
    /// Entra's answer has no verification_uri_complete; RFC 8628's servers may add one.
    @Test("the device-code flow shows verification_uri_complete when given, else verification_uri; --no-qr shows nothing",
          arguments: [(nil, true, ["https://microsoft.com/devicelogin"]),
                      ("https://example.test/device?user_code=ABC-123", true, ["https://example.test/device?user_code=ABC-123"]),
                      (nil, false, [])] as [(String?, Bool, [String])])
    func shown(complete: String?, showQR: Bool, expected: [String]) throws {
        let h = EngineHarness()
        var body: [String: Any] = ["device_code": "dc-1", "user_code": "ABC-123", "verification_uri": "https://microsoft.com/devicelogin",
                                   "expires_in": 900, "interval": 1]
        if let complete { body["verification_uri_complete"] = complete }
        h.http.enqueue(200, jsonText(body))
        h.http.enqueue(200, tokenBody(access: "at-dc", refresh: "rt-dc"))
        let qr = RecordingQR()
        let client = EntraClient(http: h.http)
        let flows = InteractiveSignIn(client: client, listeners: h.listeners, browser: h.browser, browserUsable: false,
                                      clock: h.clock, tell: { _ in }, qr: qr)
        var options = InteractiveOptions()
        options.flow = .deviceCode
        options.showQR = showQR
        _ = try flows.signIn(h.profile, scopes: h.profile.scopes, options: options, previous: nil)
        #expect(qr.shown == expected)
    }

    @Test("libqrencode encodes a URL; the text has the quiet zone and two module rows a line, black on white")
    func terminalText() throws {
        let code = try #require(QRCode(encoding: "https://microsoft.com/devicelogin"), "libqrencode4 is not installed")
        #expect(code.width >= 21 && (code.width - 17) % 4 == 0, "a QR symbol is 17 + 4*version modules wide")
        #expect(code.modules.count == code.width * code.width)
        // The finder pattern's corner modules are dark.
        #expect(code.isDark(x: 0, y: 0) && code.isDark(x: code.width - 1, y: 0) && code.isDark(x: 0, y: code.width - 1))
        let lines = code.terminalText().split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let side = code.width + 2 * QRCode.quietZone
        #expect(lines.count == (side + 1) / 2)
        for line in lines {
            #expect(line.hasPrefix("\u{1B}[30;107m") && line.hasSuffix("\u{1B}[0m"))
            #expect(line.dropFirst(9).dropLast(4).count == side)
        }
        // The first two lines are the quiet zone; the third starts with 4 light cells, then the finder's top edge.
        #expect(lines[0].dropFirst(9).dropLast(4).allSatisfy { $0 == " " })
        #expect(lines[2].dropFirst(9).hasPrefix("    \u{2588}\u{2580}"))
    }

    @Test("a URL with control characters, one that is not http(s), or one too long for a symbol draws nothing",
          arguments: ["https://example.test/\u{1B}[2J", "javascript:alert(1)", "https://example.test/" + String(repeating: "a", count: 3000)])
    func refused(url: String) {
        var written: [[UInt8]] = []
        TerminalQRDisplay(write: { written.append($0) }).show(url)
        #expect(written.isEmpty)
    }

    @Test("a plain URL is drawn")
    func drawn() {
        var written: [[UInt8]] = []
        TerminalQRDisplay(write: { written.append($0) }).show("https://microsoft.com/devicelogin")
        #expect(written.count == 1 && String(decoding: written[0], as: UTF8.self).contains("\u{2588}"))
    }
}
