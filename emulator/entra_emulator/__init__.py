"""The local Entra ID (v2.0) emulator behind emulator/entra-emulator.py (its docstring has the
endpoints, the control API and the command line). Python 3 standard library only
(and the openssl command line, for RSA).

  identity.py     Entra's well-known ids, tenant GUIDs, scopes and their resources
  errors.py       Entra's error answers: EntraError and the AADSTS error body
  state.py        the store: config, codes, refresh tokens, device codes, MFA, faults, counters
  tokens.py       HS256 JWTs and the token endpoint's success body
  server.py       HTTP plumbing: the server, TLS handshake, logging, responses
  handler.py      the request handler: routing, counting, recording, faults
  discovery.py    GET openid-configuration and discovery keys
  authorize.py    GET authorize (auth code + PKCE) and its sign-in page
  devicecode.py   POST devicecode and the /devicelogin page
  grants.py       POST token: authorization_code, refresh_token and device_code grants
  control.py      the /_control/ test API
  crypto.py       RSA through the openssl CLI: certificate facts, RS256/PS256 checks, the issuer key
  workload.py     POST token grant_type=client_credentials (secret, certificate, federated) and app tokens
  managed.py      IMDS, App Service and Azure Arc managed identity endpoints
  oidc.py         GitHub Actions and Azure Pipelines OIDC request endpoints, federated tokens
  control_workload.py  the control API's apps, managed identities, OIDC settings and listeners
"""
