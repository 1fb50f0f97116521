"""Managed identity endpoints, as Microsoft documents them (their errors are these services' own
bodies, not Entra's AADSTS body):
  IMDS (Azure VMs): GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=R
      [&client_id=|&object_id=|&msi_res_id=] with the header Metadata: true. Errors 400
      {"error", "error_description"}: bad_request_102 without the header, invalid_request for a
      missing resource ("Required audience parameter not specified"), for more than one identity
      parameter, and "Identity not found" for an identity the VM does not have.
  App Service / Container Apps: GET /msi/token?api-version=2019-08-01&resource=R
      [&client_id=|&principal_id=|&mi_res_id=] with X-IDENTITY-HEADER (IDENTITY_ENDPOINT and
      IDENTITY_HEADER); errors {"statusCode", "message", "correlationId"}.
  Azure Arc: the IMDS path on a listener started with POST /_control/listen {"kind": "arc"}:
      api-version=2020-06-01 (or 2019-11-01), Metadata: true; without Authorization it answers
      401 with WWW-Authenticate: Basic realm=<key file>, a new secret written to a file in the
      control API's arc_key_dir; the retry sends Authorization: Basic <that file's content>.
Unknown query parameters are refused (400) on all three; only GET is served (405 otherwise)."""
import os, secrets, tempfile, uuid

from .workload import app_token
from .identity import guid, tenant_id

IMDS_VERSIONS = ("2018-02-01", "2019-08-01")
ARC_VERSIONS = ("2019-11-01", "2020-06-01")
APP_SERVICE_VERSIONS = ("2019-08-01",)


