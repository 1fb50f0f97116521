"""The client_credentials grant: secrets, certificate assertions (RS256, PS256, x5c chains for
subject-name/issuer registrations) and federated assertions (GitHub Actions, Azure Pipelines,
AKS tokens), and every error Microsoft documents for them."""
import json, unittest

from support import JWT_BEARER, Certs, EmulatorTest, unb64url

APP, SCOPE = "11111111-2222-3333-4444-555555555555", "https://management.azure.com/.default"
TENANT = "contoso.example"


class ClientCredentialsTests(EmulatorTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.certs = c = Certs()
        c.self_signed("app", "/CN=app")
        c.self_signed("other", "/CN=other")
        c.ca("ca"), c.ca("rogue-ca")
        c.leaf("leaf", "/CN=app.contoso.example", "ca")
        c.leaf("rogue-leaf", "/CN=app.contoso.example", "rogue-ca")
        c.leaf("wrong-name", "/CN=someone.else", "ca")

    def setUp(self):
        super().setUp()
        self.aud = f"{self.base}/{TENANT}/oauth2/v2.0/token"
        oidc = self.control("GET", "oidc")
        self.oidc = oidc
        self.control("POST", "apps", {
            "client_id": APP, "secrets": ["s3cret-value"], "certificates": [self.certs.pem("app")],
            "subject_names": [{"subject": "CN=app.contoso.example", "ca": self.certs.pem("ca")}], "roles": ["Reader"],
            "federated_credentials": [
                {"issuer": oidc["github"]["issuer"], "subject": oidc["github"]["subject"],
                 "audiences": ["api://AzureADTokenExchange"]},
                {"issuer": oidc["pipelines"]["issuer"], "subject": oidc["pipelines"]["subject"]},
                {"issuer": "https://oidc.aks.example/tenant/", "subject": "system:serviceaccount:ci:builder"}]})

    def form(self, **extra):
        return dict({"grant_type": "client_credentials", "client_id": APP, "scope": SCOPE}, **extra)

    def assertion_form(self, assertion):
        return self.form(client_assertion_type=JWT_BEARER, client_assertion=assertion)

    def assertAppToken(self, answer, acr):
        self.assertEqual(answer.status, 200, answer.raw)
        body = answer.json
        self.assertEqual(sorted(body), ["access_token", "expires_in", "ext_expires_in", "token_type"])  # no refresh
        claims = self.claims(body["access_token"])
        self.assertEqual((claims["aud"], claims["appid"], claims["idtyp"], claims["roles"], claims["appidacr"]),
                         ("https://management.azure.com", APP, "app", ["Reader"], acr))
        self.assertNotIn("scp", claims)

    # --- secrets --------------------------------------------------------------------------------------
    def test_secret(self):
        self.assertAppToken(self.token(self.form(client_secret="s3cret-value")), "1")
        counters = self.control("GET", "counters")
        self.assertEqual((counters["token"], counters["client_credentials"]["requests"],
                          counters["client_credentials"]["secret"], counters["grants"]["other"]), (1, 1, 1, 0))
        recorded = self.control("GET", "last-request?endpoint=token")
        self.assertNotIn("client_secret", recorded["values"])

    def test_wrong_secret(self):
        self.assertEntraError(self.token(self.form(client_secret="nope")), 401, "invalid_client", 7000215)

    def test_unknown_app(self):
        answer = self.token(dict(self.form(client_secret="s3cret-value"), client_id="00000000-0000-0000-0000-0000000000ff"))
        self.assertEntraError(answer, 400, "unauthorized_client", 700016)

    def test_app_in_another_tenant(self):
        self.control("POST", "apps", {"client_id": "app-b", "secrets": ["x"], "tenant": "fabrikam.example"})
        answer = self.token(dict(self.form(client_secret="x"), client_id="app-b"))
        self.assertEntraError(answer, 400, "unauthorized_client", 700016)

    def test_scope_without_default(self):
        for scope in ("User.Read", "https://graph.microsoft.com/User.Read", "openid " + SCOPE):
            with self.subTest(scope=scope):
                answer = self.token(self.form(client_secret="s3cret-value", scope=scope))
                self.assertEntraError(answer, 400, "invalid_scope", 1002012)

    def test_missing_scope(self):
        form = self.form(client_secret="s3cret-value")
        del form["scope"]
        self.assertEntraError(self.token(form), 400, "invalid_request", 900144)

    def test_unknown_parameter_is_refused(self):
        for name in ("resource", "extra_scopes_to_consent", "client_certificate"):
            with self.subTest(name=name):
                answer = self.token(self.form(client_secret="s3cret-value", **{name: "x"}))
                self.assertEntraError(answer, 400, "invalid_request", 90100)
                self.assertIn(name, answer.json["error_description"])

    def test_no_credential(self):
        self.assertEntraError(self.token(self.form()), 401, "invalid_client", 7000216)

    def test_secret_and_assertion(self):
        answer = self.token(self.form(client_secret="s3cret-value", client_assertion_type=JWT_BEARER,
                                      client_assertion=self.certs.assertion("app", APP, self.aud)))
        self.assertEntraError(answer, 400, "invalid_request", 90100)

    def test_public_client_grants_still_refuse_secrets(self):  # unchanged behaviour
        answer = self.token({"grant_type": "refresh_token", "client_id": APP, "refresh_token": "x",
                             "client_secret": "s3cret-value"})
        self.assertEntraError(answer, 401, "invalid_client", 700025)

    # --- certificates ------------------------------------------------------------------------------------
    def test_certificate_rs256_and_ps256(self):
        for alg in ("RS256", "PS256"):
            with self.subTest(alg=alg):
                self.assertAppToken(self.token(self.assertion_form(self.certs.assertion("app", APP, self.aud, alg))), "2")
        self.assertEqual(self.control("GET", "counters")["client_credentials"]["certificate"], 2)

    def test_certificate_by_sha1_thumbprint(self):  # padded as MSAL Python sends it, and unpadded
        import base64, hashlib
        padded = base64.urlsafe_b64encode(hashlib.sha1(self.certs.der("app")).digest()).decode()
        for x5t in (padded, padded.rstrip("=")):
            with self.subTest(x5t=x5t):
                assertion = self.certs.assertion("app", APP, self.aud, header={"x5t#S256": None, "x5t": x5t})
                self.assertAppToken(self.token(self.assertion_form(assertion)), "2")

    def test_unregistered_certificate(self):
        answer = self.token(self.assertion_form(self.certs.assertion("other", APP, self.aud)))
        self.assertEntraError(answer, 401, "invalid_client", 700027)
        self.assertIn("not registered", answer.json["error_description"])

    def test_bad_signature(self):  # the registered certificate's thumbprint, another key's signature
        answer = self.token(self.assertion_form(self.certs.assertion("app", APP, self.aud, key="other")))
        self.assertEntraError(answer, 401, "invalid_client", 700027)
        self.assertIn("signature validation", answer.json["error_description"])

    def test_ps256_signature_claimed_as_rs256(self):
        assertion = self.certs.assertion("app", APP, self.aud, "PS256")
        head, body, sig = assertion.split(".")
        import json
        from support import b64url, unb64url
        header = json.loads(unb64url(head))
        header["alg"] = "RS256"
        answer = self.token(self.assertion_form(b64url(json.dumps(header).encode()) + "." + body + "." + sig))
        self.assertEntraError(answer, 401, "invalid_client", 700027)

    def test_expired_and_future_assertions(self):
        import time
        now = int(time.time())
        for claims in ({"nbf": now - 4000, "iat": now - 4000, "exp": now - 1000},
                       {"nbf": now + 1000, "iat": now + 1000, "exp": now + 2000}):
            with self.subTest(claims=claims):
                answer = self.token(self.assertion_form(self.certs.assertion("app", APP, self.aud, claims=claims)))
                self.assertEntraError(answer, 401, "invalid_client", 700024)

    def test_wrong_audience(self):
        answer = self.token(self.assertion_form(self.certs.assertion("app", APP, "https://login.example/token")))
        self.assertEntraError(answer, 401, "invalid_client", 700023)

    def test_missing_jti(self):
        assertion = self.certs.assertion("app", APP, self.aud)
        head, body, _ = assertion.split(".")
        import json
        from support import b64url, unb64url
        claims = json.loads(unb64url(body))
        del claims["jti"]
        signing_input = head + "." + b64url(json.dumps(claims).encode())
        forged = signing_input + "." + b64url(self.certs.sign("app", "RS256", signing_input.encode()))
        self.assertEntraError(self.token(self.assertion_form(forged)), 401, "invalid_client", 50027)

    def test_unsupported_algorithm_and_malformed(self):
        answer = self.token(self.assertion_form(self.certs.assertion("app", APP, self.aud, header={"alg": "HS256"})))
        self.assertEntraError(answer, 401, "invalid_client", 5002738)
        self.assertEntraError(self.token(self.assertion_form("not.a-jwt")), 401, "invalid_client", 50027)

    def test_wrong_assertion_type(self):
        form = self.assertion_form(self.certs.assertion("app", APP, self.aud))
        form["client_assertion_type"] = "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"
        self.assertEntraError(self.token(form), 400, "invalid_request", 90100)

    def test_ec_certificate_is_refused(self):  # an ECDSA signature labelled RS256 does not pass
        from support import openssl
        c = self.certs
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                c.path("ec.key"), "-out", c.path("ec.pem"), "-days", "2", "-subj", "/CN=ec")
        self.control("POST", "apps", {"client_id": "ec-app", "certificates": [c.pem("ec")]})
        answer = self.token(dict(self.assertion_form(c.assertion("ec", "ec-app", self.aud)), client_id="ec-app"))
        self.assertEntraError(answer, 401, "invalid_client", 700027)

    def test_subject_name_issuer_chain(self):
        assertion = self.certs.assertion("leaf", APP, self.aud, "PS256", x5c=["leaf", "ca"])
        self.assertAppToken(self.token(self.assertion_form(assertion)), "2")

    def test_chain_refusals(self):
        cases = {"another CA": ("rogue-leaf", ["rogue-leaf", "rogue-ca"]),
                 "another subject": ("wrong-name", ["wrong-name", "ca"]),
                 "no x5c": ("leaf", None)}
        for name, (leaf, x5c) in cases.items():
            with self.subTest(case=name):
                answer = self.token(self.assertion_form(self.certs.assertion(leaf, APP, self.aud, x5c=x5c)))
                self.assertEntraError(answer, 401, "invalid_client", 700027)

    # --- federated assertions -------------------------------------------------------------------------------
    def github_token(self, request_token=None, audience="api://AzureADTokenExchange"):
        github = self.oidc["github"]
        return self.request("GET", github["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&audience=" + audience,
                            {"Authorization": "bearer " + (request_token or github["ACTIONS_ID_TOKEN_REQUEST_TOKEN"])})

    def test_github_actions(self):
        answer = self.github_token()
        self.assertEqual(answer.status, 200, answer.raw)
        self.assertEqual(sorted(answer.json), ["value"])
        self.assertAppToken(self.token(self.assertion_form(answer.json["value"])), "2")
        counters = self.control("GET", "counters")
        self.assertEqual((counters["github-oidc"], counters["client_credentials"]["federated"]), (1, 1))

    def test_github_wrong_request_token(self):
        self.assertEqual(self.github_token("wrong").status, 401)
        github = self.oidc["github"]
        self.assertEqual(self.request("GET", github["ACTIONS_ID_TOKEN_REQUEST_URL"]).status, 401)

    def test_github_unknown_parameter(self):
        github = self.oidc["github"]
        answer = self.request("GET", github["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&scope=x",
                              {"Authorization": "bearer " + github["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]})
        self.assertEqual(answer.status, 400)

    def pipelines_token(self, access_token=None, connection=None, method="POST"):
        p = self.oidc["pipelines"]
        return self.request(method, f"{p['SYSTEM_OIDCREQUESTURI']}?api-version=7.1&serviceConnectionId="
                            f"{connection or p['service_connection_id']}",
                            {"Authorization": "Bearer " + (access_token or p["SYSTEM_ACCESSTOKEN"]),
                             "Content-Type": "application/json"}, b"{}" if method == "POST" else None)

    def test_azure_pipelines(self):
        answer = self.pipelines_token()
        self.assertEqual(answer.status, 200, answer.raw)
        self.assertEqual(sorted(answer.json), ["oidcToken"])
        self.assertAppToken(self.token(self.assertion_form(answer.json["oidcToken"])), "2")

    def test_pipelines_refusals(self):
        self.assertEqual(self.pipelines_token("wrong").status, 401)
        self.assertEqual(self.pipelines_token(connection="00000000-0000-0000-0000-000000000000").status, 404)
        self.assertEqual(self.pipelines_token(method="GET").status, 405)

    def test_aks_token_from_control(self):
        token = self.control("POST", "federated-token", {"issuer": "https://oidc.aks.example/tenant/",
                                                         "subject": "system:serviceaccount:ci:builder"})["token"]
        self.assertAppToken(self.token(self.assertion_form(token)), "2")
        recorded = self.control("GET", "last-request?endpoint=token")["assertion"]
        self.assertEqual(recorded, {"iss": "https://oidc.aks.example/tenant/", "sub": "system:serviceaccount:ci:builder",
                                    "jti": json.loads(unb64url(token.split(".")[1]))["jti"]})

    def test_no_matching_federated_record(self):
        for issuer, subject, audience in (("https://oidc.aks.example/tenant/", "system:serviceaccount:ci:other",
                                           "api://AzureADTokenExchange"),
                                          ("https://oidc.aks.example/other/", "system:serviceaccount:ci:builder",
                                           "api://AzureADTokenExchange"),
                                          ("https://oidc.aks.example/tenant/", "system:serviceaccount:ci:builder",
                                           "api://Other"),
                                          ("https://oidc.aks.example/tenant/", "System:ServiceAccount:ci:builder",
                                           "api://AzureADTokenExchange")):
            with self.subTest(issuer=issuer, subject=subject, audience=audience):
                token = self.control("POST", "federated-token", {"issuer": issuer, "subject": subject,
                                                                 "audience": audience})["token"]
                answer = self.token(self.assertion_form(token))
                self.assertEntraError(answer, 400, "invalid_request", 70021)
                self.assertIn(f"Assertion Subject: '{subject}'", answer.json["error_description"])

    def test_expired_federated_token(self):
        token = self.control("POST", "federated-token", {"issuer": "https://oidc.aks.example/tenant/",
                                                         "subject": "system:serviceaccount:ci:builder",
                                                         "lifetime": -1000})["token"]
        self.assertEntraError(self.token(self.assertion_form(token)), 401, "invalid_client", 700024)

    def test_federated_token_not_signed_by_issuer(self):
        forged = self.certs.assertion("other", "https://oidc.aks.example/tenant/", "api://AzureADTokenExchange",
                                      claims={"sub": "system:serviceaccount:ci:builder"})
        self.assertEntraError(self.token(self.assertion_form(forged)), 401, "invalid_client", 700027)

    def test_sixteen_parallel_certificate_requests(self):  # the emulator serves them all, counted one by one
        from concurrent.futures import ThreadPoolExecutor
        assertions = [self.certs.assertion("app", APP, self.aud, "PS256" if i % 2 else "RS256") for i in range(16)]
        self.control("POST", "reset-counters")
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda a: self.token(self.assertion_form(a)), assertions))
        self.assertEqual([a.status for a in answers], [200] * 16)
        counters = self.control("GET", "counters")
        self.assertEqual((counters["token"], counters["client_credentials"]["certificate"]), (16, 16))

    def test_log_holds_no_secret_or_assertion(self):
        assertion = self.github_token().json["value"]
        self.assertAppToken(self.token(self.assertion_form(assertion)), "2")
        self.assertAppToken(self.token(self.form(client_secret="s3cret-value")), "1")
        self.log.flush()
        with open(self.log.name) as handle:
            log = handle.read()
        self.assertIn("POST /contoso.example/oauth2/v2.0/token 200", log)
        for secret in ("s3cret-value", assertion.split(".")[2], self.oidc["github"]["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]):
            self.assertNotIn(secret, log)

    def test_jwks(self):
        keys = self.request("GET", "/oidc/keys").json["keys"]
        self.assertEqual((keys[0]["kty"], keys[0]["alg"], keys[0]["e"]), ("RSA", "RS256", "AQAB"))


if __name__ == "__main__":
    unittest.main()
