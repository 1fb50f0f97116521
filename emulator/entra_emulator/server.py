"""HTTP plumbing: the threading server, the TLS handshake, the log and the responses. The log
(stderr) has one line per request: method, path without query, status; never tokens, codes or bodies."""
import html, json, re, ssl, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import errors


class Server(ThreadingHTTPServer):
    daemon_threads = True
    scheme = "http"
    mode = "entra"  # "arc": the IMDS path answers as Azure Arc (POST /_control/listen)

    def __init__(self, address, handler, state):
        super().__init__(address, handler)
        self.state = state  # the State every request shares

    def handle_error(self, request, client_address):  # one line, never a request's content
        sys.stderr.write(f"entra-emulator: connection error: {sys.exc_info()[0].__name__}\n")


class BaseHandler(BaseHTTPRequestHandler):
    """What every answer needs; handler.Handler adds the routes. Sets self.trace_id and
    self.correlation_id per request before anything is sent."""
    protocol_version = "HTTP/1.1"
    server_version = "entra-emulator/1.0"
    timeout = 30
    disable_nagle_algorithm = True  # answers go out as several writes; Nagle would hold them ~40 ms

    @property
    def state(self):
        return self.server.state

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):  # handshake here, in the connection's thread
            self.connection.do_handshake()

    # --- logging: method, path without query, status; nothing else ---------------------------
    def log_request(self, code="-", size="-"):
        # A request line that did not parse (a TLS hello on the plain port) has no command or path.
        command, path = getattr(self, "command", None) or "-", getattr(self, "path", "-")
        sys.stderr.write(f"entra-emulator: {command} {path.split('?', 1)[0]} {int(code)}\n")

    def log_message(self, fmt, *args):  # send_error and timeouts; a string argument may hold a query
        sys.stderr.write("entra-emulator: " + fmt % tuple(a if isinstance(a, int) else "-" for a in args) + "\n")

    # --- responses -------------------------------------------------------------------------------
    def send_body(self, status, body, ctype="application/json; charset=utf-8", headers=None):
        self.send_response(status)
        for name, value in dict({"Content-Type": ctype, "Content-Length": str(len(body)), "Pragma": "no-cache",
                                 "Cache-Control": "no-store, no-cache", "x-ms-request-id": self.trace_id,
                                 "client-request-id": self.correlation_id}, **(headers or {})).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_json(self, status, obj, headers=None):
        self.send_body(status, json.dumps(obj).encode(), headers=headers)

    def send_html(self, status, title, body_html):
        page = f"<!doctype html><html><head><meta charset=utf-8><title>{html.escape(title)}</title></head>" \
               f"<body style='font-family:sans-serif;max-width:40em;margin:3em auto'>{body_html}</body></html>"
        self.send_body(status, page.encode(), "text/html; charset=utf-8")

    def error_body(self, err):
        return errors.error_body(err, self.trace_id, self.correlation_id)

    def send_error_json(self, err, headers=None):
        self.send_json(err.status, self.error_body(err), headers)

    def base_url(self):
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?", host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"{self.server.scheme}://{host}"
