#!/usr/bin/env python3
"""A git smart-HTTP server for the offline demo that only lets in Entra tokens issued by the local
emulator. Python 3 standard library only; the real `git http-backend` (CGI) does the git part.

  python3 git-server.py --root DIR --emulator http://127.0.0.1:EPORT [--audience api://demo-git]
      [--port 0] [--port-file FILE]

Serves every bare repository under DIR at http://127.0.0.1:PORT/<path under DIR>, e.g.
DIR/demo.git at http://127.0.0.1:PORT/demo.git: clone, fetch (protocol v0 and v2) and push.

Every request needs one of
  Authorization: Bearer <token>
  Authorization: Basic base64(<any user name>:<token>)
where the emulator says it issued the token and it has not expired (POST /_control/verify), and
its aud equals --audience (the emulator's aud for scope api://demo-git/.default is api://demo-git).
Otherwise 401, with two challenges as Azure DevOps sends them (git then asks its credential helper
and answers with Basic):
  WWW-Authenticate: Bearer authorization_uri="<emulator>/organizations", resource_id="<audience>"
  WWW-Authenticate: Basic realm="demo-git"
(the Bearer challenge adds error="invalid_token" when a token came and was refused). When the
emulator does not answer: 503. The log line notes the user (upn) or why a token was refused.

Request bodies: chunked transfer encoding is decoded here (git uses it for large pushes);
Content-Encoding gzip is passed on (HTTP_CONTENT_ENCODING) and http-backend inflates it.
http-backend runs with GIT_PROJECT_ROOT=DIR, GIT_HTTP_EXPORT_ALL, REMOTE_USER=<upn>,
http.receivepack=true, no system or global git config, and never sees the Authorization header.
"""
import os, subprocess, sys, tempfile
from urllib.parse import unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from demo_common import BaseHandler, Server, Unavailable, parser, serve  # noqa: E402 (after the path)

HIDDEN_HEADERS = ("authorization", "proxy-authorization", "cookie", "content-type", "content-length",
                  "transfer-encoding", "connection", "expect")


class GitHandler(BaseHandler):
    name = "git-server"

    def do_GET(self):
        found = self.credential()
        try:
            claims = self.entra_claims(found[2]) if found else None
        except Unavailable:
            self.note = "emulator did not answer"
            self.skip_body()
            return self.send_body(503, b"The Entra emulator did not answer.\n", "text/plain; charset=utf-8")
        if claims is None:
            self.note = self.note or "no credentials"
            self.skip_body()
            return self.send_body(401, b"Unauthorized: an Entra token from the emulator is required.\n",
                                  "text/plain; charset=utf-8", self.challenges(found is not None))
        path = unquote(urlsplit(self.path).path)
        if not path.startswith("/") or "\0" in path or ".." in path.split("/"):
            self.skip_body()
            return self.send_body(404, b"Not found\n", "text/plain; charset=utf-8")
        try:
            body, length = self.body_file() if self.command == "POST" else (None, 0)
        except ValueError as err:
            return self.send_body(400, f"{err}\n".encode(), "text/plain; charset=utf-8")
        try:
            self.run_backend(path, body, length, claims, found[0])
        finally:
            if body:
                body.close()

    do_POST = do_GET

    def challenges(self, presented):
        options = self.server.options
        bearer = f'Bearer authorization_uri="{options.emulator}/organizations", resource_id="{options.audience}"'
        return [("WWW-Authenticate", bearer + (', error="invalid_token"' if presented else "")),
                ("WWW-Authenticate", 'Basic realm="demo-git"')]

    def cgi_environment(self, path, length, claims, scheme):
        options = self.server.options
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "GIT_CONFIG_NOSYSTEM": "1",
               "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_COUNT": "2",
               "GIT_CONFIG_KEY_0": "http.receivepack", "GIT_CONFIG_VALUE_0": "true",
               "GIT_CONFIG_KEY_1": "safe.directory", "GIT_CONFIG_VALUE_1": "*",
               "GIT_PROJECT_ROOT": options.root, "GIT_HTTP_EXPORT_ALL": "1",
               "GATEWAY_INTERFACE": "CGI/1.1", "SERVER_PROTOCOL": "HTTP/1.1", "SERVER_SOFTWARE": "demo-git-server",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": str(self.server.port),
               "REMOTE_ADDR": self.client_address[0], "REMOTE_USER": str(claims.get("upn") or claims.get("oid")),
               "AUTH_TYPE": "Bearer" if scheme == "bearer" else "Basic",
               "REQUEST_METHOD": self.command, "PATH_INFO": path, "QUERY_STRING": urlsplit(self.path).query,
               "CONTENT_TYPE": self.headers.get("Content-Type", "")}
        if self.command == "POST":
            env["CONTENT_LENGTH"] = str(length)  # of the de-chunked body, still gzip'ed if it was
        for name, value in self.headers.items():
            if name.lower() not in HIDDEN_HEADERS:
                env["HTTP_" + name.upper().replace("-", "_")] = value
        if "HTTP_GIT_PROTOCOL" in env:  # protocol v2: what Apache's SetEnvIf does for http-backend
            env["GIT_PROTOCOL"] = env["HTTP_GIT_PROTOCOL"]
        return env

    def run_backend(self, path, body, length, claims, scheme):
        """Runs git http-backend and relays its answer (chunked unless it gives a Content-Length)."""
        errors = tempfile.TemporaryFile()
        process = subprocess.Popen(["git", "http-backend"], stdin=body or subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=errors, env=self.cgi_environment(path, length, claims, scheme))
        try:
            status, headers = 200, []
            while True:  # the CGI header block
                line = process.stdout.readline(8192)
                if not line:
                    self.note = f"http-backend gave no answer: {self.backend_error(process, errors)}"
                    return self.send_body(502, b"git http-backend failed\n", "text/plain; charset=utf-8")
                line = line.rstrip(b"\r\n").decode("latin-1")
                if not line:
                    break
                name, _, value = line.partition(":")
                if name.strip().lower() == "status":
                    status = int(value.split()[0])
                else:
                    headers.append((name.strip(), value.strip()))
            chunked = not any(name.lower() == "content-length" for name, _ in headers)
            self.send_response(status)
            for name, value in headers + ([("Transfer-Encoding", "chunked")] if chunked else []):
                self.send_header(name, value)
            self.end_headers()
            while True:
                data = process.stdout.read1(1 << 16)
                if not data:
                    break
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            if chunked:
                self.wfile.write(b"0\r\n\r\n")
            if process.wait(timeout=30) != 0:
                sys.stderr.write(f"{self.name}: http-backend: {self.backend_error(process, errors)}\n")
        finally:
            if process.poll() is None:
                process.kill()
            process.wait()
            process.stdout.close()
            errors.close()

    @staticmethod
    def backend_error(process, errors):
        """http-backend's first stderr line (it never holds a token: it never sees one)."""
        process.wait(timeout=30)
        errors.seek(0)
        first = errors.read(300).decode("utf-8", "replace").strip().splitlines()[:1]
        return f"exit {process.returncode}" + (f": {first[0]}" if first else "")


def main():
    options_parser = parser("A git smart-HTTP server that lets in Entra tokens of the emulator only",
                            "api://demo-git")
    options_parser.add_argument("--root", required=True, help="directory holding the bare repositories")
    options = options_parser.parse_args()
    options.root = os.path.realpath(options.root)
    if not os.path.isdir(options.root):
        options_parser.error(f"--root is not a directory: {options.root}")
    serve(Server(options.port, GitHandler, options), options.port_file)


if __name__ == "__main__":
    main()
