"""The OIDC token issuers a federated credential trusts, played by the emulator with its own RSA
issuer key (crypto.py), so the token endpoint can check their signatures:
  GitHub Actions: GET /github/idtoken?api-version=2.0&audience=A with Authorization: bearer
      $ACTIONS_ID_TOKEN_REQUEST_TOKEN (ACTIONS_ID_TOKEN_REQUEST_URL is the URL without audience)
      -> {"value": "<jwt>"}; 401 when the request token is missing or wrong.
  Azure Pipelines: POST /pipelines/oidctoken?api-version=7.1&serviceConnectionId=ID with
      Authorization: Bearer $SYSTEM_ACCESSTOKEN (SYSTEM_OIDCREQUESTURI is the URL without query)
      -> {"oidcToken": "<jwt>"}; 401 for a wrong token, 404 for an unknown service connection.
  AKS service accounts: POST /_control/federated-token mints one for AZURE_FEDERATED_TOKEN_FILE.
  GET /oidc/keys: the issuer key as a JWKS.
Tokens: iss, sub, aud (api://AzureADTokenExchange unless asked otherwise), iat, nbf, exp, jti."""
import secrets, uuid

AUDIENCE = "api://AzureADTokenExchange"
GITHUB_VERSIONS = ("2.0",)
PIPELINES_VERSIONS = ("7.1", "7.1-preview.1")


def federated_token(state, issuer, subject, audience=AUDIENCE, lifetime=600, extra=None):
    """A federated JWT signed by the emulator's issuer key (lifetime may be negative: already expired)."""
    now = int(state.token_time())
    claims = dict({"iss": issuer, "sub": subject, "aud": audience, "iat": now, "nbf": min(now, now + lifetime),
                   "exp": now + lifetime, "jti": str(uuid.uuid4())}, **(extra or {}))
    return state.crypto.sign_issuer_jwt(claims)


def request_token_matches(header, scheme, expected):
    given_scheme, _, token = header.partition(" ")
    return given_scheme.lower() == scheme and secrets.compare_digest(token.strip().encode(), expected.encode())


class OidcEndpoints:
    """Mixed into handler.Handler; the handler counts and fault-checks these first."""

    def serve_github(self, query):
        if self.command != "GET":
            return self.send_json(405, {"message": "Only GET is supported"})
        with self.state.lock:
            expected, subject = self.state.secrets_for_endpoints["github_request_token"], self.state.oidc["github_subject"]
            issuer = self.state.oidc["github_issuer"]
        if not request_token_matches(self.headers.get("Authorization", ""), "bearer", expected):
            return self.send_json(401, {"message": "Bad credentials: the bearer token is not "
                                                   "ACTIONS_ID_TOKEN_REQUEST_TOKEN"})
        unknown = sorted(set(query) - {"api-version", "audience"})
        if unknown or query.get("api-version") not in GITHUB_VERSIONS:
            return self.send_json(400, {"message": f"Bad request: unknown parameter '{(unknown or [''])[0][:60]}' "
                                                   "or api-version not 2.0"})
        owner, repository = "contoso", "contoso/app"
        token = federated_token(self.state, issuer, subject, query.get("audience") or f"https://github.com/{owner}",
                                300, {"repository": repository, "repository_owner": owner, "ref": "refs/heads/main",
                                      "event_name": "push", "runner_environment": "github-hosted"})
        self.send_json(200, {"value": token})

    def serve_pipelines(self, query):
        if self.command != "POST":
            return self.send_json(405, {"message": "Only POST is supported"})
        with self.state.lock:
            expected = self.state.secrets_for_endpoints["pipelines_access_token"]
            connections, issuer = dict(self.state.oidc["pipelines_connections"]), self.state.oidc["pipelines_issuer"]
        if not request_token_matches(self.headers.get("Authorization", ""), "bearer", expected):
            return self.send_json(401, {"message": "TF400813: The user is not authorized to access this resource."})
        unknown = sorted(set(query) - {"api-version", "serviceConnectionId"})
        if unknown or query.get("api-version") not in PIPELINES_VERSIONS:
            return self.send_json(400, {"message": f"Bad request: unknown parameter '{(unknown or [''])[0][:60]}' or "
                                                   "api-version not 7.1", "typeKey": "InvalidRequestException"})
        subject = connections.get(query.get("serviceConnectionId", ""))
        if subject is None:
            return self.send_json(404, {"message": "The service connection does not exist or has not been "
                                                   "authorized for use.", "typeKey": "ServiceEndpointNotFoundException"})
        self.send_json(200, {"oidcToken": federated_token(self.state, issuer, subject, AUDIENCE, 300)})


def describe_oidc(state, base):
    """GET /_control/oidc: what a CI job's environment would hold, for this emulator."""
    s, o = state.secrets_for_endpoints, state.oidc
    connection_id, subject = next(iter(o["pipelines_connections"].items()))
    return {"github": {"ACTIONS_ID_TOKEN_REQUEST_URL": f"{base}/github/idtoken?api-version=2.0",
                       "ACTIONS_ID_TOKEN_REQUEST_TOKEN": s["github_request_token"], "issuer": o["github_issuer"],
                       "subject": o["github_subject"]},
            "pipelines": {"SYSTEM_OIDCREQUESTURI": f"{base}/pipelines/oidctoken",
                          "SYSTEM_ACCESSTOKEN": s["pipelines_access_token"], "service_connection_id": connection_id,
                          "issuer": o["pipelines_issuer"], "subject": subject},
            "app_service": {"IDENTITY_ENDPOINT": f"{base}/msi/token", "IDENTITY_HEADER": s["identity_header"]},
            "imds": {"AZURE_POD_IDENTITY_AUTHORITY_HOST": base},
            "jwks_uri": f"{base}/oidc/keys", "audience": AUDIENCE}
