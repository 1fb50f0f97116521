"""POST /{tenant}/oauth2/v2.0/token with grant_type=client_credentials (Microsoft identity platform:
"OAuth 2.0 client credentials flow", "certificate credentials", "workload identity federation"):
a confidential app registered through the control API authenticates with a client_secret, a
certificate-signed client assertion (RS256/PS256, x5t#S256 or x5t, or an x5c chain for a
subject-name/issuer registration), or a federated token (a JWT of a registered federated identity
credential: issuer, subject, audience, signed by the emulator's OIDC issuer key). Scopes must be
one resource's /.default; the answer has no refresh token. Also the app token both this grant
and the managed identity endpoints issue."""
import base64, hmac, secrets, time

from .crypto import CryptoError, pem_certificates, split_jwt, thumbprints
from .errors import EntraError, require
from .identity import guid, tenant_id
from .tokens import b64url, jwt

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# What Microsoft documents for this grant (client_info and claims: sent by MSAL, documented for
# the token endpoint). Anything else is refused, so a made-up parameter fails a test.
ALLOWED = {"grant_type", "client_id", "scope", "client_secret", "client_assertion_type", "client_assertion",
           "client_info", "claims"}
SKEW = 300  # seconds of clock skew Entra tolerates on an assertion's nbf and exp


def assertion_kind(form):
    """How a client_credentials request authenticates: secret, certificate, federated or none (for counters)."""
    if "client_secret" in form:
        return "secret"
    if "client_assertion" not in form:
        return "none"
    try:
        _, claims, _, _ = split_jwt(form["client_assertion"])
    except CryptoError:
        return "certificate"
    same = claims.get("iss") == claims.get("sub") == form.get("client_id")
    return "certificate" if same else "federated"


def app_token(state, tid, client_id, object_id, resource, extra=None):
    """An app-only access token body (the caller holds state.lock): roles, idtyp app, no scp."""
    now, lifetime = int(state.token_time()), int(state.config["token_lifetime"])
    claims = dict({"aud": resource, "iss": f"https://sts.windows.net/{tid}/", "iat": now, "nbf": now,
                   "exp": now + lifetime, "appid": client_id, "azp": client_id, "oid": object_id, "sub": object_id,
                   "tid": tid, "idtyp": "app", "ver": "2.0", "uti": b64url(secrets.token_bytes(16))}, **(extra or {}))
    state.issued["access_tokens"] += 1
    return jwt(state.key, claims), now, lifetime


