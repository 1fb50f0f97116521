#!/usr/bin/env python3
"""A local Microsoft Entra ID (v2.0) emulator for tests and demos. Python 3 standard library only.

  python3 emulator/entra-emulator.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
      [--tls-cert PEM --tls-key PEM] [--user UPN] [--auto-approve]

Endpoints, for any tenant path segment (organizations, common, a GUID, a domain):
  GET  /{tenant}/v2.0/.well-known/openid-configuration    GET /{tenant}/discovery/v2.0/keys
  GET  /{tenant}/oauth2/v2.0/authorize   (auth code + PKCE S256, loopback redirect URIs only;
       a parameter the documentation does not list: invalid_request, AADSTS90100)
  POST /{tenant}/oauth2/v2.0/token       (authorization_code, refresh_token, device_code)
  POST /{tenant}/oauth2/v2.0/devicecode  GET /devicelogin (a tiny page to approve a user code)
Errors have Entra's body: error, error_description "AADSTSnnnn: ...", error_codes, timestamp,
trace_id, correlation_id (the client-request-id header when given), error_uri; plus claims.

Control API (JSON in and out), under /_control/:
  GET counters, POST reset-counters            requests per endpoint (faulted ones too) and grant
  GET config, POST config {token_lifetime, device_interval, device_expires_in, code_lifetime,
      auto_approve, device_auto_approve, device_slow_down, user, require_consent}
      require_consent: each user consents per client and resource (see entra_emulator/consent.py);
      off, every resource is consented (an admin-consented tenant)
  GET device-codes[?all=1], POST device/approve|device/deny {"user_code"} (omitted: newest)
  POST revoke {"all": true} | {"refresh_token_prefix": "..."}      -> {"revoked": n}
  POST require-mfa {"required": bool}  refresh tokens from sign-ins before it fail with 50076
  POST fault {"endpoint": token|devicecode|authorize|openid-configuration|any,
      "kind": 500|503|429|malformed|delay|reset, "count": 1, "retry_after": 2, "delay": 2}
  GET faults, POST clear-faults, GET issued (counts only), POST reset (all state)
  GET last-request?endpoint=token|devicecode (field names; values of non-secret fields only)
  GET last-authorize (the last authorize query)
  POST verify {"token": "<jwt>"}  -> {"valid": true, "claims": {...}} when this run signed it and
      it is within nbf..exp, else {"valid": false, "reason": "..."} (both 200)
  POST clock {"advance": seconds}  moves the clock that issues and verifies tokens forward (and
      only that one): tokens issued before expire at verify, as after a long wait or clock skew

Refresh tokens: one is issued when offline_access is in the token request's scope or in the
original authorize/devicecode scope; the refresh grant always rotates (returns a new one) and
the old one stays valid until revoked, as in Entra. Tokens are HS256 JWTs signed with a random
per-run key (the stdlib cannot sign RS256). The log (stderr) has one line per request: method,
path without query, status; never tokens, codes or bodies.
"""
import argparse, ipaddress, os, signal, ssl, sys

# The parts live in the entra_emulator package beside this file (see its __init__.py); this file
# is only the command line, so it runs from any working directory and under any module name.
here = os.path.dirname(os.path.realpath(__file__))
if sys.path[:1] != [here]:
    sys.path.insert(0, here)
from entra_emulator.handler import Handler  # noqa: E402 (after the path)
from entra_emulator.server import Server  # noqa: E402
from entra_emulator.state import DEFAULTS, State  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description="Local Microsoft Entra ID (v2.0) emulator")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback IPv4 address")
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--port-file", help="where to write the port, once listening")
    parser.add_argument("--tls-cert", help="PEM certificate: serve HTTPS")
    parser.add_argument("--tls-key", help="PEM private key of --tls-cert")
    parser.add_argument("--user", default=DEFAULTS["user"], help="the signed-in user's UPN")
    parser.add_argument("--auto-approve", action="store_true", help="authorize redirects at once, no page")
    options = parser.parse_args()
    host = "127.0.0.1" if options.host == "localhost" else options.host
    try:
        if ipaddress.ip_address(host).version != 4 or not ipaddress.ip_address(host).is_loopback:
            raise ValueError
    except ValueError:
        parser.error(f"--host must be a loopback IPv4 address (127.x.y.z), not {options.host!r}")
    if bool(options.tls_cert) != bool(options.tls_key):
        parser.error("--tls-cert and --tls-key go together")

    server = Server((host, options.port), Handler, State(options.user, options.auto_approve))
    if options.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(options.tls_cert, options.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
        server.scheme = "https"
    port = server.server_address[1]
    if options.port_file:  # atomically: a reader never sees a half-written file
        temporary = f"{options.port_file}.tmp.{os.getpid()}"
        with open(temporary, "w") as handle:
            handle.write(f"{port}\n")
        os.replace(temporary, options.port_file)

    def stop(signum, frame):
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    sys.stderr.write(f"entra-emulator listening on {server.scheme}://{host}:{port}\n")
    sys.stderr.flush()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
