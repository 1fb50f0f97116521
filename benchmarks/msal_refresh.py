"""The MSAL Python side of the silent-refresh benchmark: what a Python CLI built on MSAL
does per call. One process = one PublicClientApplication with a SerializableTokenCache
persisted in a file, one acquire_token_silent(force_refresh=True), the rotated refresh
token written back, the access token printed.

    msal_refresh.py setup|refresh AUTHORITY CLIENT_ID SCOPE CACHE_FILE

setup signs in once with the device code flow (the emulator approves it by itself).
MSAL accepts only https authorities: run the emulator with TLS and set REQUESTS_CA_BUNDLE.
"""
import sys

import msal

mode, authority, client_id, scope, cache_path = sys.argv[1:6]
cache = msal.SerializableTokenCache()
try:
    with open(cache_path) as handle:
        cache.deserialize(handle.read())
except FileNotFoundError:
    pass
# instance_discovery=False: no call to login.microsoftonline.com to vet the authority;
# MSAL still reads the authority's openid-configuration, as it does for Entra.
app = msal.PublicClientApplication(client_id, authority=authority, token_cache=cache, instance_discovery=False)
if mode == "setup":
    flow = app.initiate_device_flow(scopes=[scope])
    result = app.acquire_token_by_device_flow(flow)
else:
    accounts = app.get_accounts()
    if not accounts:
        sys.exit("msal_refresh.py: no account in the cache; run setup first")
    result = app.acquire_token_silent([scope], account=accounts[0], force_refresh=True)
if not result or "access_token" not in result:
    detail = result and {k: result.get(k) for k in ("error", "error_description")}
    sys.exit(f"msal_refresh.py: no token: {detail}")
if cache.has_state_changed:
    with open(cache_path, "w") as handle:
        handle.write(cache.serialize())
print(result["access_token"])
