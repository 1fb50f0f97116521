"""The request handler: reads the request, routes it, counts and records it, applies a fault
when one is set, and turns an EntraError into Entra's error answer."""
import os, re, socket, struct, sys, time, uuid
from urllib.parse import parse_qsl, urlsplit

from .authorize import AuthorizeEndpoint
from .control import ControlAPI
from .devicecode import DeviceCodeEndpoint
from .discovery import DiscoveryEndpoints
from .errors import TRANSIENT, EntraError
from .grants import TokenEndpoint
from .identity import DEVICE_GRANT
from .managed import ManagedIdentityEndpoints
from .oidc import OidcEndpoints
from .server import BaseHandler
from .state import ENDPOINTS, WORKLOAD_ENDPOINTS
from .workload import CLIENT_CREDENTIALS, ClientCredentialsGrant, assertion_kind

GRANT_NAMES = {"authorization_code": "authorization_code", "refresh_token": "refresh_token",
               DEVICE_GRANT: "device_code"}
# never code, tokens, verifier, secret or assertion
SAFE_FIELDS = ("grant_type", "client_id", "scope", "redirect_uri", "claims", "client_assertion_type")
WORKLOAD_PATHS = {"/metadata/identity/oauth2/token": "imds", "/msi/token": "app-service",
                  "/github/idtoken": "github-oidc", "/pipelines/oidctoken": "pipelines-oidc"}


