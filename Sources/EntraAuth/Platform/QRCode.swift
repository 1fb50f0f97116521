import CQRencode
import HelperCore

/// Shows the device-code page's address as a QR code, for a phone's camera.
public protocol QRDisplay {
    func show(_ url: String)
}

/// Shows nothing: `--no-qr`, stderr not a terminal, or a test.
public struct NoQRDisplay: QRDisplay {
    public init() {}
    public func show(_ url: String) {}
}

/// Draws the code in text through `write` (the caller's stderr, a terminal): nothing when
/// libqrencode is missing or the URL is not a plain printable http(s) address.
public struct TerminalQRDisplay: QRDisplay {
    let write: ([UInt8]) -> Void

    public init(write: @escaping ([UInt8]) -> Void) { self.write = write }

    public func show(_ url: String) {
        guard url.hasPrefix("https://") || url.hasPrefix("http://"), Sanitize.line(url, limit: 1000) == url,
              let code = QRCode(encoding: url) else { return }
        write(Array(code.terminalText().utf8))
    }
}

/// A QR symbol's modules, from libqrencode (error correction level M).
public struct QRCode: Sendable {
    public let width: Int
    /// Row by row, width * width entries; true = dark.
    public let modules: [Bool]
    /// Light modules around the symbol, as the standard asks (ISO/IEC 18004: 4).
    public static let quietZone = 4

    /// nil when libqrencode cannot be loaded, or the text does not fit in a symbol.
    public init?(encoding text: String) {
        var buffer = [UInt8](repeating: 0, count: Int(ECH_QR_MAX_WIDTH) * Int(ECH_QR_MAX_WIDTH))
        let width = Int(buffer.withUnsafeMutableBufferPointer { ech_qr_encode(text, $0.baseAddress, $0.count) })
        guard width > 0 else { return nil }
        self.init(width: width, modules: buffer.prefix(width * width).map { $0 != 0 })
    }

    public init(width: Int, modules: [Bool]) {
        self.width = width
        self.modules = modules
    }

    /// Whether the module at (x, y) is dark; the quiet zone (outside the symbol) is light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard (0..<width).contains(x), (0..<width).contains(y) else { return false }
        return modules[y * width + x]
    }

    /// Two module rows per text line with Unicode half blocks, black on white whatever the
    /// terminal's colours (SGR 30;107), with the quiet zone; each line resets its colours.
    public func terminalText() -> String {
        let zone = Self.quietZone
        var text = ""
        var y = -zone
        while y < width + zone {
            text += "\u{1B}[30;107m"
            for x in -zone..<(width + zone) {
                switch (isDark(x: x, y: y), isDark(x: x, y: y + 1)) {
                case (false, false): text += " "
                case (true, false): text += "\u{2580}"
                case (false, true): text += "\u{2584}"
                case (true, true): text += "\u{2588}"
                }
            }
            text += "\u{1B}[0m\n"
            y += 2
        }
        return text
    }
}
