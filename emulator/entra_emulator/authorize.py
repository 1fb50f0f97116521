"""GET /{tenant}/oauth2/v2.0/authorize: the auth code flow with PKCE (S256), loopback redirect
URIs only. Shows a sign-in page unless auto-approved (or approved on the page); prompt=none signs
in silently from the browser session, which an interactive sign-in starts. A parameter that
Microsoft's documentation of the request does not list is refused (invalid_request, AADSTS90100).
An interactive sign-in consents to every scope its `scope` names, of any resource (consent.py)."""
import html, ipaddress, re, secrets, time
from urllib.parse import urlencode, urlsplit

from . import consent
from .errors import MFA_TEXT, EntraError, require
from .identity import split_scope


# "Request an authorization code" (v2-oauth2-auth-code-flow), plus nonce (v2-protocols-oidc) and
# claims (the claims request parameter); approve and deny are this emulator's sign-in page buttons.
DOCUMENTED = ("client_id", "response_type", "redirect_uri", "scope", "response_mode", "state", "prompt",
              "login_hint", "domain_hint", "code_challenge", "code_challenge_method", "nonce", "claims")
PAGE_BUTTONS = ("approve", "deny")


def is_loopback_redirect(uri):
    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        return (parts.scheme == "http" and "@" not in parts.netloc and not parts.fragment
                and (host == "localhost" or ipaddress.ip_address(host).is_loopback))
    except ValueError:
        return False


class AuthorizeEndpoint:
    """Mixed into handler.Handler."""

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
        unknown = sorted(k for k in q if k not in DOCUMENTED + PAGE_BUTTONS)
        if unknown:
            raise EntraError("invalid_request", 90100, f"The request parameter '{unknown[0][:60]}' is not valid: "
                             "it is not a parameter of the authorization request.")
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
        state = self.state
        with state.lock:
            silent = q.get("prompt") == "none"
            if silent and state.session_epoch is None:
                raise EntraError("login_required", 50058, "A silent sign-in request was sent but no user is signed in.")
            if silent and state.mfa_required and state.session_epoch < state.mfa_epoch:
                raise EntraError("interaction_required", 50076, MFA_TEXT.format(split_scope(q["scope"].split()[0])[0]))
            if not (silent or "approve" in q or state.config["auto_approve"]):
                return None
            if silent:  # no page to consent on
                consent.check(state, state.config["user"], client_id, q["scope"].split(), "consent_required")
            else:  # an interactive sign-in: it satisfies MFA, starts a browser session, grants consent
                state.session_epoch = state.mfa_epoch
                consent.grant(state, state.config["user"], client_id, q["scope"].split())
            code = "1.emu-code." + secrets.token_urlsafe(48)
            state.codes[code] = {"client_id": client_id, "redirect_uri": redirect_uri,
                                 "challenge": q["code_challenge"], "scopes": q["scope"].split(),
                                 "nonce": q.get("nonce"), "tenant": tenant, "user": state.config["user"],
                                 "epoch": state.session_epoch, "mfa": state.mfa_required,
                                 "created": time.time(), "used": False}
            state.issued["codes"] += 1
            return code

    def redirect(self, uri, params):  # keeps the redirect URI's own path and query
        self.send_body(302, b"", "text/html; charset=utf-8",
                       {"Location": uri + ("&" if "?" in uri else "?") + urlencode(params)})

    def sign_in_page(self, q):
        with self.state.lock:
            user = self.state.config["user"]
        hidden = "".join(f"<input type=hidden name='{html.escape(k, True)}' value='{html.escape(v, True)}'>"
                         for k, v in q.items() if k not in ("approve", "deny"))
        self.send_html(200, "Sign in", f"<h1>Entra emulator</h1><p>Application <code>{html.escape(q['client_id'])}"
                       f"</code> asks for <code>{html.escape(q['scope'])}</code>.</p>"
                       f"<form method=get action='{html.escape(self.path.split('?', 1)[0], True)}'>{hidden}"
                       f"<button name=approve value=1>Sign in as {html.escape(user)}</button> "
                       f"<button name=deny value=1>Cancel</button></form>")