class ManagedIdentityError(Exception):
    def __init__(self, status, body, headers=None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def imds_error(status, error, description):
    return ManagedIdentityError(status, {"error": error, "error_description": description})


class ManagedIdentityEndpoints:
    """Mixed into handler.Handler. serve_managed(kind, query) answers one request of kind
    imds | arc | app-service (counted and fault-checked by the handler already)."""

    def serve_managed(self, kind, query):
        try:
            if self.command != "GET":
                raise ManagedIdentityError(405, {"error": "invalid_request",
                                                 "error_description": "Only GET is supported"})
            body = {"imds": self.imds_token, "arc": self.arc_token, "app-service": self.app_service_token}[kind](query)
            self.send_json(200, body)
        except ManagedIdentityError as err:
            self.send_json(err.status, err.body, err.headers)

    def identity_for(self, query, names, not_found):
        """The managed identity that query names (by names: client id, object id, resource id
        parameter names), the system-assigned one when none; raises not_found() when absent."""
        given = [(n, query[n]) for n in names if n in query]
        if len(given) > 1:
            raise imds_error(400, "invalid_request", f"Only one of {', '.join(names)} may be specified")
        managed = self.state.managed
        if not given:
            if managed["system_assigned"] is None:
                raise not_found()
            return managed["system_assigned"]
        index, value = names.index(given[0][0]), given[0][1]
        field = ("client_id", "object_id", "resource_id")[index]
        for identity in managed["user_assigned"] + [managed["system_assigned"] or {}]:
            if identity.get(field) and identity[field].lower() == value.lower():
                return identity
        raise not_found()

    def common_checks(self, query, allowed, versions, error):
        unknown = sorted(set(query) - set(allowed))
        if unknown:
            raise error(400, "invalid_request", f"Unknown query parameter '{unknown[0][:60]}' (the emulator refuses "
                        "parameters the service does not document)")
        if query.get("api-version") not in versions:
            raise error(400, "invalid_request", f"api-version is missing or not supported; use one of "
                        f"{', '.join(versions)}")
        if not query.get("resource"):
            raise error(400, "invalid_request", "Required audience parameter not specified")

    def token_fields(self, identity, resource):
        state = self.state
        tid = tenant_id("organizations", state.config["user"])
        extra = {"xms_mirid": identity["resource_id"]} if identity.get("resource_id") else {}
        token, now, lifetime = app_token(state, tid, identity["client_id"], identity["object_id"], resource, extra)
        return token, now, lifetime

    # --- IMDS ---------------------------------------------------------------------------------------
    def imds_body(self, query, allowed, versions):
        if self.headers.get("Metadata", "").lower() != "true":
            raise imds_error(400, "bad_request_102", "Required metadata header not specified")
        self.common_checks(query, allowed, versions, imds_error)
        with self.state.lock:
            identity = self.identity_for(query, ["client_id", "object_id", "msi_res_id"] if "msi_res_id" in allowed
                                         else ["client_id", "object_id", "mi_res_id"],
                                         lambda: imds_error(400, "invalid_request", "Identity not found"))
            token, now, lifetime = self.token_fields(identity, query["resource"])
        return {"access_token": token, "refresh_token": "", "expires_in": str(lifetime),
                "expires_on": str(now + lifetime), "not_before": str(now), "resource": query["resource"],
                "token_type": "Bearer", "client_id": identity["client_id"]}

    def imds_token(self, query):
        return self.imds_body(query, ("api-version", "resource", "client_id", "object_id", "msi_res_id"),
                              IMDS_VERSIONS)

    # --- Azure Arc: the challenge-file handshake ----------------------------------------------------------
    def arc_token(self, query):
        authorization = self.headers.get("Authorization", "")
        if not authorization:
            if self.headers.get("Metadata", "").lower() != "true":
                raise imds_error(400, "bad_request_102", "Required metadata header not specified")
            self.common_checks(query, ("api-version", "resource"), ARC_VERSIONS, imds_error)
            path = self.new_arc_key()
            raise ManagedIdentityError(401, {"error": "unauthorized_client", "error_description":
                                             "Use the key in the file named by WWW-Authenticate"},
                                       {"WWW-Authenticate": f"Basic realm={path}"})
        scheme, _, secret = authorization.partition(" ")
        with self.state.lock:
            known = scheme.lower() == "basic" and secret.strip() in self.state.arc_keys
        if not known:
            raise imds_error(401, "unauthorized_client", "The Authorization header does not hold a current key")
        return self.imds_body(query, ("api-version", "resource"), ARC_VERSIONS)

    def new_arc_key(self):
        state = self.state
        with state.lock:
            directory = arc_key_dir(state)
            secret = secrets.token_urlsafe(32)
            state.arc_keys.add(secret)
        path = os.path.join(directory, f"{uuid.uuid4()}.key")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(secret)
        return path

    # --- App Service and Container Apps -----------------------------------------------------------------
    def app_service_token(self, query):
        correlation = str(uuid.uuid4())

        def error(status, _error, message):
            return ManagedIdentityError(status, {"statusCode": status, "message": message, "correlationId": correlation})
        with self.state.lock:
            expected = self.state.secrets_for_endpoints["identity_header"]
        given = self.headers.get("X-IDENTITY-HEADER", "")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            raise error(401, "", "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.")
        self.common_checks(query, ("api-version", "resource", "client_id", "principal_id", "mi_res_id"),
                           APP_SERVICE_VERSIONS, error)
        with self.state.lock:
            identity = self.identity_for(query, ["client_id", "principal_id", "mi_res_id"],
                                         lambda: error(400, "", "Unable to load the proper Managed Identity."))
            token, now, lifetime = self.token_fields(identity, query["resource"])
        return {"access_token": token, "expires_on": str(now + lifetime), "resource": query["resource"],
                "token_type": "Bearer", "client_id": identity["client_id"]}


def register_managed(state, args):
    """POST /_control/managed-identities {"system_assigned": bool, "user_assigned": [{"client_id",
    "object_id", "resource_id"}], "arc_key_dir": PATH}: the identities the endpoints know (ids
    omitted are derived), and where Arc's challenge files go."""
    if "arc_key_dir" in args:
        if not isinstance(args["arc_key_dir"], str) or not os.path.isdir(args["arc_key_dir"]):
            raise ValueError("arc_key_dir: an existing directory")
        state.oidc["arc_key_dir"] = args["arc_key_dir"]
    if "system_assigned" in args:
        if not isinstance(args["system_assigned"], bool):
            raise ValueError("system_assigned: true or false")
        state.managed["system_assigned"] = {"client_id": guid("mi:system:client"), "object_id": guid("mi:system:oid"),
                                            "resource_id": None} if args["system_assigned"] else None
    if "user_assigned" in args:
        listed = []
        for entry in args["user_assigned"]:
            if not isinstance(entry, dict) or not any(isinstance(entry.get(k), str) for k in
                                                      ("client_id", "object_id", "resource_id")):
                raise ValueError('each user_assigned entry: {"client_id", "object_id", "resource_id"} (one at least)')
            name = entry.get("client_id") or entry.get("object_id") or entry.get("resource_id")
            listed.append({"client_id": entry.get("client_id") or guid("mi:client:" + name),
                           "object_id": entry.get("object_id") or guid("mi:oid:" + name),
                           "resource_id": entry.get("resource_id") or
                           f"/subscriptions/{guid('sub')}/resourceGroups/rg/providers/"
                           f"Microsoft.ManagedIdentity/userAssignedIdentities/{guid('mi:name:' + name)[:8]}"})
        state.managed["user_assigned"] = listed
    return describe_managed(state)


def describe_managed(state):
    return {"system_assigned": state.managed["system_assigned"], "user_assigned": state.managed["user_assigned"],
            "arc_key_dir": arc_key_dir(state)}


def arc_key_dir(state):
    """The directory Arc's challenge files go to (made on first use; the caller holds state.lock)."""
    if not state.oidc["arc_key_dir"]:  # inside the crypto workspace: removed when the emulator stops
        state.oidc["arc_key_dir"] = tempfile.mkdtemp(prefix="arc.", dir=state.crypto.dir)
    return state.oidc["arc_key_dir"]
