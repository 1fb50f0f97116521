"""GET /{tenant}/v2.0/.well-known/openid-configuration and GET /{tenant}/discovery/v2.0/keys."""
from .identity import DEVICE_GRANT, OIDC_SCOPES, tenant_id


class DiscoveryEndpoints:
    """Mixed into handler.Handler."""

    def openid_configuration(self, tenant):
        base, oauth = self.base_url(), f"{self.base_url()}/{tenant}/oauth2/v2.0"
        with self.state.lock:
            tid = tenant_id(tenant, self.state.config["user"])
        issuer_tid = "{tenantid}" if tenant.lower() in ("organizations", "common") else tid
        return {"issuer": f"{base}/{issuer_tid}/v2.0", "authorization_endpoint": f"{oauth}/authorize",
                "token_endpoint": f"{oauth}/token", "device_authorization_endpoint": f"{oauth}/devicecode",
                "end_session_endpoint": f"{oauth}/logout", "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
                "response_types_supported": ["code"], "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token", DEVICE_GRANT,
                                          "client_credentials"],
                "scopes_supported": list(OIDC_SCOPES), "subject_types_supported": ["pairwise"],
                "id_token_signing_alg_values_supported": ["HS256"], "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_post", "private_key_jwt"], "tenant_region_scope": "EU",
                "cloud_instance_name": "emulator.local", "msgraph_host": "graph.microsoft.com"}

    def keys(self):  # the tokens are HS256 (tokens.py): no public key to publish, only its id
        return {"keys": [{"kty": "oct", "use": "sig", "kid": "emulator", "alg": "HS256"}]}