class Handler(DiscoveryEndpoints, AuthorizeEndpoint, DeviceCodeEndpoint, TokenEndpoint, ClientCredentialsGrant,
              ManagedIdentityEndpoints, OidcEndpoints, ControlAPI, BaseHandler):
    def dispatch(self):
        self.trace_id = str(uuid.uuid4())
        given = self.headers.get("client-request-id", "")
        self.correlation_id = given if re.fullmatch(r"[A-Za-z0-9\-]{1,64}", given) else str(uuid.uuid4())
        url = urlsplit(self.path)
        path, query, raw = url.path, dict(parse_qsl(url.query, keep_blank_values=True)), b""
        if self.command == "POST":
            length = int(self.headers.get("Content-Length") or 0)
            if "chunked" in self.headers.get("Transfer-Encoding", "").lower() or not 0 <= length <= 1 << 20:
                self.close_connection = True
                return self.send_json(400, {"error": "invalid_request", "error_description": "bad body length"})
            raw = self.rfile.read(length)
        if path.startswith("/_control/"):
            return self.control(path[len("/_control/"):], query, raw)
        if path == "/devicelogin":
            return self.devicelogin(query)
        if path in WORKLOAD_PATHS:
            return self.workload(WORKLOAD_PATHS[path], query)
        if path == "/oidc/keys":
            return self.send_json(200, self.state.crypto.issuer_jwks())
        match = re.fullmatch(r"/([^/]+)/(?:v2\.0/\.well-known/(openid-configuration)|oauth2/v2\.0/(authorize|token|"
                             r"devicecode)|discovery/v2\.0/(keys))", path)
        if not match:
            return self.send_json(404, {"error": "not_found", "error_description": f"No such endpoint: {path[:200]}"})
        tenant, endpoint = match.group(1), match.group(2) or match.group(3) or match.group(4)
        form = {}
        if endpoint in ("token", "devicecode") and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        state = self.state
        with state.lock:  # count and record every request, faulted or not, then take a fault if one is set
            if endpoint in ENDPOINTS:
                state.counters[endpoint] += 1
            if endpoint == "token":
                if form.get("grant_type") == CLIENT_CREDENTIALS:  # counted apart, by credential
                    state.counters["client_credentials"]["requests"] += 1
                    state.counters["client_credentials"][assertion_kind(form)] += 1
                else:
                    state.counters["grants"][GRANT_NAMES.get(form.get("grant_type"), "other")] += 1
            if endpoint in ("token", "devicecode"):
                state.last[endpoint] = {"tenant": tenant, "fields": sorted(form),
                                        "values": {k: form[k] for k in SAFE_FIELDS if k in form},
                                        "headers": {"content_type": self.headers.get("Content-Type"),
                                                    "user_agent": self.headers.get("User-Agent"),
                                                    "client_request_id": self.headers.get("client-request-id")}}
            elif endpoint == "authorize":
                state.last["authorize"] = {"tenant": tenant, "params": query}
            fault = state.take_fault(endpoint) if endpoint in ENDPOINTS else None
        if fault and self.apply_fault(fault):
            return
        try:
            if not re.fullmatch(r"[A-Za-z0-9.\-]{1,100}", tenant):
                raise EntraError("invalid_request", 90002, f"Tenant '{tenant[:100]}' not found. Check to make sure "
                                 "you have the correct tenant ID and are signing into the correct cloud.")
            if endpoint == "openid-configuration":
                return self.send_json(200, self.openid_configuration(tenant))
            if endpoint == "keys":
                return self.send_json(200, self.keys())
            if endpoint == "authorize":
                return self.authorize(tenant, query)
            if self.command != "POST":
                raise EntraError("invalid_request", 900561, f"The endpoint only accepts POST, OPTIONS requests. "
                                 f"Received a {self.command} request.")
            if form.get("grant_type") != CLIENT_CREDENTIALS and ("client_secret" in form or "client_assertion" in form):
                raise EntraError("invalid_client", 700025, "Client is public so neither 'client_assertion' nor "
                                 "'client_secret' should be presented.", status=401)
            if endpoint == "devicecode":
                return self.devicecode(tenant, form)
            return self.send_json(200, self.token(tenant, form))
        except EntraError as err:
            self.send_error_json(err)

    do_GET = do_POST = dispatch

    def workload(self, endpoint, query):
        """A managed identity or CI OIDC endpoint (managed.py, oidc.py): counted, recorded (parameter
        names and the non-secret values), then faulted or served. The server's mode picks IMDS or Arc."""
        if endpoint == "imds" and getattr(self.server, "mode", "") == "arc":
            endpoint = "arc"
        state = self.state
        with state.lock:
            state.counters[endpoint] += 1
            state.last[endpoint] = {"params": query, "headers": {
                "metadata": self.headers.get("Metadata"), "authorization": bool(self.headers.get("Authorization")),
                "x_identity_header": bool(self.headers.get("X-IDENTITY-HEADER")),
                "user_agent": self.headers.get("User-Agent")}}
            fault = state.take_fault(endpoint)
        if fault and self.apply_fault(fault, endpoint):
            return
        if endpoint in ("imds", "arc", "app-service"):
            return self.serve_managed(endpoint, query)
        return self.serve_github(query) if endpoint == "github-oidc" else self.serve_pipelines(query)

    def apply_fault(self, fault, endpoint="token"):
        """Applies a fault; True when it answered (or dropped) the request."""
        kind = fault["kind"]
        if endpoint in WORKLOAD_ENDPOINTS and kind in ("404", "410", "429", "500", "503"):  # the services' own bodies
            error, text = {"404": ("not_found", "IMDS is updating; retry with exponential backoff"),
                           "410": ("gone", "IMDS is going through updates; it is available within 70 seconds"),
                           "429": ("too_many_requests", "Too many requests; retry with exponential backoff"),
                           }.get(kind, ("server_error", TRANSIENT))
            self.send_json(int(kind), {"error": error, "error_description": text},
                           {"Retry-After": str(fault["retry_after"])} if kind == "429" else None)
            return True
        if kind == "delay":
            time.sleep(fault["delay"])
            return False
        if kind == "reset":  # close with an RST and no response at all
            self.close_connection = True
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            os.close(self.connection.detach())
            sys.stderr.write(f"entra-emulator: {self.command} {self.path.split('?', 1)[0]} reset\n")
        elif kind == "malformed":
            self.send_body(200, b'{"access_token": ')
        elif kind == "500":
            self.send_error_json(EntraError("server_error", 90033, TRANSIENT, 500))
        else:
            err = EntraError("server_error", 90033, TRANSIENT, 503) if kind == "503" else EntraError(
                "temporarily_unavailable", 90055, "There are too many incoming requests. Try again later.", 429)
            self.send_error_json(err, {"Retry-After": str(fault["retry_after"])})
        return True
