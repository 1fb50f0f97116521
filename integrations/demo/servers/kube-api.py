#!/usr/bin/env python3
"""A fake Kubernetes API server (an AKS look-alike) for the offline demo: HTTPS only, and only
Entra tokens issued by the local emulator get in. Python 3 standard library only.

  python3 kube-api.py --cert PEM --key PEM --emulator http://127.0.0.1:EPORT
      [--audience 6dae42f8-4368-4678-94ff-3960e28e3630] [--port 0] [--port-file FILE]

HTTPS only (kubectl runs exec credential plugins only for https servers). The certificate must
name IP:127.0.0.1; kubeconfig gives it as certificate-authority-data (self-signed is fine).

Every request needs "Authorization: Bearer <token>" where the emulator says it issued the token
and it has not expired (POST /_control/verify), and its aud equals --audience: AKS's Entra server
application id by default, which is the emulator's aud for scope
6dae42f8-4368-4678-94ff-3960e28e3630/.default (what kubelogin asks for). Otherwise, on any path:
  401 {"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized",
       "reason":"Unauthorized","code":401}
(503 with a Status when the emulator does not answer). With a valid token:
  GET /version   200 {"major":"1","minor":"32","gitVersion":"v1.32.4",...,"platform":"linux/amd64"}
  GET /api       200 APIVersions;  GET /apis  200 an empty APIGroupList
  anything else  404 Status (reason NotFound)
The log line notes the user (upn) or why a token was refused.
"""
import os, sys
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from demo_common import BaseHandler, Server, Unavailable, parser, serve  # noqa: E402 (after the path)

AKS_SERVER_APP_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
VERSION = {"major": "1", "minor": "32", "gitVersion": "v1.32.4", "gitCommit": "0" * 40,  # the fields of a real
           "gitTreeState": "clean", "buildDate": "2025-04-22T00:00:00Z", "goVersion": "go1.23.6",  # one; the values
           "compiler": "gc", "platform": "linux/amd64"}  # are made up


def status(code, reason, message):
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}


class KubeHandler(BaseHandler):
    name = "kube-api"
    server_version = "demo-kube-api/1.0"

    def do_GET(self):
        found = self.credential()
        try:
            claims = self.entra_claims(found[2]) if found and found[0] == "bearer" else None
        except Unavailable:
            self.note = "emulator did not answer"
            self.skip_body()
            return self.send_json(503, status(503, "ServiceUnavailable", "the Entra emulator did not answer"))
        if claims is None:
            self.note = self.note or ("not a Bearer token" if found else "no token")
            self.skip_body()
            return self.send_json(401, status(401, "Unauthorized", "Unauthorized"))
        self.skip_body()
        path = urlsplit(self.path).path
        if self.command in ("GET", "HEAD") and path == "/version":
            return self.send_json(200, VERSION)
        if self.command in ("GET", "HEAD") and path == "/api":
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": [
                {"clientCIDR": "0.0.0.0/0", "serverAddress": f"127.0.0.1:{self.server.port}"}]})
        if self.command in ("GET", "HEAD") and path == "/apis":
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        self.send_json(404, status(404, "NotFound", "the server could not find the requested resource"))

    do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_GET


def main():
    options_parser = parser("A fake Kubernetes API server (HTTPS) that lets in Entra tokens of the emulator only",
                            AKS_SERVER_APP_ID)
    options_parser.add_argument("--cert", required=True, help="PEM certificate for IP:127.0.0.1")
    options_parser.add_argument("--key", required=True, help="PEM private key of --cert")
    options = options_parser.parse_args()
    try:
        server = Server(options.port, KubeHandler, options, tls=(options.cert, options.key))
    except (OSError, ValueError) as err:  # ssl.SSLError is an OSError
        options_parser.error(f"cannot serve with --cert/--key: {err}")
    serve(server, options.port_file)


if __name__ == "__main__":
    main()
