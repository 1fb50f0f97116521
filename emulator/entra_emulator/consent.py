"""Consent per user, client and resource, checked only when config require_consent is on.

Off (the default), the emulator is a tenant whose admin consented to every API the app asks for,
so one refresh token serves every resource, as the demo and most tests expect. On, it is a tenant
where each user consents for themselves: the scopes an interactive authorize request names (its
`scope`, which carries MSAL's extra scopes to consent) and an approved device code's are granted;
a code, device code or refresh grant for any other resource fails with AADSTS65001."""
from .errors import EntraError
from .identity import OIDC_SCOPES, split_scope


def resources(scopes):
    return {split_scope(s)[1] for s in scopes if s not in OIDC_SCOPES}


def grant(state, user, client_id, scopes):
    state.consents.update((user, client_id, resource) for resource in resources(scopes))


def check(state, user, client_id, scopes, error="invalid_grant"):
    """Raises AADSTS65001 when a resource of scopes lacks consent (require_consent on). Holds state.lock."""
    if state.config["require_consent"] and any((user, client_id, r) not in state.consents for r in resources(scopes)):
        raise EntraError(error, 65001, f"The user or administrator has not consented to use the application with "
                         f"ID '{client_id[:64]}' named '{client_id[:64]}'. Send an interactive authorization "
                         "request for this user and resource.", suberror="consent_required")
