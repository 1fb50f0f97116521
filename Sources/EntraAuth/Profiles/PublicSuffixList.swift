import HelperCore

/// The Public Suffix List (publicsuffix.org) as Debian's `publicsuffix` package installs
/// it: names under which unrelated owners register (`com`, `co.uk`, and private ones such
/// as `azurewebsites.net` or `github.io`). A wildcard directly over one (`*.github.io`)
/// would hand a profile's token to every owner there, so `profile add` refuses it and
/// `doctor` flags it. Read only when hosts are added and in `doctor`, never on the path
/// that answers a request. Both the ICANN and the PRIVATE sections count.
public struct PublicSuffixList: Sendable {
    public static let defaultPath = "/usr/share/publicsuffix/public_suffix_list.dat"

    /// Plain rules (`co.uk`), the parents of wildcard rules (`ck` for `*.ck`), and
    /// exception rules without their `!` (`www.ck`); labels in Unicode, lower case.
    var rules: Set<String> = []
    var wildcards: Set<String> = []
    var exceptions: Set<String> = []

    /// The list's text: one rule per line (its first word); `//` comments and blank lines skipped.
    public init(parsing bytes: [UInt8]) {
        for line in bytes.split(separator: 0x0A) {
            let word = line.prefix { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }
            guard !word.isEmpty, !word.starts(with: [0x2F, 0x2F]) else { continue }
            let rule = String(decoding: word, as: UTF8.self).lowercased()
            if rule.hasPrefix("!") {
                exceptions.insert(String(rule.dropFirst()))
            } else if rule.hasPrefix("*.") {
                wildcards.insert(String(rule.dropFirst(2)))
            } else {
                rules.insert(rule)
            }
        }
    }

    /// Shared (multi-tenant) Azure suffixes that newer lists carry and Debian 12's
    /// (20230209) lacks, so that `*.blob.core.windows.net` is refused there too. Each is
    /// in the list at publicsuffix/list 823beb1425def931c8b0b170a6bc33b424c3f9b0
    /// (Microsoft Corporation's private section); a system list that has them changes nothing.
    /// (file/queue/table/dfs/web.core.windows.net are in no list yet, so not here either.)
    public static let supplement = [
        "azure-api.net", "azureedge.net", "azurefd.net", "blob.core.windows.net", "servicebus.windows.net", "trafficmanager.net",
        "3.azurestaticapps.net", "4.azurestaticapps.net", "5.azurestaticapps.net", "6.azurestaticapps.net", "7.azurestaticapps.net",
    ]

    /// The system list's text merged with the built-in `supplement`: what `profile add`
    /// and `doctor` check against.
    public init(system bytes: [UInt8]) {
        self.init(parsing: bytes)
        rules.formUnion(Self.supplement)
    }

    /// The list at `ENTRA_CREDENTIAL_HELPER_PUBLIC_SUFFIX_LIST`, else Debian's path.
    public static func path(environment: (String) -> String?) -> String {
        environment("ENTRA_CREDENTIAL_HELPER_PUBLIC_SUFFIX_LIST") ?? defaultPath
    }

    /// The list at `path` with the supplement; a missing or unreadable file is one line naming the package.
    public static func load(path: String) throws(HelperError) -> PublicSuffixList {
        do {
            return PublicSuffixList(system: try Files.read(path, limit: 16 << 20))
        } catch {
            throw .publicSuffixListUnavailable(path: path)
        }
    }

    /// Whether `domain` (ASCII, punycode allowed) is itself a public suffix, by the list's
    /// algorithm: an exception rule prevails, else the longest matching rule, else `*`.
    public func isPublicSuffix(_ domain: String) -> Bool {
        let labels = HostPattern.normalise(domain).split(separator: ".", omittingEmptySubsequences: false)
            .map { Punycode.decodeLabel(String($0)) ?? String($0) }
        guard !labels.isEmpty, !labels.contains(where: \.isEmpty) else { return false }
        for start in labels.indices where exceptions.contains(labels[start...].joined(separator: ".")) {
            return false  // The exception's parent is the suffix: shorter than the domain.
        }
        if labels.count == 1 { return true }  // The implicit rule "*".
        return rules.contains(labels.joined(separator: ".")) || wildcards.contains(labels.dropFirst().joined(separator: "."))
    }

    /// Refuses a wildcard pattern directly over a public suffix. The list is read only
    /// when there is a wildcard at all; a missing list is refused too, never skipped.
    public static func check(_ patterns: [HostPattern], path: String) throws(HelperError) {
        guard patterns.contains(where: \.isWildcard) else { return }
        if let bad = try load(path: path).wildcardsOverPublicSuffixes(patterns).first, case let .subdomains(suffix) = bad.kind {
            throw .wildcardOverPublicSuffix("*." + suffix)
        }
    }

    /// The wildcard patterns among `patterns` whose suffix is a public suffix.
    public func wildcardsOverPublicSuffixes(_ patterns: [HostPattern]) -> [HostPattern] {
        patterns.filter { pattern in
            if case let .subdomains(suffix) = pattern.kind { return isPublicSuffix(suffix) }
            return false
        }
    }
}

/// RFC 3492 decoding of one `xn--` label, so that punycode names meet the list's
/// Unicode rules. nil for a label that is not valid punycode. Never traps.
enum Punycode {
    static func decodeLabel(_ label: String) -> String? {
        guard label.hasPrefix("xn--") else { return nil }
        let input = Array(label.dropFirst(4).unicodeScalars)
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        var output: [Unicode.Scalar] = []
        var rest = input[...]
        if let delimiter = input.lastIndex(of: "-") {
            output = Array(input[..<delimiter])
            guard output.allSatisfy(\.isASCII) else { return nil }
            rest = input[(delimiter + 1)...]
        }
        var n = 128, i = 0, bias = 72
        var position = rest.startIndex
        while position < rest.endIndex {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard position < rest.endIndex, let digit = digitValue(rest[position]) else { return nil }
                position += 1
                let (product, overflow) = digit.multipliedReportingOverflow(by: w)
                guard !overflow, case let (sum, false) = i.addingReportingOverflow(product), sum < 0x110000 * 64 else { return nil }
                i = sum
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if digit < t { break }
                guard case let (next, false) = w.multipliedReportingOverflow(by: base - t), next < 0x110000 * 64 else { return nil }
                w = next
                k += base
            }
            let count = output.count + 1
            var delta = oldI == 0 ? (i - oldI) / damp : (i - oldI) / 2
            delta += delta / count
            var shift = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                shift += base
            }
            bias = shift + (base - tMin + 1) * delta / (delta + skew)
            n += i / count
            i %= count
            guard n < 0x110000, let scalar = Unicode.Scalar(n) else { return nil }
            output.insert(scalar, at: i)
            i += 1
        }
        return String(String.UnicodeScalarView(output)).lowercased()
    }

    static func digitValue(_ scalar: Unicode.Scalar) -> Int? {
        switch scalar {
        case "a"..."z": return Int(scalar.value) - 0x61
        case "A"..."Z": return Int(scalar.value) - 0x41
        case "0"..."9": return Int(scalar.value) - 0x30 + 26
        default: return nil
        }
    }
}
