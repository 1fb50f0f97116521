#!/usr/bin/env python3
"""An Azure Container Registry look-alike for the offline demo: ACR's token exchange in front of a
read-only Docker registry with one image, demo/hello:latest. Python 3 standard library only.

  python3 registry.py --emulator http://127.0.0.1:EPORT [--audience https://containerregistry.azure.net]
      [--port 0] [--port-file FILE] [--cert PEM --key PEM]

Plain http by default (as a registry docker calls insecure); with --cert and --key (a certificate for
IP:127.0.0.1, as kube-api.py's), https only, the realm below then https too.

The service name is "127.0.0.1:PORT" (also accepted: "localhost:PORT"). Tokens of its own are
HS256 JWTs signed with a random per-run key; those from Entra are checked by the emulator.

  POST /oauth2/exchange   form grant_type=access_token, service, access_token[, tenant]
      The Entra token must come from the emulator, unexpired, with aud == --audience (the
      emulator's aud for scope https://containerregistry.azure.net/.default); a tenant, when a
      GUID, must be its tid. 200 {"refresh_token": <ACR refresh token, ~3 h, for this service>}.
      400 {"errors": [{"code": "UNSUPPORTED", ...}]} for another grant_type, a missing field or
      another service; 401 {"errors": [{"code": "UNAUTHORIZED", ...}]} for a refused token.
  GET  /oauth2/token?service=S&scope=repository:demo/hello:pull   (scope may repeat or be absent)
      Authorization: Basic base64("00000000-0000-0000-0000-000000000000:<ACR refresh token>")
  POST /oauth2/token      form grant_type=refresh_token, refresh_token, service, scope
      200 {"access_token": <registry access token, 1 h>} granting the requested pull/push on
      each repository; 401 UNAUTHORIZED otherwise (400 for a bad grant_type or service).
  GET|HEAD /v2/                              200 {}
  GET|HEAD /v2/<repo>/manifests/<tag|digest> the manifest (schema 2) of demo/hello:latest
  GET|HEAD /v2/<repo>/blobs/<digest>         its config and its one layer (docker reads the config)
      These need "Authorization: Bearer <registry access token>" (pull on <repo>); otherwise 401 with
      WWW-Authenticate: Bearer realm="http://127.0.0.1:PORT/oauth2/token",service="127.0.0.1:PORT"
      plus ,scope="repository:<repo>:pull" on repository paths (and ,error="invalid_token" or
      "insufficient_scope" when a token came). Unknown repositories, tags and blobs: 404 with the
      registry's error JSON (NAME_UNKNOWN, MANIFEST_UNKNOWN, BLOB_UNKNOWN).
"""
import gzip, hashlib, io, json, os, re, secrets, sys, tarfile, time, uuid
from urllib.parse import parse_qs, parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from demo_common import BaseHandler, Server, Unavailable, check, parser, serve, sign  # noqa: E402

NULL_USER = "00000000-0000-0000-0000-000000000000"  # ACR's user name meaning "the password is a refresh token"
REFRESH_LIFETIME, ACCESS_LIFETIME = 3 * 3600, 3600
MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
REPOSITORY = r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*"
GUID = r"[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}"


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build_image():
    """The one image, built the same way every run: (manifest bytes, {digest: (media type, blob bytes)})."""
    text = b"Hello from the offline demo registry.\n"
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as archive:
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(text), 0, 0o644
        archive.addfile(info, io.BytesIO(text))
    layer = gzip.compress(tar_bytes.getvalue(), mtime=0)
    config = json.dumps({"architecture": "amd64", "os": "linux", "created": "1970-01-01T00:00:00Z",
                         "config": {"Cmd": ["cat", "/hello.txt"], "Env": ["PATH=/usr/bin:/bin"]},
                         "rootfs": {"type": "layers", "diff_ids": [sha256(tar_bytes.getvalue())]},
                         "history": [{"created": "1970-01-01T00:00:00Z", "created_by": "entra demo registry"}]},
                        separators=(",", ":")).encode()
    manifest = json.dumps({"schemaVersion": 2, "mediaType": MANIFEST_TYPE,
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                                      "size": len(config), "digest": sha256(config)},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                       "size": len(layer), "digest": sha256(layer)}]}, indent=3).encode()
    return manifest, {sha256(config): ("application/octet-stream", config),
                      sha256(layer): ("application/octet-stream", layer)}


