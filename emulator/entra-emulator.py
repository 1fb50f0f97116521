#!/usr/bin/env python3
"""A local Microsoft Entra ID (v2.0) emulator for tests and demos. Python 3 standard library only,
plus the openssl command line for RSA (certificate assertions and federated tokens).

  python3 emulator/entra-emulator.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
      [--tls-cert PEM --tls-key PEM] [--user UPN] [--auto-approve]

Endpoints, for any tenant path segment (organizations, common, a GUID, a domain):
  GET  /{tenant}/v2.0/.well-known/openid-configuration    GET /{tenant}/discovery/v2.0/keys
  GET  /{tenant}/oauth2/v2.0/authorize   (auth code + PKCE S256, loopback redirect URIs only;
       a parameter the documentation does not list: invalid_request, AADSTS90100)
  POST /{tenant}/oauth2/v2.0/token       (authorization_code, refresh_token, device_code,
      client_credentials: scope one X/.default; client_secret, or client_assertion_type
      urn:ietf:params:oauth:client-assertion-type:jwt-bearer with client_assertion = a certificate
      assertion (RS256/PS256; x5t#S256 or x5t of a registered certificate, or x5c whose leaf has a
      registered subject and chains to its registered CA; aud = this token URL, iss = sub = client_id,
      jti, exp, nbf) or a federated token (iss/sub/aud of a registered federated credential, signed
      by the emulator's issuer key). No refresh token. Unknown parameters: 400 AADSTS90100. Errors:
      700016 app not found, 7000215 bad secret, 7000216 no credential, 1002012 scope not /.default,
      700027 certificate not registered / bad signature, 700023 wrong aud, 700024 outside nbf..exp
      (5 min skew), 5002738 alg, 50027 malformed, 70021 no matching federated identity record)
  POST /{tenant}/oauth2/v2.0/devicecode  GET /devicelogin (a tiny page to approve a user code)
Managed identity and CI endpoints (their own error bodies; unknown query parameters refused):
  GET  /metadata/identity/oauth2/token   IMDS: Metadata: true, api-version=2018-02-01, resource,
      one of client_id|object_id|msi_res_id (AZURE_POD_IDENTITY_AUTHORITY_HOST=http://127.0.0.1:PORT);
      on a POST /_control/listen {"kind": "arc"} port it is Azure Arc (api-version=2020-06-01):
      401 WWW-Authenticate: Basic realm=<key file>, then Authorization: Basic <file content>
  GET  /msi/token    App Service (IDENTITY_ENDPOINT): X-IDENTITY-HEADER, api-version=2019-08-01,
      resource, one of client_id|principal_id|mi_res_id
  GET  /github/idtoken?api-version=2.0&audience=A  Authorization: bearer <request token> -> {"value"}
  POST /pipelines/oidctoken?api-version=7.1&serviceConnectionId=ID  Authorization: Bearer <token>
      -> {"oidcToken"}              GET /oidc/keys: the issuer key (JWKS)
Errors have Entra's body: error, error_description "AADSTSnnnn: ...", error_codes, timestamp,
trace_id, correlation_id (the client-request-id header when given), error_uri; plus claims.

Control API (JSON in and out), under /_control/:
  GET counters, POST reset-counters            requests per endpoint (faulted ones too: token, imds,
      app-service, arc, github-oidc, pipelines-oidc, ...), per grant (grants: authorization_code,
      refresh_token, device_code, other), and client_credentials {"requests", and per credential:
      "secret", "certificate", "federated", "none"}
  GET config, POST config {token_lifetime, device_interval, device_expires_in, code_lifetime,
      auto_approve, device_auto_approve, device_slow_down, user, require_consent}
      require_consent: each user consents per client and resource (see entra_emulator/consent.py);
      off, every resource is consented (an admin-consented tenant)
  GET device-codes[?all=1], POST device/approve|device/deny {"user_code"} (omitted: newest)
  POST revoke {"all": true} | {"refresh_token_prefix": "..."}      -> {"revoked": n}
  POST require-mfa {"required": bool}  refresh tokens from sign-ins before it fail with 50076
  POST fault {"endpoint": token|devicecode|authorize|openid-configuration|imds|app-service|arc|
      github-oidc|pipelines-oidc|any, "kind": 500|503|429|404|410|malformed|delay|reset (404 and
      410, IMDS updating: workload endpoints only), "count": 1, "retry_after": 2, "delay": 2}
  GET faults, POST clear-faults, GET issued (counts only), POST reset (all state)
  GET last-request?endpoint=token|devicecode (field names; values of non-secret fields only), or
      imds|app-service|arc|github-oidc|pipelines-oidc (query; which headers came, not their values);
      for a client assertion, "assertion": its iss, sub and jti (e.g. which federated token was read)
  GET last-authorize (the last authorize query)
  POST verify {"token": "<jwt>"}  -> {"valid": true, "claims": {...}} when this run signed it and
      it is within nbf..exp, else {"valid": false, "reason": "..."} (both 200)
  POST apps {"client_id", "secrets": [..], "certificates": [PEM], "subject_names": [{"subject":
      "CN=..", "ca": PEM}], "federated_credentials": [{"issuer", "subject", "audiences"}], "roles":
      [..], "tenant"}  registers (replaces) a confidential app; GET apps (no secrets); POST apps/remove
  GET|POST managed-identities {"system_assigned": bool, "user_assigned": [{"client_id",
      "object_id", "resource_id"}], "arc_key_dir": PATH}   (GET names arc_key_dir)
  GET|POST oidc {"github_subject", "github_issuer", "pipelines_issuer", "pipelines_connections":
      {"<id>": "sc://org/project/name"}}   GET: the CI environment for this run (ACTIONS_ID_TOKEN_
      REQUEST_URL/_TOKEN, SYSTEM_OIDCREQUESTURI, SYSTEM_ACCESSTOKEN, service_connection_id,
      IDENTITY_ENDPOINT/IDENTITY_HEADER, issuers and subjects)
  POST federated-token {"issuer", "subject", "audience", "lifetime"}  -> {"token"} (e.g. for
      AZURE_FEDERATED_TOKEN_FILE; a negative lifetime: already expired)
  POST listen {"kind": "imds"|"arc"}  -> {"port", "base", "endpoint", and the env vars to set}
  POST clock {"advance": seconds}  moves the clock that issues and verifies tokens forward (and
      only that one): tokens issued before expire at verify, as after a long wait or clock skew

Refresh tokens: one is issued when offline_access is in the token request's scope or in the
original authorize/devicecode scope; the refresh grant always rotates (returns a new one) and
the old one stays valid until revoked, as in Entra. Tokens are HS256 JWTs signed with a random
per-run key (the stdlib cannot sign RS256); federated tokens are RS256, signed through the
openssl CLI. The log (stderr) has one line per request: method,
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
        server.state.crypto.close()  # openssl's files and the issuer key


if __name__ == "__main__":
    main()
