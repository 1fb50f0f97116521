"""POST /{tenant}/oauth2/v2.0/token: the authorization_code (with PKCE), refresh_token and
device_code grants. A refresh token is issued when offline_access is in the token request's scope
or in the original authorize/devicecode scope; the refresh grant always rotates (returns a new one)
and the old one stays valid until revoked, as in Entra."""
import hashlib, json, time

from . import consent, tokens
from .errors import MFA_TEXT, EntraError, require
from .identity import DEVICE_GRANT, MFA_POLICY_ID, OIDC_SCOPES, split_scope, tenant_id
from .tokens import b64url


class TokenEndpoint:
    """Mixed into handler.Handler."""

    def token(self, tenant, form):
        require(form, "grant_type", "client_id")
        grant = {"authorization_code": self.grant_code, "refresh_token": self.grant_refresh,
                 DEVICE_GRANT: self.grant_device,  # client_credentials: workload.py
                 "client_credentials": lambda f, r: self.grant_client_credentials(f, r, tenant)}.get(form["grant_type"])
        if grant is None:
            raise EntraError("unsupported_grant_type", 70003, f"The app requested an unsupported grant type "
                             f"'{form['grant_type'][:60]}'.")
        requested = form.get("scope", "").split()
        if len({split_scope(s)[1] for s in requested if s not in OIDC_SCOPES}) > 1:
            raise EntraError("invalid_scope", 28000, "Provided value for the input parameter scope is not valid "
                             f"because it contains more than one resource. Scope {' '.join(requested)[:300]} "
                             "is not valid.")
        with self.state.lock:  # the grants below run with it held
            return grant(form, requested)

    def grant_code(self, form, requested):
        require(form, "code", "redirect_uri")
        record = self.state.codes.get(form["code"])
        if record is None:
            raise EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if record["used"]:
            raise EntraError("invalid_grant", 54005, "OAuth2 Authorization code was already redeemed, please retry "
                             "with a new valid code or use an existing refresh token.")
        if time.time() - record["created"] > self.state.config["code_lifetime"]:
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
        state = self.state
        record = state.refresh_tokens.get(form["refresh_token"])
        if record is None:
            raise EntraError("invalid_grant", 9002313, "Invalid request. Request is malformed or invalid.")
        if record["revoked"]:
            raise EntraError("invalid_grant", 50173, "The provided grant has expired due to it being revoked, a "
                             "fresh auth token is needed. The user might have changed or reset their password.")
        if record["client_id"] != form["client_id"]:
            raise EntraError("invalid_grant", 70000, "Provided grant is invalid or malformed: the refresh token "
                             "was issued to a different client.")
        scopes = requested or record["scopes"]
        if state.mfa_required and record["epoch"] < state.mfa_epoch:
            resource = split_scope(next((s for s in scopes if s not in OIDC_SCOPES), "User.Read"))[0]
            claims = {"access_token": {"capolids": {"essential": True, "values": [MFA_POLICY_ID]}}}
            raise EntraError("invalid_grant", 50076, MFA_TEXT.format(resource),
                             claims=json.dumps(claims, separators=(",", ":")))
        consent.check(state, record["user"], record["client_id"], scopes)
        return tokens.issue(state, dict(record, base=self.base_url()), scopes, True)

    def grant_device(self, form, requested):
        require(form, "device_code")
        record = self.state.devices.get(form["device_code"])
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
        if self.state.config["device_slow_down"] and now - last < record["interval"]:
            raise EntraError("slow_down", 70016, "OAuth 2.0 device flow error. Polling too fast; slow down.")
        if record["status"] == "pending":
            raise EntraError("authorization_pending", 70016, "OAuth 2.0 device flow error. Authorization is pending. "
                             "Continue polling.")
        record["status"] = "redeemed"
        consent.grant(self.state, record["user"], record["client_id"], record["scopes"])  # the user approved them
        return self.sign_in(record, requested)

    def sign_in(self, record, requested):
        """Tokens for a finished sign-in (a code or device code); new refresh tokens remember it."""
        scopes = requested or record["scopes"]
        consent.check(self.state, record["user"], record["client_id"], scopes)
        grant = {"user": record["user"], "tenant": record["tenant"], "client_id": record["client_id"],
                 "tid": tenant_id(record["tenant"], record["user"]), "epoch": record["epoch"], "mfa": record["mfa"],
                 "nonce": record.get("nonce"), "base": self.base_url()}
        want_refresh = "offline_access" in scopes or "offline_access" in record["scopes"]
        return tokens.issue(self.state, grant, scopes, want_refresh)
