"""What the three demo servers (git-server.py, registry.py, kube-api.py) share. Python 3 stdlib only.

  - the command line: --port (0: any free port), --port-file FILE (the port, written atomically
    once listening), --emulator URL (a loopback http(s) URL of the Entra emulator), --audience AUD
  - a threading server bound to 127.0.0.1 only
  - the log: one line per request on stderr, "NAME: METHOD /path STATUS [note]"; never the query,
    a header, a body or a token (the note is a user name or the reason a token was refused)
  - Entra tokens are checked by the emulator itself (POST /_control/verify: its own key, nbf..exp),
    then the audience here; the emulator is asked over loopback, with no proxy
  - request bodies: Content-Length or chunked, read to a temporary file
  - a small HS256 JWT pair (sign, check) for the registry's own tokens
"""
import argparse, base64, binascii, hashlib, hmac, ipaddress, json, os, signal, socket, ssl, sys, tempfile, time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

HOST = "127.0.0.1"
MAX_BODY = 1 << 30  # a request body larger than this gets 413


class Unavailable(Exception):
    """The emulator could not be asked: the server answers 503, not 401."""


# --- command line ------------------------------------------------------------------------------
def loopback_url(text):
    """argparse type: an http(s) URL whose host is 127.x.y.z or localhost; returned without a final /."""
    parts = urlsplit(text)
    try:
        host = parts.hostname or ""
        ok = parts.scheme in ("http", "https") and (host == "localhost" or ipaddress.ip_address(host).is_loopback)
    except ValueError:
        ok = False
    if not ok or parts.query or parts.fragment or "@" in parts.netloc:
        raise argparse.ArgumentTypeError(f"not a loopback http(s) URL: {text[:100]!r}")
    return text.rstrip("/")


