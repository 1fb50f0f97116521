#!/usr/bin/env python3
"""A local Microsoft Entra ID (v2.0) emulator for tests and demos. Python 3 standard library only.

  python3 emulator/entra-emulator.py [--host 127.0.0.1] [--port 0] [--port-file PATH]
      [--tls-cert PEM --tls-key PEM] [--user UPN] [--auto-approve]

Endpoints, for any tenant path segment (organizations, common, a GUID, a domain):
  GET  /{tenant}/v2.0/.well-known/openid-configuration    GET /{tenant}/discovery/v2.0/keys
  GET  /{tenant}/oauth2/v2.0/authorize   (auth code + PKCE S256, loopback redirect URIs only)
  POST /{tenant}/oauth2/v2.0/token       (authorization_code, refresh_token, device_code)
  POST /{tenant}/oauth2/v2.0/devicecode  GET /devicelogin (a tiny page to approve a user code)
Errors have Entra's body: error, error_description "AADSTSnnnn: ...", error_codes, timestamp,
trace_id, correlation_id (the client-request-id header when given), error_uri; plus claims.

Control API (JSON in and out), under /_control/:
  GET counters, POST reset-counters            requests per endpoint (faulted ones too) and grant
  GET config, POST config {token_lifetime, device_interval, device_expires_in, code_lifetime,
      auto_approve, device_auto_approve, device_slow_down, user}
  GET device-codes[?all=1], POST device/approve|device/deny {"user_code"} (omitted: newest)
  POST revoke {"all": true} | {"refresh_token_prefix": "..."}      -> {"revoked": n}
  POST require-mfa {"required": bool}  refresh tokens from sign-ins before it fail with 50076
  POST fault {"endpoint": token|devicecode|authorize|openid-configuration|any,
      "kind": 500|503|429|malformed|delay|reset, "count": 1, "retry_after": 2, "delay": 2}
  GET faults, POST clear-faults, GET issued (counts only), POST reset (all state)
  GET last-request?endpoint=token|devicecode (field names; values of non-secret fields only)
  GET last-authorize (the last authorize query)

Refresh tokens: one is issued when offline_access is in the token request's scope or in the
original authorize/devicecode scope; the refresh grant always rotates (returns a new one) and
the old one stays valid until revoked, as in Entra. Tokens are HS256 JWTs signed with a random
per-run key (the stdlib cannot sign RS256). The log (stderr) has one line per request: method,
path without query, status; never tokens, codes or bodies.
"""
import argparse, base64, hashlib, hmac, html, ipaddress, json, os, re, secrets
import signal, socket, ssl, struct, sys, threading, time, uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
CONSUMERS_TID = "9188040d-6c67-4c5b-b112-36a304b66dad"
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_NAMES = {"authorization_code": "authorization_code", "refresh_token": "refresh_token",
               DEVICE_GRANT: "device_code"}
ENDPOINTS = ("authorize", "token", "devicecode", "openid-configuration")
FAULT_KINDS = ("500", "503", "429", "malformed", "delay", "reset")
SAFE_FIELDS = ("grant_type", "client_id", "scope", "redirect_uri", "claims")  # never code, tokens, verifier
USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
DEFAULTS = {"token_lifetime": 3600, "device_interval": 5, "device_expires_in": 900, "code_lifetime": 600,
            "auto_approve": False, "device_auto_approve": False, "device_slow_down": False,
            "user": "ada@contoso.example"}
MFA_TEXT = ("Due to a configuration change made by your administrator, or because you moved to a new location, "
            "you must use multi-factor authentication to access '{}'.")