class ClientCredentialsGrant:
    """Mixed into handler.Handler; TokenEndpoint.token calls grant_client_credentials with the lock held."""

    def grant_client_credentials(self, form, requested, tenant):
        unknown = sorted(set(form) - ALLOWED)
        if unknown:
            raise EntraError("invalid_request", 90100, f"The request parameter '{unknown[0][:60]}' is not valid for "
                             "the client_credentials grant: the emulator refuses parameters Microsoft does not "
                             "document for it.")
        require(form, "scope")
        bad = [s for s in requested if not s.endswith("/.default")]
        if bad or len(requested) != 1:
            raise EntraError("invalid_scope", 1002012, f"The provided value for scope {' '.join(requested)[:300]} "
                             "is not valid. Client credential flows must have a scope value with /.default suffixed "
                             "to the resource identifier (application ID URI).")
        state, client_id = self.state, form["client_id"]
        tid = tenant_id(tenant, state.config["user"])
        app = state.apps.get(client_id)
        if app is None or (app["tenant"] and app["tenant"] != tid):
            raise EntraError("unauthorized_client", 700016, f"Application with identifier '{client_id[:64]}' was not "
                             f"found in the directory '{tenant[:100]}'. This can happen if the application has not "
                             "been installed by the administrator of the tenant or consented to by any user in the "
                             "tenant. You may have sent your authentication request to the wrong tenant.")
        if "client_secret" in form and "client_assertion" in form:
            raise EntraError("invalid_request", 90100, "Only one of 'client_secret' and 'client_assertion' may be "
                             "presented.")
        if "client_secret" in form:
            if not any(hmac.compare_digest(form["client_secret"].encode(), s.encode()) for s in app["secrets"]):
                raise EntraError("invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being "
                                 "sent in the request is the client secret value, not the client secret ID, for a "
                                 f"secret added to app '{client_id[:64]}'.", status=401)
            acr = "1"
        elif "client_assertion" in form:
            if form.get("client_assertion_type") != JWT_BEARER:
                raise EntraError("invalid_request", 90100, "The 'client_assertion_type' parameter is empty or not "
                                 f"valid; use '{JWT_BEARER}'.")
            self.check_assertion(form["client_assertion"], app, tenant)
            acr = "2"
        else:
            raise EntraError("invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required "
                             "for the 'client_credentials' grant type.", status=401)
        resource = requested[0][:-len("/.default")]
        token, _, lifetime = app_token(state, tid, client_id, app["object_id"], resource,
                                       {"roles": app["roles"], "appidacr": acr, "azpacr": acr})
        return {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}

    # --- client assertions ------------------------------------------------------------------------------
    def check_assertion(self, assertion, app, tenant):
        """Checks a certificate-signed or federated assertion (EntraError when it fails)."""
        try:
            header, claims, signing_input, signature = split_jwt(assertion)
        except CryptoError as err:
            raise EntraError("invalid_client", 50027, f"JWT token is invalid or malformed ({err}).", status=401)
        # which assertion came (GET last-request?endpoint=token): its iss, sub and jti, never the signature
        if "token" in self.state.last:
            self.state.last["token"]["assertion"] = {k: str(claims[k])[:200] for k in ("iss", "sub", "jti") if k in claims}
        for name in ("aud", "iss", "sub", "exp"):
            if name not in claims:
                raise EntraError("invalid_client", 50027, f"JWT token is invalid or malformed: the '{name}' claim "
                                 "is missing.", status=401)
        alg = header.get("alg")
        if alg not in ("RS256", "PS256"):
            raise EntraError("invalid_client", 5002738, f"Invalid JWT token. '{str(alg)[:20]}' is not a supported "
                             "signature algorithm. Supported signing algorithms are: 'RS256, PS256'.", status=401)
        self.check_time(claims)
        if claims["iss"] == claims["sub"] == app["client_id"]:
            self.check_certificate_assertion(header, claims, signing_input, signature, app, tenant)
        else:
            self.check_federated_assertion(header, claims, signing_input, signature, app)

    def check_time(self, claims):
        now = self.state.token_time()
        nbf, exp = claims.get("nbf", claims.get("iat", 0)), claims["exp"]
        if not all(type(v) in (int, float) for v in (nbf, exp)) or not nbf - SKEW <= now < exp + SKEW:
            stamp = time.strftime("%A, %B %d, %Y %I:%M:%S %p", time.gmtime(now))
            raise EntraError("invalid_client", 700024, f"Client assertion is not within its valid time range. "
                             f"Current time: {stamp}, assertion valid from {nbf}, expiry time of assertion {exp}.",
                             status=401)

    def check_certificate_assertion(self, header, claims, signing_input, signature, app, tenant):
        endpoint = f"{self.base_url()}/{tenant}/oauth2/v2.0/token"
        if claims["aud"] not in (endpoint, f"{self.base_url()}/{tenant}/oauth2/token", f"{self.base_url()}/{tenant}/v2.0"):
            raise EntraError("invalid_client", 700023, "Client assertion audience claim does not match Realm issuer "
                             f"(expected '{endpoint}').", status=401)
        if "jti" not in claims:
            raise EntraError("invalid_client", 50027, "JWT token is invalid or malformed: the 'jti' claim is missing.",
                             status=401)
        crypto = self.state.crypto
        # base64url without padding; MSAL Python pads x5t ("...="), which Entra accepts, as does this
        wanted_s256, wanted_sha1 = (str(header[k]).rstrip("=").replace("+", "-").replace("/", "_")
                                    if header.get(k) else None for k in ("x5t#S256", "x5t"))
        key = next((c["public_key"] for c in app["certificates"] if c["rsa"] and  # RS256/PS256 need an RSA key
                    ((wanted_s256 and c["x5t#S256"] == wanted_s256) or (wanted_sha1 and c["x5t"] == wanted_sha1))), None)
        if key is None and isinstance(header.get("x5c"), list) and app["subject_names"]:
            key = self.chain_key(header, app)
        if key is None:
            raise EntraError("invalid_client", 700027, "The certificate with identifier used to sign the client "
                             "assertion is not registered on application. [Reason - The key was not found., "
                             f"Thumbprint of key used by client: '{str(wanted_s256 or wanted_sha1)[:64]}', Please visit "
                             "the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for "
                             f"app Id '{app['client_id']}'.]", status=401)
        if not crypto.verify(key, header["alg"], signing_input, signature):
            raise EntraError("invalid_client", 700027, "Client assertion failed signature validation.", status=401)

    def chain_key(self, header, app):
        """The leaf's public key when x5c holds a chain for a subject-name/issuer registration, else None."""
        crypto = self.state.crypto
        try:
            chain = [base64.b64decode(c) for c in header["x5c"] if isinstance(c, str)]
            if not chain:
                return None
            leaf = crypto.certificate_facts(chain[0])
        except (CryptoError, ValueError):
            return None
        if header.get("x5t#S256") and thumbprints(chain[0])[0] != header["x5t#S256"]:
            return None
        for registration in app["subject_names"]:
            if leaf["subject"] == registration["subject"] and leaf["rsa"] and \
                    crypto.chain_ok(chain[0], chain[1:], registration["ca_pems"]):
                return leaf["public_key"]
        return None

    def check_federated_assertion(self, header, claims, signing_input, signature, app):
        crypto = self.state.crypto
        crypto.ensure_issuer_key()
        if header.get("kid") != crypto.jwk["kid"] or header["alg"] != "RS256" or \
                not crypto.verify(crypto.issuer_public, "RS256", signing_input, signature):
            raise EntraError("invalid_client", 700027, "Client assertion failed signature validation: the federated "
                             "token is not signed by a key of its issuer.", status=401)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        for record in app["federated_credentials"]:  # exact, case-sensitive matching, as Entra does
            if record["issuer"] == claims["iss"] and record["subject"] == claims["sub"] and \
                    any(a in record["audiences"] for a in audiences):
                return
        raise EntraError("invalid_request", 70021, "No matching federated identity record found for presented "
                         f"assertion. Assertion Issuer: '{str(claims['iss'])[:200]}'. Assertion Subject: "
                         f"'{str(claims['sub'])[:200]}'. Assertion Audience: '{str(audiences[0])[:200]}'. "
                         "https://learn.microsoft.com/entra/workload-id/workload-identity-federation")