def parser(description, audience):
    """The flags every server has; the caller adds its own."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    result.add_argument("--port-file", help="write the port here (atomically) once listening")
    result.add_argument("--emulator", required=True, type=loopback_url,
                        help="the Entra emulator, e.g. http://127.0.0.1:PORT (tokens are checked there)")
    result.add_argument("--audience", default=audience, help=f"the aud an Entra token must carry (default {audience})")
    return result


# --- server --------------------------------------------------------------------------------------
class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port, handler, options, tls=None):
        """tls: (certificate PEM, key PEM) to serve HTTPS only."""
        super().__init__((HOST, port), handler)
        self.options, self.scheme = options, "http"
        self.verifier = Verifier(options.emulator)
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
            self.scheme = "https"
        self.port = self.server_address[1]
        self.base = f"{self.scheme}://{HOST}:{self.port}"

    def handle_error(self, request, client_address):  # one line, never a request's content
        kind, error = sys.exc_info()[:2]
        if isinstance(error, ssl.SSLError) and error.reason == "HTTP_REQUEST":  # what tests look for
            sys.stderr.write(f"{self.RequestHandlerClass.name}: plain HTTP on the TLS port\n")
            return
        reason = f" {error.reason}" if isinstance(error, ssl.SSLError) and error.reason else ""
        sys.stderr.write(f"{self.RequestHandlerClass.name}: connection error: {kind.__name__}{reason}\n")


def serve(server, port_file):
    """Writes the port file, then serves until SIGTERM or SIGINT."""
    if port_file:  # atomically: a reader never sees a half-written file
        temporary = f"{port_file}.tmp.{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(f"{server.port}\n")
        os.replace(temporary, port_file)

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write(f"{server.RequestHandlerClass.name} listening on {server.base}\n")
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


# --- tokens ----------------------------------------------------------------------------------------
class Verifier:
    """Asks the emulator whether it issued a token (POST /_control/verify), then checks the audience."""

    def __init__(self, emulator):
        self.url = emulator + "/_control/verify"
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never a proxy

    def check(self, token, audience):
        """(claims, None) for a valid token for audience, else (None, reason). Unavailable: no answer."""
        if not token:
            return None, "no token"
        request = urllib.request.Request(self.url, json.dumps({"token": token}).encode(), method="POST",
                                         headers={"Content-Type": "application/json"})
        try:
            with self.opener.open(request, timeout=10) as response:
                verdict = json.loads(response.read())
        except (OSError, ValueError) as err:  # URLError, HTTPError and timeouts are OSErrors
            raise Unavailable(type(err).__name__) from None
        if not verdict.get("valid"):
            return None, "emulator: " + str(verdict.get("reason", "invalid"))[:80]
        claims = verdict.get("claims") or {}
        if claims.get("aud") != audience:
            return None, "wrong audience"
        return claims, None


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign(key, claims):
    """An HS256 JWT."""
    signing_input = b64url(json.dumps({"typ": "JWT", "alg": "HS256"}).encode()) + "." + \
        b64url(json.dumps(claims).encode())
    return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def check(key, token):
    """The claims of an HS256 JWT signed with key and not expired; else None."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return None
    try:
        signature = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        expected = hmac.new(key, (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(signature, expected):
            return None
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) and time.time() < claims.get("exp", 0) else None


# --- requests ----------------------------------------------------------------------------------
class BaseHandler(BaseHTTPRequestHandler):
    """Logging, answers, the Authorization header and request bodies. Subclasses set name."""
    name = "demo-server"
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # a malformed request line still gets a status line
    timeout = 60
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):  # handshake here, in the connection's thread
            self.connection.do_handshake()

    def handle_one_request(self):
        """A TLS handshake on a plain HTTP port gets a plain HTTP 400 at once, as Go servers answer; Go
        clients then say "server gave HTTP response to HTTPS client", which is what docker's --insecure
        needs to fall back to http:// (any other error there ends docker manifest inspect)."""
        if self.server.scheme == "http":
            try:
                first = self.rfile.peek(1)[:1]
            except OSError:  # the timeout, or the client went away
                self.close_connection = True
                return
            if first == b"\x16":
                self.close_connection = True
                # Read the whole ClientHello record first: closing a socket with unread data sends
                # a reset, which can reach the client before the 400 and end docker's fallback.
                header = self.rfile.read(5)
                if len(header) == 5:
                    self.rfile.read(int.from_bytes(header[3:5], "big"))
                body = b"This server speaks plain HTTP, not TLS.\n"
                self.wfile.write(b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
                self.wfile.flush()
                try:  # an orderly close: our side first, then whatever the client still sends
                    self.connection.shutdown(socket.SHUT_WR)
                    self.connection.settimeout(2)
                    while self.connection.recv(4096):
                        pass
                except OSError:
                    pass
                sys.stderr.write(f"{self.name}: TLS handshake on the plain HTTP port 400\n")
                return
        super().handle_one_request()

    def parse_request(self):
        self.note = ""  # what the log line adds: a user, or why a token was refused
        return super().parse_request()

    def log_request(self, code="-", size="-"):
        path = (getattr(self, "path", "") or "").split("?", 1)[0][:200]
        note = f" ({self.note})" if getattr(self, "note", "") else ""
        sys.stderr.write(f"{self.name}: {self.command or '-'} {path} {int(code)}{note}\n")

    def log_message(self, fmt, *args):  # send_error and timeouts; a string argument may hold a query
        if fmt.startswith("code %d"):  # send_error's; its log_request line follows
            return
        sys.stderr.write(f"{self.name}: " + fmt % tuple(a if isinstance(a, int) else "-" for a in args) + "\n")

    def send_body(self, status, body, ctype="application/json; charset=utf-8", headers=()):
        """headers: (name, value) pairs; a name may repeat (two WWW-Authenticate challenges)."""
        self.send_response(status)
        for name, value in [("Content-Type", ctype), ("Content-Length", str(len(body)))] + list(headers):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, status, obj, headers=()):
        self.send_body(status, json.dumps(obj).encode(), headers=headers)

    def credential(self):
        """The token of 'Authorization: Bearer T' or 'Authorization: Basic base64(user:T)'; None without.
        Returns (scheme, user, token); user is None for Bearer."""
        scheme, _, value = self.headers.get("Authorization", "").strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "bearer" and value:
            return "bearer", None, value
        if scheme.lower() == "basic" and value:
            try:
                user, colon, secret = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
            except (ValueError, binascii.Error):
                return None
            return ("basic", user, secret) if colon and secret else None
        return None

    def entra_claims(self, token):
        """Claims of a valid Entra token for --audience, else None with self.note set to why.
        Unavailable when the emulator does not answer."""
        claims, reason = self.server.verifier.check(token, self.server.options.audience)
        self.note = reason or str(claims.get("upn") or claims.get("oid") or "")[:100]
        return claims

    def body_file(self):
        """The request body (Content-Length or chunked) in a temporary file at offset 0, and its length.
        ValueError: malformed or too large (the connection is then closed)."""
        spool = tempfile.TemporaryFile()
        try:
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
                total = 0
                while True:
                    line = self.rfile.readline(1024)
                    size = int(line.split(b";", 1)[0].strip() or b"x", 16)  # ValueError when malformed
                    if size == 0:
                        while self.rfile.readline(8192) not in (b"\r\n", b"\n", b""):
                            pass  # trailers
                        break
                    total += size
                    if size < 0 or total > MAX_BODY:
                        raise ValueError("body too large")
                    copy_exactly(self.rfile, spool, size)
                    if self.rfile.readline(3) not in (b"\r\n", b"\n"):
                        raise ValueError("bad chunk end")
            else:
                total = int(self.headers.get("Content-Length") or 0)
                if not 0 <= total <= MAX_BODY:
                    raise ValueError("bad body length")
                copy_exactly(self.rfile, spool, total)
        except (ValueError, OSError):
            spool.close()
            self.close_connection = True
            raise ValueError("malformed or too large request body") from None
        spool.seek(0)
        return spool, total

    def skip_body(self):
        """After refusing a request whose body was not read: close, so the body is not read as a request."""
        if self.headers.get("Content-Length", "0") != "0" or "Transfer-Encoding" in self.headers:
            self.close_connection = True


def copy_exactly(source, target, count):
    while count > 0:
        data = source.read(min(count, 1 << 16))
        if not data:
            raise ValueError("body shorter than announced")
        target.write(data)
        count -= len(data)

