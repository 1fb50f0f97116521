"""The managed identity endpoints: IMDS (system- and user-assigned, its documented 400s, 429/500/404
faults for retries, a listener of its own), App Service (IDENTITY_ENDPOINT/IDENTITY_HEADER) and the
Azure Arc challenge-file handshake."""
import os, unittest
from urllib.parse import urlencode

from support import EmulatorTest

RESOURCE = "https://management.azure.com/"
IMDS = "/metadata/identity/oauth2/token"
USER_ASSIGNED = {"client_id": "aaaaaaaa-0000-0000-0000-000000000001", "object_id": "aaaaaaaa-0000-0000-0000-000000000002",
                 "resource_id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
                                "userAssignedIdentities/builder"}


class ImdsTests(EmulatorTest):
    def imds(self, params=None, headers=None, base=""):
        params = {"api-version": "2018-02-01", "resource": RESOURCE} if params is None else params
        return self.request("GET", f"{base}{IMDS}?{urlencode(params)}",
                            {"Metadata": "true"} if headers is None else headers)

    def assertImdsError(self, answer, status, error, text):
        self.assertEqual(answer.status, status, answer.raw)
        self.assertEqual(answer.json["error"], error, answer.json)
        self.assertIn(text, answer.json["error_description"])

    def test_system_assigned(self):
        answer = self.imds()
        self.assertEqual(answer.status, 200, answer.raw)
        body = answer.json
        self.assertEqual(sorted(body), ["access_token", "client_id", "expires_in", "expires_on", "not_before",
                                        "refresh_token", "resource", "token_type"])
        self.assertEqual((body["resource"], body["token_type"], body["refresh_token"]), (RESOURCE, "Bearer", ""))
        self.assertTrue(all(isinstance(body[k], str) and body[k].isdigit() for k in ("expires_in", "expires_on")))
        claims = self.claims(body["access_token"])
        system = self.control("GET", "managed-identities")["system_assigned"]
        self.assertEqual((claims["aud"], claims["appid"], claims["oid"], claims["idtyp"]),
                         (RESOURCE, system["client_id"], system["object_id"], "app"))
        self.assertEqual(self.control("GET", "counters")["imds"], 1)
        self.assertEqual(self.control("GET", "last-request?endpoint=imds")["headers"]["metadata"], "true")

    def test_user_assigned_by_each_id(self):
        self.control("POST", "managed-identities", {"user_assigned": [USER_ASSIGNED]})
        for name, field in (("client_id", "client_id"), ("object_id", "object_id"), ("msi_res_id", "resource_id")):
            with self.subTest(name=name):
                answer = self.imds({"api-version": "2018-02-01", "resource": RESOURCE, name: USER_ASSIGNED[field]})
                self.assertEqual(answer.status, 200, answer.raw)
                claims = self.claims(answer.json["access_token"])
                self.assertEqual((claims["appid"], claims["xms_mirid"]),
                                 (USER_ASSIGNED["client_id"], USER_ASSIGNED["resource_id"]))

    def test_documented_refusals(self):
        self.control("POST", "managed-identities", {"user_assigned": [USER_ASSIGNED]})
        ok = {"api-version": "2018-02-01", "resource": RESOURCE}
        self.assertImdsError(self.imds(headers={}), 400, "bad_request_102", "Required metadata header not specified")
        self.assertImdsError(self.imds(headers={"Metadata": "false"}), 400, "bad_request_102", "metadata header")
        self.assertImdsError(self.imds({"api-version": "2018-02-01"}), 400, "invalid_request",
                             "Required audience parameter not specified")
        self.assertImdsError(self.imds({"resource": RESOURCE}), 400, "invalid_request", "api-version")
        self.assertImdsError(self.imds(dict(ok, **{"api-version": "2030-01-01"})), 400, "invalid_request",
                             "api-version")
        self.assertImdsError(self.imds({"api-version": "2018-02-01", "scope": RESOURCE + ".default"}), 400,
                             "invalid_request", "Unknown query parameter 'scope'")
        self.assertImdsError(self.imds(dict(ok, client_id=USER_ASSIGNED["client_id"],
                                            object_id=USER_ASSIGNED["object_id"])), 400, "invalid_request",
                             "Only one of")
        self.assertImdsError(self.imds(dict(ok, client_id="bbbbbbbb-0000-0000-0000-000000000009")), 400,
                             "invalid_request", "Identity not found")
        self.assertEqual(self.request("POST", IMDS + "?" + urlencode(ok), {"Metadata": "true"}, b"").status, 405)

    def test_no_system_assigned_identity(self):
        self.control("POST", "managed-identities", {"system_assigned": False})
        self.assertImdsError(self.imds(), 400, "invalid_request", "Identity not found")

    def test_faults_for_retries(self):
        for kind in ("429", "500", "503", "404", "410"):
            with self.subTest(kind=kind):
                self.control("POST", "reset-counters")
                self.control("POST", "fault", {"endpoint": "imds", "kind": kind, "count": 2, "retry_after": 1})
                first, second, third = self.imds(), self.imds(), self.imds()
                self.assertEqual((first.status, second.status, third.status), (int(kind), int(kind), 200))
                self.assertNotIn("AADSTS", first.json["error_description"])  # IMDS's body, not Entra's
                if kind == "429":
                    self.assertEqual(first.headers["Retry-After"], "1")
                self.assertEqual(self.control("GET", "counters")["imds"], 3)

    def test_404_fault_only_for_workload_endpoints(self):
        answer = self.request("POST", "/_control/fault", {"Content-Type": "application/json"},
                              b'{"endpoint": "token", "kind": "404"}')
        self.assertEqual(answer.status, 400)
        answer = self.request("POST", "/_control/fault", {"Content-Type": "application/json"},
                              b'{"endpoint": "imds", "kind": "410"}')
        self.assertEqual(answer.status, 200)

    def test_own_listener(self):
        listener = self.control("POST", "listen", {"kind": "imds"})
        self.assertNotEqual(listener["base"], self.base)
        self.assertEqual(listener["AZURE_POD_IDENTITY_AUTHORITY_HOST"], listener["base"])
        self.assertEqual(self.imds(base=listener["base"]).status, 200)
        self.assertEqual(self.control("GET", "counters")["imds"], 1)  # the state is shared