TRANSIENT = "A transient error has occurred. Please try again."


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def guid(name):
    """A deterministic GUID for a user, tenant or policy name."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "entra-emulator:" + name.lower()))


MFA_POLICY_ID = guid("capolicy:require-mfa")


def tenant_id(tenant, user):
    """A GUID stays; organizations/common mean the user's home tenant (from the UPN's domain)."""
    t = tenant.lower()
    if t == "consumers":
        return CONSUMERS_TID
    t = (user.rpartition("@")[2] or "contoso.example") if t in ("organizations", "common") else t
    return t if re.fullmatch(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}", t) else guid("tenant:" + t)


def split_scope(scope):
    """(resource for aud, resource key for comparison, short name) of one scope; bare = Graph."""
    if "/" not in scope:
        return GRAPH_APP_ID, "graph", scope
    resource, _, name = scope.rpartition("/")
    key = resource.rstrip("/").lower()
    return resource, ("graph" if key in ("https://graph.microsoft.com", GRAPH_APP_ID) else key), name


class EntraError(Exception):
    """An Entra error answer: OAuth error, AADSTS code, message, HTTP status, extra body members."""

    def __init__(self, error, code, message, status=400, **extra):
        super().__init__(message)
        self.error, self.code, self.message, self.status, self.extra = error, code, message, status, extra


def require(params, *names):
    for name in names:
        if not params.get(name):
            raise EntraError("invalid_request", 900144, f"The request body must contain the following parameter: "
                             f"'{name}'.")


def is_loopback_redirect(uri):
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        return (parts.scheme == "http" and "@" not in parts.netloc and not parts.fragment
                and (host == "localhost" or ipaddress.ip_address(host).is_loopback))
    except ValueError:
        return False


class State:
    """Everything the emulator knows; every access holds self.lock."""

    def __init__(self, user, auto_approve):
        self.lock = threading.RLock()  # re-entrant: control actions call helpers that lock too
        self.key = secrets.token_bytes(32)
        self.initial = (user, auto_approve)
        self.reset(user, auto_approve)

    def reset(self, user, auto_approve):
        self.config = dict(DEFAULTS, user=user, auto_approve=auto_approve)
        self.codes, self.refresh_tokens, self.devices, self.last, self.faults = {}, {}, {}, {}, []
        self.session_epoch = None  # MFA epoch of the last browser sign-in; None: no browser session
        self.mfa_required, self.mfa_epoch = False, 0  # the epoch grows each time MFA becomes required
        self.issued = {"access_tokens": 0, "refresh_tokens": 0, "id_tokens": 0, "codes": 0, "device_codes": 0}
        self.reset_counters()

    def reset_counters(self):
        self.counters = dict({name: 0 for name in ENDPOINTS},
                             grants={"authorization_code": 0, "refresh_token": 0, "device_code": 0, "other": 0})

    def take_fault(self, endpoint):
        for fault in self.faults:
            if fault["endpoint"] in (endpoint, "any"):
                fault["remaining"] -= 1
                self.faults = [f for f in self.faults if f["remaining"] > 0]
                return dict(fault)
        return None

    def jwt(self, claims):
        header = {"typ": "JWT", "alg": "HS256", "kid": "emulator"}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        return signing_input + "." + b64url(hmac.new(self.key, signing_input.encode(), hashlib.sha256).digest())

    def issue(self, grant, scopes, want_refresh):
        """The token endpoint's success body. grant: user, tenant, tid, client_id, nonce, base, epoch, mfa."""
        user, tid, client_id, now = grant["user"], grant["tid"], grant["client_id"], int(time.time())
        lifetime, oid = int(self.config["token_lifetime"]), guid("user:" + user)
        resource_scopes = [s for s in scopes if s not in OIDC_SCOPES]
        if resource_scopes:  # the token is for the first scope's resource (Entra: one resource per token)
            aud = split_scope(resource_scopes[0])[0]
            names = [split_scope(s)[2] for s in resource_scopes]
            scp = " ".join("user_impersonation" if n == ".default" else n for n in names)
        else:
            aud, scp = GRAPH_APP_ID, " ".join(s for s in scopes if s in ("openid", "profile", "email"))
        common = {"oid": oid, "tid": tid, "upn": user, "preferred_username": user, "ver": "2.0", "iat": now,
                  "nbf": now, "exp": now + lifetime, "amr": ["pwd", "mfa"] if grant["mfa"] else ["pwd"],
                  "name": user.partition("@")[0].replace(".", " ").title()}
        access = dict(common, aud=aud, iss=f"https://sts.windows.net/{tid}/", scp=scp, appid=client_id,
                      azp=client_id, sub=b64url(hashlib.sha256((oid + aud).encode()).digest()[:24]),
                      uti=b64url(secrets.token_bytes(16)))
        body = {"token_type": "Bearer", "scope": " ".join(resource_scopes) or scp, "expires_in": lifetime,
                "ext_expires_in": lifetime, "access_token": self.jwt(access)}
        self.issued["access_tokens"] += 1
        if want_refresh:
            body["refresh_token"] = token = "1.emu." + secrets.token_urlsafe(48)
            self.refresh_tokens[token] = dict(grant, scopes=scopes, nonce=None, revoked=False)
            self.issued["refresh_tokens"] += 1
        if "openid" in scopes:
            claims = dict(common, aud=client_id, iss=f"{grant['base']}/{tid}/v2.0", uti=b64url(secrets.token_bytes(16)),
                          sub=b64url(hashlib.sha256((oid + client_id).encode()).digest()[:24]))
            if grant.get("nonce"):
                claims["nonce"] = grant["nonce"]
            body["id_token"] = self.jwt(claims)
            self.issued["id_tokens"] += 1
        body["client_info"] = b64url(json.dumps({"uid": oid, "utid": tid}).encode())
        return body


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "entra-emulator/1.0"
    timeout = 30
    disable_nagle_algorithm = True  # answers go out as several writes; Nagle would hold them ~40 ms

    def setup(self):
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):  # handshake here, in the connection's thread
            self.connection.do_handshake()

    # --- logging: method, path without query, status; nothing else ---------------------------
    def log_request(self, code="-", size="-"):
        sys.stderr.write(f"entra-emulator: {self.command} {self.path.split('?', 1)[0]} {int(code)}\n")

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
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
        return dict({"error": err.error, "error_description": f"AADSTS{err.code}: {err.message}\r\nTrace ID: "
                     f"{self.trace_id}\r\nCorrelation ID: {self.correlation_id}\r\nTimestamp: {stamp}",
                     "error_codes": [err.code], "timestamp": stamp, "trace_id": self.trace_id,
                     "correlation_id": self.correlation_id,
                     "error_uri": f"https://login.microsoftonline.com/error?code={err.code}"}, **err.extra)

    def send_error_json(self, err, headers=None):
        self.send_json(err.status, self.error_body(err), headers)

    def base_url(self):
        host = self.headers.get("Host", "")
        if not re.fullmatch(r"(?:[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?", host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"{self.server.scheme}://{host}"

    # --- dispatch ---------------------------------------------------------------------------------
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
        match = re.fullmatch(r"/([^/]+)/(?:v2\.0/\.well-known/(openid-configuration)|oauth2/v2\.0/(authorize|token|"
                             r"devicecode)|discovery/v2\.0/(keys))", path)
        if not match:
            return self.send_json(404, {"error": "not_found", "error_description": f"No such endpoint: {path[:200]}"})
        tenant, endpoint = match.group(1), match.group(2) or match.group(3) or match.group(4)
        form = {}
        if endpoint in ("token", "devicecode") and "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        with S.lock:  # count and record every request, faulted or not, then take a fault if one is set
            if endpoint in ENDPOINTS:
                S.counters[endpoint] += 1
            if endpoint == "token":
                S.counters["grants"][GRANT_NAMES.get(form.get("grant_type"), "other")] += 1
            if endpoint in ("token", "devicecode"):
                S.last[endpoint] = {"tenant": tenant, "fields": sorted(form),
                                    "values": {k: form[k] for k in SAFE_FIELDS if k in form},
                                    "headers": {"content_type": self.headers.get("Content-Type"),
                                                "user_agent": self.headers.get("User-Agent"),
                                                "client_request_id": self.headers.get("client-request-id")}}
            elif endpoint == "authorize":
                S.last["authorize"] = {"tenant": tenant, "params": query}
            fault = S.take_fault(endpoint) if endpoint in ENDPOINTS else None
        if fault and self.apply_fault(fault):
            return
        try:
            if not re.fullmatch(r"[A-Za-z0-9.\-]{1,100}", tenant):
                raise EntraError("invalid_request", 90002, f"Tenant '{tenant[:100]}' not found. Check to make sure "
                                 "you have the correct tenant ID and are signing into the correct cloud.")
            if endpoint == "openid-configuration":
                return self.send_json(200, self.openid_configuration(tenant))
            if endpoint == "keys":
                return self.send_json(200, {"keys": [{"kty": "oct", "use": "sig", "kid": "emulator", "alg": "HS256"}]})
            if endpoint == "authorize":
                return self.authorize(tenant, query)
            if self.command != "POST":
                raise EntraError("invalid_request", 900561, f"The endpoint only accepts POST, OPTIONS requests. "
                                 f"Received a {self.command} request.")
            if "client_secret" in form or "client_assertion" in form:
                raise EntraError("invalid_client", 700025, "Client is public so neither 'client_assertion' nor "
                                 "'client_secret' should be presented.", status=401)
            if endpoint == "devicecode":
                return self.devicecode(tenant, form)
            return self.send_json(200, self.token(tenant, form))
        except EntraError as err:
            self.send_error_json(err)

    do_GET = do_POST = dispatch

    def apply_fault(self, fault):
        """Applies a fault; True when it answered (or dropped) the request."""
        kind = fault["kind"]
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

    def openid_configuration(self, tenant):
        base, oauth = self.base_url(), f"{self.base_url()}/{tenant}/oauth2/v2.0"
        with S.lock:
            tid = tenant_id(tenant, S.config["user"])
        issuer_tid = "{tenantid}" if tenant.lower() in ("organizations", "common") else tid
        return {"issuer": f"{base}/{issuer_tid}/v2.0", "authorization_endpoint": f"{oauth}/authorize",
                "token_endpoint": f"{oauth}/token", "device_authorization_endpoint": f"{oauth}/devicecode",
                "end_session_endpoint": f"{oauth}/logout", "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                "response_types_supported": ["code"], "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT],
                "scopes_supported": list(OIDC_SCOPES), "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["HS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"], "tenant_region_scope": "EU",
                "cloud_instance_name": "emulator.local", "msgraph_host": "graph.microsoft.com"}

    # --- authorize --------------------------------------------------------------------------------
    def authorize(self, tenant, q):
        client_id, redirect_uri = q.get("client_id", ""), q.get("redirect_uri", "")
        try:  # no usable client_id or redirect_uri: an error page, as Entra shows
            require(q, "client_id")
            if not redirect_uri:
                raise EntraError("invalid_request", 900971, "No reply address provided.")
            if not is_loopback_redirect(redirect_uri):
                raise EntraError("invalid_request", 50011, f"The redirect URI '{redirect_uri[:200]}' specified in the "
                                 f"request does not match the redirect URIs configured for the application "
                                 f"'{client_id[:64]}'.")
        except EntraError as err:
            description = self.error_body(err)["error_description"]
            return self.send_html(400, "Sign in error", f"<h1>Sorry, but we're having trouble signing you in.</h1>"
                                  f"<pre>{html.escape(description)}</pre>")
        state = {"state": q["state"]} if "state" in q else {}
        try:
            code = self.authorize_code(tenant, q, client_id, redirect_uri)
        except EntraError as err:
            body = self.error_body(err)
            return self.redirect(redirect_uri, dict({k: body[k] for k in ("error", "error_description", "error_uri")},
                                                    **state))
        if code is None:
            return self.sign_in_page(q)
        self.redirect(redirect_uri, dict({"code": code}, **state))

    def authorize_code(self, tenant, q, client_id, redirect_uri):
        """Validates; returns a new code, or None when the sign-in page should be shown."""
        if q.get("response_type") != "code":
            raise EntraError("unsupported_response_type", 70005, f"response_type '{q.get('response_type', '')[:40]}' "
                             "is not supported by this emulator; use 'code'.")
        require(q, "scope", "code_challenge")
        if q.get("code_challenge_method") != "S256":
            raise EntraError("invalid_request", 90100, "The 'code_challenge_method' parameter is empty or not valid; "
                             "only 'S256' is supported.")
        if not re.fullmatch(r"[A-Za-z0-9_\-]{43}", q["code_challenge"]):
            raise EntraError("invalid_request", 501491, "Invalid size of Code_Challenge parameter.")
        if "deny" in q:
            raise EntraError("access_denied", 65004, "User declined to consent to access the app.")
        with S.lock:
            silent = q.get("prompt") == "none"
            if silent and S.session_epoch is None:
                raise EntraError("login_required", 50058, "A silent sign-in request was sent but no user is signed in.")
            if silent and S.mfa_required and S.session_epoch < S.mfa_epoch:
                raise EntraError("interaction_required", 50076, MFA_TEXT.format(split_scope(q["scope"].split()[0])[0]))
            if not (silent or "approve" in q or S.config["auto_approve"]):
                return None
            if not silent:  # an interactive sign-in: it satisfies MFA and starts a browser session
                S.session_epoch = S.mfa_epoch
            code = "1.emu-code." + secrets.token_urlsafe(48)
            S.codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri, "challenge": q["code_challenge"],
                             "scopes": q["scope"].split(), "nonce": q.get("nonce"), "tenant": tenant,
                             "user": S.config["user"], "epoch": S.session_epoch, "mfa": S.mfa_required,
                             "created": time.time(), "used": False}
            S.issued["codes"] += 1
            return code

    def redirect(self, uri, params):  # keeps the redirect URI's own path and query
        self.send_body(302, b"", "text/html; charset=utf-8",
                       {"Location": uri + ("&" if "?" in uri else "?") + urlencode(params)})

    def sign_in_page(self, q):
        with S.lock:
            user = S.config["user"]
        hidden = "".join(f"<input type=hidden name='{html.escape(k, True)}' value='{html.escape(v, True)}'>"
                         for k, v in q.items() if k not in ("approve", "deny"))
        self.send_html(200, "Sign in", f"<h1>Entra emulator</h1><p>Application <code>{html.escape(q['client_id'])}"
                       f"</code> asks for <code>{html.escape(q['scope'])}</code>.</p>"
                       f"<form method=get action='{html.escape(self.path.split('?', 1)[0], True)}'>{hidden}"
                       f"<button name=approve value=1>Sign in as {html.escape(user)}</button> "
                       f"<button name=deny value=1>Cancel</button></form>")

    # --- device code ------------------------------------------------------------------------------
    def devicecode(self, tenant, form):
        require(form, "client_id", "scope")
        uri = f"{self.base_url()}/devicelogin"
        with S.lock:
            user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
            device_code = "1.emu-device." + secrets.token_urlsafe(48)
            expires_in, interval = int(S.config["device_expires_in"]), int(S.config["device_interval"])
            S.devices[device_code] = {"user_code": user_code, "client_id": form["client_id"], "tenant": tenant,
                                      "scopes": form["scope"].split(), "expires": time.time() + expires_in,
                                      "interval": interval, "last_poll": 0.0,
                                      "status": "approved" if S.config["device_auto_approve"] else "pending",
                                      "user": S.config["user"], "epoch": S.mfa_epoch, "mfa": S.mfa_required}
            S.issued["device_codes"] += 1
        self.send_json(200, {"user_code": user_code, "device_code": device_code, "verification_uri": uri,
                             "expires_in": expires_in, "interval": interval,
                             "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                                        f"{user_code} to authenticate."})

    def set_device_status(self, user_code, status):
        """Approves or declines a pending device code (the newest one when user_code is empty)."""
        wanted = re.sub(r"[\s\-]", "", user_code or "").upper()
        with S.lock:
            pending = [d for d in S.devices.values() if d["status"] == "pending" and d["expires"] > time.time()]
            found = [d for d in pending if d["user_code"] == wanted] if wanted else pending[-1:]
            if not found:
                raise LookupError("no pending device code" + (" with that user_code" if wanted else ""))
            found[0]["status"] = status
            if status == "approved":  # the sign-in happens now: it satisfies MFA
                found[0].update(user=S.config["user"], epoch=S.mfa_epoch, mfa=S.mfa_required)
            return {"user_code": found[0]["user_code"], "status": status}

    def devicelogin(self, q):
        text = None
        if q.get("user_code") and ("approve" in q or "deny" in q):
            try:
                self.set_device_status(q["user_code"], "approved" if "approve" in q else "declined")
                text = "Signed in; you can close this window." if "approve" in q else "Sign-in declined."
            except LookupError:
                text = "That code is not valid or has expired."
        self.send_html(200, "Device sign-in", f"<p>{text}</p>" if text else "<h1>Enter code</h1><form method=get>"
                       "<input name=user_code autofocus> <button name=approve value=1>Sign in</button> "
                       "<button name=deny value=1>Cancel</button></form>")

    # --- token ------------------------------------------------------------------------------------
    def token(self, tenant, form):
        require(form, "grant_type", "client_id")
        grant = {"authorization_code": self.grant_code, "refresh_token": self.grant_refresh,
                 DEVICE_GRANT: self.grant_device}.get(form["grant_type"])
        if grant is None:
            raise EntraError("unsupported_grant_type", 70003, f"The app requested an unsupported grant type "
                             f"'{form['grant_type'][:60]}'.")
        requested = form.get("scope", "").split()
        if len({split_scope(s)[1] for s in requested if s not in OIDC_SCOPES}) > 1:
            raise EntraError("invalid_scope", 28000, "Provided value for the input parameter scope is not valid "
                             f"because it contains more than one resource. Scope {' '.join(requested)[:300]} "
                             "is not valid.")
        with S.lock:
            return grant(form, requested)

    def grant_code(self, form, requested):
        require(form, "code", "redirect_uri")
        record = S.codes.get(form["code"])
        if record is None:
            raise EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if record["used"]:
            raise EntraError("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry "
                             "with a new valid code or use an existing refresh token.")
        if time.time() - record["created"] > S.config["code_lifetime"]:
            raise EntraError("invalid_grant", 70008, "The provided authorization code or refresh token has expired "
                             "due to inactivity. Send a new interactive authorization request for this user and "
                             "resource.")
        if record["client_id"] != form["client_id"]:
            raise EntraError("invalid_grant", 70000, "Provided grant is invalid or malformed: the authorization code "
                             "was issued to a different client.")
        if record["redirect_uri"] != form["redirect_uri"]:
            raise EntraError("invalid_grant", 500112, f"The reply address '{form['redirect_uri'][:200]}' does not "
                             f"match the reply address '{record['redirect_uri']}' provided when requesting "
                             "Authorization code.")
        require(form, "code_verifier")
        if b64url(hashlib.sha256(form["code_verifier"].encode()).digest()) != record["challenge"]:
            raise EntraError("invalid_grant", 501481, "The Code_Verifier does not match the code_challenge supplied "
                             "in the authorization request.")
        record["used"] = True
        return self.sign_in(record, requested)

    def grant_refresh(self, form, requested):
        require(form, "refresh_token")
        record = S.refresh_tokens.get(form["refresh_token"])
        if record is None:
            raise EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if record["revoked"]:
            raise EntraError("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a "
                             "fresh auth token is needed. The user might have changed or reset their password.")
        if record["client_id"] != form["client_id"]:
            raise EntraError("invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token "
                             "was issued to a different client.")
        scopes = requested or record["scopes"]
        if S.mfa_required and record["epoch"] < S.mfa_epoch:
            resource = split_scope(next((s for s in scopes if s not in OIDC_SCOPES), "User.Read"))[0]
            claims = {"access_token": {"capolids": {"essential": True, "values": [MFA_POLICY_ID]}}}
            raise EntraError("invalid_grant", 50076, MFA_TEXT.format(resource),
                             claims=json.dumps(claims, separators=(",", ":")))
        return S.issue(dict(record, base=self.base_url()), scopes, True)

    def grant_device(self, form, requested):
        require(form, "device_code")
        record = S.devices.get(form["device_code"])
        if record is None or record["client_id"] != form["client_id"]:
            raise EntraError("bad_verification_code", 70018, "The provided value for the input parameter "
                             "'device_code' is not valid.")
        now, last = time.time(), record["last_poll"]
        record["last_poll"] = now
        if record["status"] == "redeemed":
            raise EntraError("invalid_grant", 54005, "The device code was already redeemed; start a new sign-in.")
        if now > record["expires"]:
            raise EntraError("expired_token", 70019, "The provided value for the input parameter 'device_code' is "
                             "not valid. This device code has expired.")
        if record["status"] == "declined":
            raise EntraError("authorization_declined", 70000, "The end user has denied the authorization request. "
                             "Re-run the Device Code Flow Protocol with another user.")
        if S.config["device_slow_down"] and now - last < record["interval"]:
            raise EntraError("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast; slow down.")
        if record["status"] == "pending":
            raise EntraError("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. "
                             "Continue polling.")
        record["status"] = "redeemed"
        return self.sign_in(record, requested)

    def sign_in(self, record, requested):
        """Tokens for a finished sign-in (a code or device code); new refresh tokens remember it."""
        scopes = requested or record["scopes"]
        grant = {"user": record["user"], "tenant": record["tenant"], "client_id": record["client_id"],
                 "tid": tenant_id(record["tenant"], record["user"]), "epoch": record["epoch"], "mfa": record["mfa"],
                 "nonce": record.get("nonce"), "base": self.base_url()}
        return S.issue(grant, scopes, "offline_access" in scopes or "offline_access" in record["scopes"])

    # --- control API (JSON in and out; see the module docstring) -------------------------------------
    def control(self, name, query, raw):
        try:
            args = json.loads(raw or b"{}")
            if not isinstance(args, dict):
                raise ValueError("expected a JSON object")
            with S.lock:
                status, result = 200, self.control_action(f"{self.command} {name}", args, query)
        except LookupError as err:
            status, result = 404, {"error": str(err).strip("'\"")[:300]}
        except (ValueError, TypeError) as err:
            status, result = 400, {"error": str(err)[:300]}
        self.send_json(status, result)

    def control_action(self, action, args, query):
        """One control action, with S.lock held. LookupError: 404; ValueError: 400."""
        if action == "GET counters":
            return json.loads(json.dumps(S.counters))
        if action == "POST reset-counters":
            return S.reset_counters() or {"ok": True}
        if action in ("GET config", "POST config"):  # GET: no arguments, so no change
            for key, value in args.items():
                default = DEFAULTS.get(key)
                valid = isinstance(value, bool) if isinstance(default, bool) else isinstance(value, str) \
                    if isinstance(default, str) else type(value) in (int, float) and value >= 0
                if key not in DEFAULTS or not valid:
                    raise ValueError(f"unknown config key or bad value: '{key[:40]}'")
            S.config.update({k: (int(v) if type(DEFAULTS[k]) is int else v) for k, v in args.items()})
            return dict(S.config)
        if action == "GET device-codes":
            listed = [{"user_code": d["user_code"], "client_id": d["client_id"], "scope": " ".join(d["scopes"]),
                       "status": "expired" if d["status"] == "pending" and time.time() > d["expires"] else d["status"]}
                      for d in S.devices.values()]
            return listed if query.get("all") else [d for d in listed if d["status"] == "pending"]
        if action in ("POST device/approve", "POST device/deny"):
            status = "approved" if action.endswith("approve") else "declined"
            return self.set_device_status(args.get("user_code"), status)
        if action == "POST revoke":
            prefix = args.get("refresh_token_prefix")
            if not args.get("all") and not prefix:
                raise ValueError('give {"all": true} or {"refresh_token_prefix": "..."}')
            hit = [record for token, record in S.refresh_tokens.items()
                   if not record["revoked"] and (args.get("all") or token.startswith(prefix))]
            for record in hit:
                record["revoked"] = True
            if args.get("all"):  # like "revoke sessions" in Entra: the browser session ends too
                S.session_epoch = None
            return {"revoked": len(hit)}
        if action == "POST require-mfa":
            S.mfa_required = bool(args.get("required", True))
            S.mfa_epoch += S.mfa_required  # sign-ins from before this point lack MFA
            return {"required": S.mfa_required}
        if action == "POST fault":
            endpoint, kind, count = args.get("endpoint", "token"), str(args.get("kind", "")), int(args.get("count", 1))
            if endpoint not in ENDPOINTS + ("any",) or kind not in FAULT_KINDS or count < 1:
                raise ValueError(f"endpoint: one of {ENDPOINTS + ('any',)}; kind: one of {FAULT_KINDS}; count >= 1")
            S.faults.append({"endpoint": endpoint, "kind": kind, "remaining": count,
                             "retry_after": int(args.get("retry_after", 2)), "delay": float(args.get("delay", 2))})
            return dict(S.faults[-1])
        if action == "GET faults":
            return [dict(f) for f in S.faults]
        if action == "POST clear-faults":
            S.faults = []
            return {"ok": True}
        if action == "GET issued":
            return dict(S.issued)
        if action in ("GET last-request", "GET last-authorize"):
            endpoint = "authorize" if action.endswith("authorize") else query.get("endpoint", "token")
            if endpoint not in S.last:
                raise LookupError(f"no {endpoint} request recorded")
            return S.last[endpoint]
        if action == "POST reset":
            return S.reset(*S.initial) or {"ok": True}
        raise LookupError(f"no control action {action[:80]}")


class Server(ThreadingHTTPServer):
    daemon_threads = True
    scheme = "http"

    def handle_error(self, request, client_address):  # one line, never a request's content
        sys.stderr.write(f"entra-emulator: connection error: {sys.exc_info()[0].__name__}\n")


def main():
    global S
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

    S = State(options.user, options.auto_approve)
    server = Server((host, options.port), Handler)
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


S = None  # the State, set by main()

if __name__ == "__main__":
    main()
