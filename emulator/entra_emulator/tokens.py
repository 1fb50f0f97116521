"""The tokens: HS256 JWTs signed with the State's random per-run key (the stdlib cannot sign
RS256), their check (for the control API's verify), and the token endpoint's success body, which
records what it issued in the State."""
import base64, binascii, hashlib, hmac, json, secrets, time

from .identity import GRAPH_APP_ID, OIDC_SCOPES, guid, split_scope


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwt(key, claims):
    header = {"typ": "JWT", "alg": "HS256", "kid": "emulator"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    return signing_input + "." + b64url(hmac.new(key, signing_input.encode(), hashlib.sha256).digest())


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify(key, token, now=None):
    """(claims, None) when token is a JWT signed with key, in its nbf..exp window; else (None, reason).
    The reason never quotes the token."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        return None, "not a JWT"
    try:
        header, claims = json.loads(unb64url(parts[0])), json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except (ValueError, binascii.Error):
        return None, "malformed JWT"
    if not isinstance(header, dict) or header.get("alg") != "HS256" or not isinstance(claims, dict):
        return None, "not an HS256 JWT of this emulator"
    expected = hmac.new(key, (parts[0] + "." + parts[1]).encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return None, "bad signature (not issued by this emulator run)"
    now = time.time() if now is None else now
    if not isinstance(claims.get("exp"), (int, float)) or now >= claims["exp"]:
        return None, "expired"
    if isinstance(claims.get("nbf"), (int, float)) and now < claims["nbf"]:
        return None, "not yet valid (nbf)"
    return claims, None


def issue(state, grant, scopes, want_refresh):
    """The token endpoint's success body. grant: user, tenant, tid, client_id, nonce, base, epoch, mfa.
    The caller holds state.lock."""
    user, tid, client_id, now = grant["user"], grant["tid"], grant["client_id"], int(state.token_time())
    lifetime, oid = int(state.config["token_lifetime"]), guid("user:" + user)
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
            "ext_expires_in": lifetime, "access_token": jwt(state.key, access)}
    state.issued["access_tokens"] += 1
    if want_refresh:
        body["refresh_token"] = token = "1.emu." + secrets.token_urlsafe(48)
        state.refresh_tokens[token] = dict(grant, scopes=scopes, nonce=None, revoked=False)
        state.issued["refresh_tokens"] += 1
    if "openid" in scopes:
        claims = dict(common, aud=client_id, iss=f"{grant['base']}/{tid}/v2.0", uti=b64url(secrets.token_bytes(16)),
                      sub=b64url(hashlib.sha256((oid + client_id).encode()).digest()[:24]))
        if grant.get("nonce"):
            claims["nonce"] = grant["nonce"]
        body["id_token"] = jwt(state.key, claims)
        state.issued["id_tokens"] += 1
    body["client_info"] = b64url(json.dumps({"uid": oid, "utid": tid}).encode())
    return body
