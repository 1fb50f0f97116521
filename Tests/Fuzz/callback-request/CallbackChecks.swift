import EntraAuth
import FuzzSupport

/// The redirect listener's request parser: a parsed request has a method and a target
/// without spaces or CR and a path without '?'; written again as a request line (the
/// query re-encoded) it parses to the same request.
func fuzzCallback(_ bytes: [UInt8]) {
    guard let request = CallbackRequest.parse(bytes) else { return }
    for word in [request.method, request.path] {
        invariant(!word.utf8.contains(0x0D), "a CR in \(shown(word))")
    }
    invariant(!request.method.isEmpty && !request.method.contains(" "), "bad method \(shown(request.method))")
    invariant(!request.path.contains(" ") && !request.path.contains("?"), "bad path \(shown(request.path))")
    let query = FormEncoding.encode(request.fields.map { ($0.name, $0.value) })
    let line = "\(request.method) \(request.path)?\(query) HTTP/1.1\r\nHost: localhost\r\n\r\n"
    let again = CallbackRequest.parse(Array(line.utf8))
    invariant(again == request, "\(shown(line)) parsed as \(String(describing: again)), not \(request)")
}
