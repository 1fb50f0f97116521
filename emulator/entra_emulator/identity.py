"""Entra's well-known ids and names: tenants, users and scopes, as the tokens carry them."""
import re, uuid

GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
CONSUMERS_TID = "9188040d-6c67-4c5b-b112-36a304b66dad"
OIDC_SCOPES = ("openid", "profile", "offline_access", "email")
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


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
