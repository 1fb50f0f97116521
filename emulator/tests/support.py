"""What the emulator's own tests share: an emulator process on a free 127.0.0.1 port, HTTP
requests to it (urllib, nothing else), and certificates and signatures made with the openssl CLI."""
import base64, hashlib, json, os, subprocess, sys, tempfile, time, unittest, urllib.error, urllib.parse, urllib.request
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.environ.get("EMULATOR_SCRIPT") or os.path.join(HERE, "..", "entra-emulator.py")  # another copy: to see tests fail
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def openssl(*args, data=None):
    result = subprocess.run(["openssl", *args], input=data, capture_output=True, check=True)
    return result.stdout


class Certs:
    """Keys and certificates in a temporary directory: a self-signed app certificate, a CA and a
    leaf it issued (for subject-name/issuer), another CA's leaf, and an unregistered one."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="emulator-tests.")

    def path(self, name):
        return os.path.join(self.dir, name)

    def self_signed(self, name, subject):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".pem"), "-days", "2", "-subj", subject)
        return self.pem(name)

    def ca(self, name):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".pem"), "-days", "2", "-subj", f"/CN={name}",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
        return self.pem(name)

    def leaf(self, name, subject, ca):
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", self.path(name + ".key"),
                "-out", self.path(name + ".csr"), "-subj", subject)
        openssl("x509", "-req", "-in", self.path(name + ".csr"), "-CA", self.path(ca + ".pem"), "-CAkey",
                self.path(ca + ".key"), "-CAcreateserial", "-out", self.path(name + ".pem"), "-days", "2")
        return self.pem(name)

    def pem(self, name):
        with open(self.path(name + ".pem")) as handle:
            return handle.read()

    def der(self, name):
        return openssl("x509", "-in", self.path(name + ".pem"), "-outform", "DER")

    def sign(self, name, alg, data):
        pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"] if alg == "PS256" else []
        return openssl("dgst", "-sha256", "-sign", self.path(name + ".key"), *pss, data=data)

    def assertion(self, name, client_id, aud, alg="RS256", header=None, claims=None, x5c=None, key=None):
        """A client assertion as Microsoft documents it, signed by name's key (or key's)."""
        now = int(time.time())
        head = {"alg": alg, "typ": "JWT", "x5t#S256": b64url(hashlib.sha256(self.der(name)).digest())}
        if x5c:
            head["x5c"] = [base64.b64encode(self.der(n)).decode() for n in x5c]
        head.update(header or {})
        body = dict({"aud": aud, "iss": client_id, "sub": client_id, "jti": str(uuid.uuid4()), "nbf": now,
                     "iat": now, "exp": now + 600}, **(claims or {}))
        signing_input = b64url(json.dumps(head).encode()) + "." + b64url(json.dumps(body).encode())
        return signing_input + "." + b64url(self.sign(key or name, alg, signing_input.encode()))


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.raw = status, headers, body
        try:
            self.json = json.loads(body or b"null")
        except ValueError:
            self.json = None


class EmulatorTest(unittest.TestCase):
    """Starts one emulator for the class; setUp resets its state."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="emulator-run.")
        port_file = os.path.join(cls.tmp, "port")
        cls.log = open(os.path.join(cls.tmp, "log"), "w")
        cls.process = subprocess.Popen([sys.executable, SCRIPT, "--port-file", port_file], stderr=cls.log)
        for _ in range(200):
            if os.path.exists(port_file):
                break
            time.sleep(0.05)
        with open(port_file) as handle:
            cls.base = f"http://127.0.0.1:{int(handle.read())}"

    @classmethod
    def tearDownClass(cls):
        cls.process.terminate()
        cls.process.wait(10)
        cls.log.close()

    def setUp(self):
        self.control("POST", "reset")

    def request(self, method, url, headers=None, body=None, form=None):
        if form is not None:
            body = urllib.parse.urlencode(form).encode()
            headers = dict({"Content-Type": "application/x-www-form-urlencoded"}, **(headers or {}))
        target = url if url.startswith("http") else self.base + url
        req = urllib.request.Request(target, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as answer:
                return Response(answer.status, answer.headers, answer.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, err.headers, err.read())

    def control(self, method, name, args=None):
        answer = self.request(method, "/_control/" + name, {"Content-Type": "application/json"},
                              json.dumps(args).encode() if args is not None else (b"{}" if method == "POST" else None))
        self.assertIn(answer.status, (200,), answer.raw)
        return answer.json

    def token(self, form, tenant="contoso.example"):
        return self.request("POST", f"/{tenant}/oauth2/v2.0/token", form=form)

    def assertEntraError(self, answer, status, error, code):
        """Entra's error body: error, error_description starting AADSTSnnnn, error_codes, timestamp,
        trace_id, correlation_id."""
        self.assertEqual(answer.status, status, answer.raw)
        body = answer.json
        self.assertEqual(body["error"], error, body)
        self.assertTrue(body["error_description"].startswith(f"AADSTS{code}: "), body["error_description"])
        self.assertEqual(body["error_codes"], [code])
        for name in ("timestamp", "trace_id", "correlation_id"):
            self.assertTrue(body.get(name), name)

    def claims(self, token):
        verdict = self.control("POST", "verify", {"token": token})
        self.assertTrue(verdict["valid"], verdict)
        return verdict["claims"]
