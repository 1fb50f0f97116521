"""The MSAL Python side of the certificate benchmark: what a Python tool built on MSAL does
per call with a certificate. One process = one ConfidentialClientApplication with the key and
its SHA-1 thumbprint, one acquire_token_for_client (its token cache is empty in a new process,
so it always asks), the access token printed.

    msal_client.py AUTHORITY CLIENT_ID SCOPE KEY_PEM THUMBPRINT_SHA1_HEX

MSAL accepts only https authorities: run the emulator with TLS and set REQUESTS_CA_BUNDLE.
"""
import sys

import msal

authority, client_id, scope, key_path, thumbprint = sys.argv[1:6]
with open(key_path) as handle:
    credential = {"private_key": handle.read(), "thumbprint": thumbprint}
# instance_discovery=False: no call to login.microsoftonline.com to vet the authority;
# MSAL still reads the authority's openid-configuration, as it does for Entra.
app = msal.ConfidentialClientApplication(client_id, authority=authority, client_credential=credential,
                                         instance_discovery=False)
result = app.acquire_token_for_client(scopes=[scope])
if not result or "access_token" not in result:
    detail = result and {k: result.get(k) for k in ("error", "error_description")}
    sys.exit(f"msal_client.py: no token: {detail}")
print(result["access_token"])
