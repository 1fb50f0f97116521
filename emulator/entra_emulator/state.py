"""Everything the emulator knows (config, codes, refresh tokens, device codes, the browser session
and MFA, faults, counters), in one State that every request shares."""
import secrets, threading, time

from .crypto import Workspace
from .identity import guid

# The managed identity and OIDC endpoints (managed.py, oidc.py) count and fault like Entra's.
WORKLOAD_ENDPOINTS = ("imds", "app-service", "arc", "github-oidc", "pipelines-oidc")
ENDPOINTS = ("authorize", "token", "devicecode", "openid-configuration") + WORKLOAD_ENDPOINTS
FAULT_KINDS = ("500", "503", "429", "404", "410", "malformed", "delay", "reset")  # 404, 410: IMDS updating
DEFAULTS = {"token_lifetime": 3600, "device_interval": 5, "device_expires_in": 900, "code_lifetime": 600,
            "auto_approve": False, "device_auto_approve": False, "device_slow_down": False, "require_consent": False,
            "user": "ada@contoso.example"}


class State:
    """Everything the emulator knows; every access holds self.lock."""

    def __init__(self, user, auto_approve):
        self.lock = threading.RLock()  # re-entrant: control actions call helpers that lock too
        self.key = secrets.token_bytes(32)
        self.crypto = Workspace()  # openssl's files and the OIDC issuer key (crypto.py)
        self.listeners = []  # extra servers started by POST /_control/listen (they outlive reset)
        self.initial = (user, auto_approve)
        self.reset(user, auto_approve)

    def reset(self, user, auto_approve):
        self.config = dict(DEFAULTS, user=user, auto_approve=auto_approve)
        self.codes, self.refresh_tokens, self.devices, self.last, self.faults = {}, {}, {}, {}, []
        self.consents = set()  # (user, client_id, resource key): see consent.py (config require_consent)
        self.session_epoch = None  # MFA epoch of the last browser sign-in; None: no browser session
        self.mfa_required, self.mfa_epoch = False, 0  # the epoch grows each time MFA becomes required
        self.clock_offset = 0  # seconds added to the clock that issues and verifies tokens (POST clock)
        self.apps = {}  # client_id -> registered confidential app (workload.py)
        self.managed = {"system_assigned": {"client_id": guid("mi:system:client"), "object_id": guid("mi:system:oid"),
                                            "resource_id": None}, "user_assigned": []}
        self.secrets_for_endpoints = {"identity_header": secrets.token_urlsafe(24),  # App Service
                                      "github_request_token": secrets.token_urlsafe(32),  # GitHub Actions
                                      "pipelines_access_token": secrets.token_urlsafe(32)}  # Azure Pipelines
        self.oidc = {"github_subject": "repo:contoso/app:ref:refs/heads/main",
                     "github_issuer": "https://token.actions.githubusercontent.com",
                     "pipelines_issuer": "https://vstoken.dev.azure.com/" + guid("ado:org:contoso"),
                     "pipelines_connections": {guid("ado:sc:azure-connection"): "sc://contoso/app/azure-connection"},
                     "arc_key_dir": None}
        self.arc_keys = set()
        self.issued = {"access_tokens": 0, "refresh_tokens": 0, "id_tokens": 0, "codes": 0, "device_codes": 0}
        self.reset_counters()

    def reset_counters(self):
        self.counters = dict({name: 0 for name in ENDPOINTS},
                             grants={"authorization_code": 0, "refresh_token": 0, "device_code": 0, "other": 0},
                             # not in grants, whose keys tests compare as a whole: its own dict
                             client_credentials={"requests": 0, "secret": 0, "certificate": 0, "federated": 0,
                                                 "none": 0})

    def token_time(self):
        """The clock tokens are issued (iat, nbf, exp) and verified by: the real one plus clock_offset."""
        return time.time() + self.clock_offset

    def take_fault(self, endpoint):
        for fault in self.faults:
            if fault["endpoint"] in (endpoint, "any"):
                fault["remaining"] -= 1
                self.faults = [f for f in self.faults if f["remaining"] > 0]
                return dict(fault)
        return None