MANIFEST, BLOBS = build_image()
IMAGES = {"demo/hello": {"latest": MANIFEST}}


def errors(code, message, detail=None):
    return {"errors": [dict({"code": code, "message": message}, **({"detail": detail} if detail else {}))]}


class RegistryHandler(BaseHandler):
    name = "registry"
    server_version = "demo-registry/1.0"

    @property
    def services(self):
        return (f"127.0.0.1:{self.server.port}", f"localhost:{self.server.port}")

    def form(self):
        """The urlencoded request body (small)."""
        try:
            body, _ = self.body_file()
        except ValueError:
            return None
        with body:
            data = body.read(1 << 20)
        return dict(parse_qsl(data.decode("utf-8", "replace"), keep_blank_values=True))

    def do_POST(self):
        path = urlsplit(self.path).path
        if path not in ("/oauth2/exchange", "/oauth2/token"):
            self.skip_body()
            return self.send_json(404, errors("NOT_FOUND", "no such endpoint"))
        form = self.form()
        if form is None:
            return self.send_json(400, errors("UNSUPPORTED", "malformed request body"))
        if path == "/oauth2/exchange":
            return self.exchange(form)
        if form.get("grant_type") != "refresh_token":
            self.note = "bad grant_type"
            return self.send_json(400, errors("UNSUPPORTED", "grant_type must be refresh_token"))
        self.issue_access(form.get("refresh_token", ""), form.get("service", ""), form.get("scope", "").split())

    def exchange(self, form):
        if form.get("grant_type") != "access_token":
            self.note = "bad grant_type"
            return self.send_json(400, errors("UNSUPPORTED", "grant_type must be access_token"))
        if form.get("service") not in self.services:
            self.note = "bad service"
            return self.send_json(400, errors("UNSUPPORTED", f"service must be {self.services[0]}"))
        try:
            claims = self.entra_claims(form.get("access_token", ""))
        except Unavailable:
            self.note = "emulator did not answer"
            return self.send_json(503, errors("UNAVAILABLE", "the Entra emulator did not answer"))
        tenant = form.get("tenant", "")
        if claims and re.fullmatch(GUID, tenant) and tenant.lower() != str(claims.get("tid", "")).lower():
            claims, self.note = None, "tenant is not the token's tid"
        if claims is None:
            return self.send_json(401, errors("UNAUTHORIZED", "the access token is not valid for this registry"))
        now = int(time.time())
        refresh = sign(self.server.key, {
            "jti": str(uuid.uuid4()), "sub": claims.get("upn") or claims.get("oid"), "nbf": now, "iat": now,
            "exp": now + REFRESH_LIFETIME, "iss": "Azure Container Registry", "aud": self.services[0],
            "version": "1.0", "grant_type": "refresh_token", "tenant": claims.get("tid"), "oid": claims.get("oid"),
            "permissions": {"actions": ["read", "write"]}})
        self.send_json(200, {"refresh_token": refresh})

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/oauth2/token":
            return self.token_get(parse_qs(url.query))
        self.registry(url.path)

    do_HEAD = do_GET

    def token_get(self, query):
        found = self.credential()
        if not found or found[0] != "basic" or found[1] != NULL_USER:
            self.note = "no refresh token" if not found else "not the refresh-token user name"
            return self.send_json(401, errors("UNAUTHORIZED", "authentication required, visit "
                                              "https://aka.ms/acr/authorization for more information."))
        self.issue_access(found[2], (query.get("service") or [""])[0], query.get("scope", []))

    def issue_access(self, refresh_token, service, scopes):
        if service not in self.services:
            self.note = "bad service"
            return self.send_json(400, errors("UNSUPPORTED", f"service must be {self.services[0]}"))
        claims = check(self.server.key, refresh_token)
        if not claims or claims.get("grant_type") != "refresh_token" or claims.get("aud") != self.services[0]:
            self.note = "refresh token refused"
            return self.send_json(401, errors("UNAUTHORIZED", "the refresh token is not valid for this registry"))
        access = []
        for scope in scopes:  # repository:<name>:<actions>; several may come, space-separated or repeated
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            granted = [a for a in actions.split(",") if a in ("pull", "push")]
            if kind == "repository" and re.fullmatch(REPOSITORY, name) and granted:
                access.append({"type": "repository", "name": name, "actions": granted})
        now = int(time.time())
        token = sign(self.server.key, {
            "jti": str(uuid.uuid4()), "sub": claims["sub"], "nbf": now, "iat": now, "exp": now + ACCESS_LIFETIME,
            "iss": "Azure Container Registry", "aud": self.services[0], "version": "1.0",
            "grant_type": "access_token", "tenant": claims.get("tenant"), "access": access})
        self.note = str(claims["sub"])[:100]
        self.send_json(200, {"access_token": token})

    def registry(self, path):
        match = re.fullmatch(rf"/v2/(?:({REPOSITORY})/(manifests|blobs)/([A-Za-z0-9_.:+\-]{{1,150}}))?", path)
        if not path.startswith("/v2/"):
            return self.send_json(404, errors("NOT_FOUND", "no such endpoint"))
        if not match or (match.group(1) is None and path != "/v2/"):
            return self.send_json(404, errors("NAME_INVALID", "invalid repository name or path"))
        repo, kind, reference = match.groups()
        found = self.credential()
        claims = check(self.server.key, found[2]) if found and found[0] == "bearer" else None
        if claims and (claims.get("grant_type") != "access_token" or claims.get("aud") != self.services[0]):
            claims = None
        allowed = claims is not None and (repo is None or any(
            a["type"] == "repository" and a["name"] == repo and "pull" in a["actions"] for a in claims["access"]))
        if not allowed:
            challenge = f'Bearer realm="{self.server.base}/oauth2/token",service="{self.services[0]}"'
            if repo:
                challenge += f',scope="repository:{repo}:pull"'
            if found:
                challenge += ',error="insufficient_scope"' if claims else ',error="invalid_token"'
            self.note = "no token" if not found else "token lacks pull" if claims else "token refused"
            return self.send_json(401, errors("UNAUTHORIZED", "authentication required, visit "
                                              "https://aka.ms/acr/authorization for more information.",
                                              [{"Type": "repository", "Name": repo, "Action": "pull"}]
                                              if repo else None), [("WWW-Authenticate", challenge)])
        self.note = str(claims["sub"])[:100]
        api = [("Docker-Distribution-API-Version", "registry/2.0")]
        if repo is None:
            return self.send_json(200, {}, api)
        if repo not in IMAGES:
            return self.send_json(404, errors("NAME_UNKNOWN", "repository name not known to registry",
                                              {"name": repo}), api)
        if kind == "blobs":
            if reference not in BLOBS:
                return self.send_json(404, errors("BLOB_UNKNOWN", "blob unknown to registry", {"digest": reference}),
                                      api)
            media_type, blob = BLOBS[reference]
            return self.send_body(200, blob, media_type, api + [("Docker-Content-Digest", reference)])
        tags = IMAGES[repo]
        manifest = tags.get(reference) or next((m for m in tags.values() if sha256(m) == reference), None)
        if manifest is None:
            return self.send_json(404, errors("MANIFEST_UNKNOWN", "manifest tagged by \"%s\" is not found" % reference,
                                              {"Tag": reference}), api)
        self.send_body(200, manifest, MANIFEST_TYPE, api + [("Docker-Content-Digest", sha256(manifest))])


def main():
    options_parser = parser("An ACR look-alike: token exchange for Entra tokens of the emulator, one image",
                            "https://containerregistry.azure.net")
    options_parser.add_argument("--cert", help="PEM certificate for IP:127.0.0.1: serve HTTPS only (with --key)")
    options_parser.add_argument("--key", help="PEM private key of --cert")
    options = options_parser.parse_args()
    if bool(options.cert) != bool(options.key):
        options_parser.error("--cert and --key go together")
    try:
        server = Server(options.port, RegistryHandler, options,
                        tls=(options.cert, options.key) if options.cert else None)
    except (OSError, ValueError) as err:  # ssl.SSLError is an OSError
        options_parser.error(f"cannot serve with --cert/--key: {err}")
    server.key = secrets.token_bytes(32)  # signs this run's refresh and access tokens
    serve(server, options.port_file)


if __name__ == "__main__":
    main()
