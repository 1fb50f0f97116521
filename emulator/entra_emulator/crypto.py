"""RSA through the `openssl` command line (the stdlib has none): certificate facts (thumbprints,
subject, issuer, key type), RS256/PS256 signature checks, chain checks against registered CAs, and
the emulator's own OIDC issuer key (generated on first use) that signs federated tokens. Every
call passes keys and signatures through files of a private 0700 directory, never argv."""
import base64, hashlib, json, os, re, shutil, subprocess, tempfile, threading

from .tokens import b64url, unb64url

PEM_RE = re.compile(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", re.S)


class CryptoError(ValueError):
    pass


def pem_certificates(pem):
    """The DER bytes of each certificate in a PEM text (in order)."""
    try:
        return [base64.b64decode("".join(body.split())) for body in PEM_RE.findall(pem or "")]
    except ValueError:
        raise CryptoError("a certificate's PEM body is not base64")


def der_to_pem(der):
    text = base64.b64encode(der).decode("ascii")
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(text[i:i + 64] for i in range(0, len(text), 64)) + \
           "\n-----END CERTIFICATE-----\n"


def thumbprints(der):
    """(x5t#S256, x5t) of a certificate: base64url SHA-256 and SHA-1 of its DER."""
    return b64url(hashlib.sha256(der).digest()), b64url(hashlib.sha1(der).digest())


class Workspace:
    """A private directory for openssl's input files; removed by close()."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="entra-emulator-crypto.")
        self.lock, self.counter = threading.Lock(), 0
        self.issuer_key = None  # PEM path of the OIDC issuer's RSA key, made on first use

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def file(self, data):
        with self.lock:
            self.counter += 1
            path = os.path.join(self.dir, f"f{self.counter}")
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)
        return path

    def openssl(self, *args, data=None):
        result = subprocess.run(["openssl", *args], input=data, capture_output=True, timeout=20)
        return result.returncode, result.stdout

    def certificate_facts(self, der):
        """{subject, issuer, rsa, public_key (PEM)} of one DER certificate; CryptoError if unreadable."""
        path = self.file(der)
        try:
            code, out = self.openssl("x509", "-inform", "DER", "-in", path, "-noout", "-nameopt", "RFC2253",
                                     "-subject", "-issuer", "-text", "-pubkey")
        finally:
            os.unlink(path)
        if code != 0:
            raise CryptoError("not an X.509 certificate")
        text = out.decode("utf-8", "replace")
        subject = re.search(r"^subject=\s*(.*)$", text, re.M)
        issuer = re.search(r"^issuer=\s*(.*)$", text, re.M)
        key = re.search(r"-----BEGIN PUBLIC KEY-----.*?-----END PUBLIC KEY-----", text, re.S)
        return {"subject": subject.group(1).strip() if subject else "", "issuer": issuer.group(1).strip()
                if issuer else "", "rsa": "rsaEncryption" in text, "public_key": key.group(0) if key else ""}

    def verify(self, public_key_pem, alg, signing_input, signature):
        """True when signature is alg (RS256 or PS256) over signing_input by public_key_pem."""
        key, sig = self.file(public_key_pem), self.file(signature)
        try:
            pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"] if alg == "PS256" else []
            code, out = self.openssl("dgst", "-sha256", "-verify", key, *pss, "-signature", sig, data=signing_input)
        finally:
            os.unlink(key), os.unlink(sig)
        return code == 0 and b"Verified OK" in out

    def chain_ok(self, leaf_der, intermediates_der, ca_pems):
        """True when leaf chains (through intermediates) to one of the registered CA certificates."""
        files = [self.file(der_to_pem(leaf_der)), self.file("".join(ca_pems)),
                 self.file("".join(der_to_pem(d) for d in intermediates_der) or "\n")]
        try:
            args = ["verify", "-partial_chain", "-CAfile", files[1]]
            if intermediates_der:
                args += ["-untrusted", files[2]]
            code, _ = self.openssl(*args, files[0])
        finally:
            for path in files:
                os.unlink(path)
        return code == 0

    # --- the emulator's OIDC issuer (GitHub Actions, Azure Pipelines, AKS service accounts) -----------
    def ensure_issuer_key(self):
        with self.lock:
            if self.issuer_key is None:
                path = os.path.join(self.dir, "issuer.key")
                code, _ = self.openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                                       "-out", path)
                if code != 0:
                    raise CryptoError("openssl could not make the issuer key")
                code, out = self.openssl("rsa", "-in", path, "-noout", "-modulus")
                modulus = bytes.fromhex(out.decode().strip().partition("=")[2])
                self.jwk = {"kty": "RSA", "use": "sig", "alg": "RS256", "e": "AQAB", "n": b64url(modulus),
                            "kid": b64url(hashlib.sha256(modulus).digest()[:16])}
                code, out = self.openssl("rsa", "-in", path, "-pubout")
                self.issuer_public, self.issuer_key = out.decode(), path
        return self.issuer_key

    def sign_issuer_jwt(self, claims):
        """An RS256 JWT signed by the issuer key, with its kid."""
        key = self.ensure_issuer_key()
        header = {"typ": "JWT", "alg": "RS256", "kid": self.jwk["kid"]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        code, signature = self.openssl("dgst", "-sha256", "-sign", key, data=signing_input.encode())
        if code != 0:
            raise CryptoError("openssl could not sign")
        return signing_input + "." + b64url(signature)

    def issuer_jwks(self):
        self.ensure_issuer_key()
        return {"keys": [dict(self.jwk)]}


def split_jwt(token):
    """(header, claims, signing_input bytes, signature bytes); CryptoError when it is no JWT."""
    parts = token.split(".") if isinstance(token, str) else []
    if len(parts) != 3:
        raise CryptoError("not a JWT")
    try:
        header, claims = json.loads(unb64url(parts[0])), json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except ValueError:
        raise CryptoError("malformed JWT")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise CryptoError("malformed JWT")
    return header, claims, (parts[0] + "." + parts[1]).encode(), signature