def register_app(state, args):
    """POST /_control/apps: registers (or replaces) a confidential app. ValueError on bad input."""
    client_id = args.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise ValueError('give {"client_id": "...", "secrets": [...], "certificates": [PEM], "subject_names": '
                         '[{"subject": "CN=...", "ca": PEM}], "federated_credentials": [{"issuer", "subject", '
                         '"audiences"}], "roles": [...], "tenant": "..."}')
    certificates = []
    for pem in args.get("certificates", []):
        ders = pem_certificates(pem)
        if len(ders) != 1:
            raise ValueError("each certificates entry is one PEM certificate")
        facts = state.crypto.certificate_facts(ders[0])
        s256, sha1 = thumbprints(ders[0])
        certificates.append({"x5t#S256": s256, "x5t": sha1, "public_key": facts["public_key"],
                             "subject": facts["subject"], "rsa": facts["rsa"]})
    subject_names = []
    for entry in args.get("subject_names", []):
        if not isinstance(entry, dict) or not isinstance(entry.get("subject"), str) or not pem_certificates(entry.get("ca")):
            raise ValueError('each subject_names entry is {"subject": "CN=...", "ca": "<PEM of the issuing CA>"}')
        subject_names.append({"subject": entry["subject"], "ca_pems": [entry["ca"]]})
    federated = []
    for entry in args.get("federated_credentials", []):
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("issuer", "subject")):
            raise ValueError('each federated_credentials entry is {"issuer", "subject", "audiences": [...]}')
        federated.append({"issuer": entry["issuer"], "subject": entry["subject"],
                          "audiences": list(entry.get("audiences") or ["api://AzureADTokenExchange"])})
    secrets_ = args.get("secrets", [])
    if not isinstance(secrets_, list) or not all(isinstance(s, str) and s for s in secrets_):
        raise ValueError("secrets: a list of non-empty strings")
    tenant = args.get("tenant")
    state.apps[client_id] = {"client_id": client_id, "object_id": guid("sp:" + client_id), "secrets": secrets_,
                             "certificates": certificates, "subject_names": subject_names,
                             "federated_credentials": federated, "roles": list(args.get("roles", [])),
                             "tenant": tenant_id(tenant, "") if tenant else None}
    return describe_app(state.apps[client_id])


def describe_app(app):
    """An app as the control API shows it: never a secret."""
    return {"client_id": app["client_id"], "object_id": app["object_id"], "tenant": app["tenant"],
            "secrets": len(app["secrets"]), "certificates": [{"x5t#S256": c["x5t#S256"], "subject": c["subject"]}
                                                             for c in app["certificates"]],
            "subject_names": [s["subject"] for s in app["subject_names"]],
            "federated_credentials": app["federated_credentials"], "roles": app["roles"]}