class AppServiceTests(EmulatorTest):
    def call(self, params, header=None):
        env = self.control("GET", "oidc")["app_service"]
        return self.request("GET", env["IDENTITY_ENDPOINT"] + "?" + urlencode(params),
                            {"X-IDENTITY-HEADER": env["IDENTITY_HEADER"] if header is None else header})

    def test_token(self):
        answer = self.call({"api-version": "2019-08-01", "resource": RESOURCE})
        self.assertEqual(answer.status, 200, answer.raw)
        self.assertEqual(sorted(answer.json), ["access_token", "client_id", "expires_on", "resource", "token_type"])
        self.assertEqual(self.claims(answer.json["access_token"])["aud"], RESOURCE)
        self.assertEqual(self.control("GET", "counters")["app-service"], 1)

    def test_user_assigned(self):
        self.control("POST", "managed-identities", {"user_assigned": [USER_ASSIGNED]})
        for name, field in (("client_id", "client_id"), ("principal_id", "object_id"), ("mi_res_id", "resource_id")):
            with self.subTest(name=name):
                answer = self.call({"api-version": "2019-08-01", "resource": RESOURCE, name: USER_ASSIGNED[field]})
                self.assertEqual(answer.json["client_id"], USER_ASSIGNED["client_id"])

    def test_refusals(self):
        ok = {"api-version": "2019-08-01", "resource": RESOURCE}
        for params, header, status, text in (
                (ok, "wrong", 401, "X-IDENTITY-HEADER"), (ok, "", 401, "X-IDENTITY-HEADER"),
                ({"api-version": "2018-02-01", "resource": RESOURCE}, None, 400, "api-version"),
                ({"api-version": "2019-08-01"}, None, 400, "Required audience"),
                (dict(ok, scope="x"), None, 400, "Unknown query parameter 'scope'"),
                (dict(ok, client_id="cccccccc-0000-0000-0000-000000000000"), None, 400,
                 "Unable to load the proper Managed Identity.")):
            with self.subTest(params=params, header=header):
                answer = self.call(params, header)
                self.assertEqual((answer.status, answer.json["statusCode"]), (status, status), answer.raw)
                self.assertIn(text, answer.json["message"])


class ArcTests(EmulatorTest):
    def test_challenge_file_handshake(self):
        arc = self.control("POST", "listen", {"kind": "arc"})
        self.assertEqual(arc["IMDS_ENDPOINT"], arc["base"])
        url = arc["IDENTITY_ENDPOINT"] + "?" + urlencode({"api-version": "2020-06-01", "resource": RESOURCE})
        challenge = self.request("GET", url, {"Metadata": "true"})
        self.assertEqual(challenge.status, 401)
        scheme, _, realm = challenge.headers["WWW-Authenticate"].partition(" ")
        path = realm.partition("=")[2]
        self.assertEqual((scheme, os.path.dirname(path), path[-4:]),
                         ("Basic", self.control("GET", "managed-identities")["arc_key_dir"], ".key"))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as handle:
            secret = handle.read()
        answer = self.request("GET", url, {"Metadata": "true", "Authorization": "Basic " + secret})
        self.assertEqual(answer.status, 200, answer.raw)
        self.assertEqual(self.claims(answer.json["access_token"])["aud"], RESOURCE)
        self.assertEqual(self.request("GET", url, {"Metadata": "true", "Authorization": "Basic wrong"}).status, 401)
        self.assertEqual(self.request("GET", url, {}).status, 400)  # no Metadata header
        self.assertEqual(self.control("GET", "counters")["arc"], 4)

    def test_arc_refuses_user_assigned(self):
        arc = self.control("POST", "listen", {"kind": "arc"})
        url = arc["IDENTITY_ENDPOINT"] + "?" + urlencode({"api-version": "2020-06-01", "resource": RESOURCE,
                                                          "client_id": "x"})
        self.assertEqual(self.request("GET", url, {"Metadata": "true"}).status, 400)


if __name__ == "__main__":
    unittest.main()
