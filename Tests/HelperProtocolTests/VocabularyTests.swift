import Foundation
import Testing

/// The codecs know nothing of who answers: no file of HelperProtocol names Entra, a
/// keyring, libcurl or ACR, not even in a comment.
@Suite("HelperProtocol speaks no app vocabulary")
struct VocabularyTests {
    /// Matched case-insensitively anywhere in a word.
    static let anywhere = ["entra", "keyring", "secret service", "libsecret", "libcurl", "curl", "azure"]
    /// Short words, matched at the start of a word and not running on in lower case, so
    /// that `ACR`, `acr.` and `AcrPull` match but `across` and `sacred` do not.
    static let wordStart = ["acr", "aad"]

    /// The forbidden words found in `text`, each with its line number.
    static func findings(_ text: String) -> [String] {
        var found: [String] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lower = Array(line.lowercased().unicodeScalars), original = Array(line.unicodeScalars)
            func occurs(_ word: String, atWordStart: Bool) -> Bool {
                let needle = Array(word.unicodeScalars)
                guard lower.count == original.count, lower.count >= needle.count else { return line.lowercased().contains(word) }
                for start in 0...(lower.count - needle.count) where Array(lower[start..<start + needle.count]) == needle {
                    guard atWordStart else { return true }
                    let before = start == 0 ? nil : original[start - 1]
                    let after = start + needle.count < original.count ? original[start + needle.count] : nil
                    let letterBefore = before.map { $0.properties.isAlphabetic } ?? false
                    let lowerAfter = after.map { $0.properties.isLowercase } ?? false
                    if !letterBefore && !lowerAfter { return true }
                }
                return false
            }
            for word in anywhere where occurs(word, atWordStart: false) { found.append("line \(number + 1): \(word)") }
            for word in wordStart where occurs(word, atWordStart: true) { found.append("line \(number + 1): \(word)") }
        }
        return found
    }

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/HelperProtocol")

    static func files() -> [URL] {
        let walker = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)
        return (walker?.allObjects as? [URL] ?? []).filter { !$0.hasDirectoryPath }.sorted { $0.path < $1.path }
    }

    @Test("no source file of HelperProtocol names Entra, a keyring, libcurl or ACR")
    func noAppWords() throws {
        let files = Self.files()
        #expect(files.count >= 5, "found \(files.map(\.lastPathComponent)) under \(Self.sources.path)")
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            #expect(Self.findings(text).isEmpty, "\(file.lastPathComponent): \(Self.findings(text))")
        }
    }

    @Test("the matcher finds each word, in any case, and spares ordinary words", arguments: [
        ("/// No Entra here", ["line 1: entra"]),
        ("// the KEYRING", ["line 1: keyring"]),
        ("ok\n// a Secret Service call", ["line 2: secret service"]),
        ("x // libsecret-1", ["line 1: libsecret"]),
        ("// libcurl4", ["line 1: libcurl", "line 1: curl"]),
        ("// as curl does", ["line 1: curl"]),
        ("// Azure Container Registry", ["line 1: azure"]),
        ("// the AcrPull role", ["line 1: acr"]),
        ("// an ACR token", ["line 1: acr"]),
        ("// acr.", ["line 1: acr"]),
        ("// AAD v1", ["line 1: aad"]),
        ("// across a sacred line, aadvark-free", [String]()),
        ("let a = 1", [String]()),
    ])
    func matcher(_ text: String, _ expected: [String]) {
        #expect(Self.findings(text) == expected)
    }
}
