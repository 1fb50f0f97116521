import Testing
@testable import HelperApp

/// What goes into roff is printed as `help` prints it: groff would otherwise read a
/// backslash as an escape, a leading dot as a request, and turn - ' ` ^ ~ typographic.
@Suite("man page escaping")
struct ManPageEscapeTests {
    @Test("each character comes out as itself", arguments: [
        ("a-b", #"a\-b"#), (#"C:\x"#, #"C:\ex"#), (".nf", #"\&.nf"#), ("'quoted'", #"\(aqquoted\(aq"#),
        ("`cmd`", #"\(gacmd\(ga"#), ("^~", #"\(ha\(ti"#), ("≥ 2.46 …", #"\[u2265] 2.46 \[u2026]"#),
        ("plain text, (brackets) [and] {braces}", "plain text, (brackets) [and] {braces}"),
    ])
    func escape(input: String, roff: String) {
        #expect(ManPage.escape(input) == roff)
    }

    @Test("an unknown page renders nothing; the three pages render")
    func pages() {
        #expect(ManPage.render(page: "nope") == nil)
        for page in ManPage.pages { #expect(ManPage.render(page: page)?.hasPrefix(".TH \(page.uppercased()) 1 ") == true) }
    }
}
