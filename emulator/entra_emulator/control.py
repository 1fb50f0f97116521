"""The control API under /_control/ (JSON in and out; the entry script's docstring lists the
actions): config, device codes, revocation, MFA, faults, counters, what was recorded, and verify,
which tells a local resource server (integrations/demo/servers/) whether this run issued a token."""
import json, time

from .control_workload import workload_action
from .state import DEFAULTS, ENDPOINTS, FAULT_KINDS, WORKLOAD_ENDPOINTS
from .tokens import verify


class ControlAPI:
    """Mixed into handler.Handler."""

    def control(self, name, query, raw):
        try:
            args = json.loads(raw or b"{}")
            if not isinstance(args, dict):
                raise ValueError("expected a JSON object")
            with self.state.lock:
                status, result = 200, self.control_action(f"{self.command} {name}", args, query)
        except LookupError as err:
            status, result = 404, {"error": str(err).strip("'\"")[:300]}
        except (ValueError, TypeError) as err:
            status, result = 400, {"error": str(err)[:300]}
        self.send_json(status, result)

    def control_action(self, action, args, query):
        """One control action, with the state's lock held. LookupError: 404; ValueError: 400."""
        state = self.state
        if action == "GET counters":
            return json.loads(json.dumps(state.counters))
        if action == "POST reset-counters":
            return state.reset_counters() or {"ok": True}
        if action in ("GET config", "POST config"):  # GET: no arguments, so no change
            for key, value in args.items():
                default = DEFAULTS.get(key)
                valid = isinstance(value, bool) if isinstance(default, bool) else isinstance(value, str) \
                    if isinstance(default, str) else type(value) in (int, float) and value >= 0
                if key not in DEFAULTS or not valid:
                    raise ValueError(f"unknown config key or bad value: '{key[:40]}'")
            state.config.update({k: (int(v) if type(DEFAULTS[k]) is int else v) for k, v in args.items()})
            return dict(state.config)
        if action == "GET device-codes":
            listed = [{"user_code": d["user_code"], "client_id": d["client_id"], "scope": " ".join(d["scopes"]),
                       "status": "expired" if d["status"] == "pending" and time.time() > d["expires"] else d["status"]}
                      for d in state.devices.values()]
            return listed if query.get("all") else [d for d in listed if d["status"] == "pending"]
        if action in ("POST device/approve", "POST device/deny"):
            status = "approved" if action.endswith("approve") else "declined"
            return self.set_device_status(args.get("user_code"), status)
        if action == "POST revoke":
            prefix = args.get("refresh_token_prefix")
            if not args.get("all") and not prefix:
                raise ValueError('give {"all": true} or {"refresh_token_prefix": "..."}')
            hit = [record for token, record in state.refresh_tokens.items()
                   if not record["revoked"] and (args.get("all") or token.startswith(prefix))]
            for record in hit:
                record["revoked"] = True
            if args.get("all"):  # like "revoke sessions" in Entra: the browser session ends too
                state.session_epoch = None
            return {"revoked": len(hit)}
        if action == "POST require-mfa":
            state.mfa_required = bool(args.get("required", True))
            state.mfa_epoch += state.mfa_required  # sign-ins from before this point lack MFA
            return {"required": state.mfa_required}
        if action == "POST fault":
            endpoint, kind, count = args.get("endpoint", "token"), str(args.get("kind", "")), int(args.get("count", 1))
            if endpoint not in ENDPOINTS + ("any",) or kind not in FAULT_KINDS or count < 1 or \
                    (kind in ("404", "410") and endpoint not in WORKLOAD_ENDPOINTS):
                raise ValueError(f"endpoint: one of {ENDPOINTS + ('any',)}; kind: one of {FAULT_KINDS} (404, 410: "
                                 f"{', '.join(WORKLOAD_ENDPOINTS)} only); count >= 1")
            state.faults.append({"endpoint": endpoint, "kind": kind, "remaining": count,
                                 "retry_after": int(args.get("retry_after", 2)), "delay": float(args.get("delay", 2))})
            return dict(state.faults[-1])
        if action == "GET faults":
            return [dict(f) for f in state.faults]
        if action == "POST clear-faults":
            state.faults = []
            return {"ok": True}
        if action == "GET issued":
            return dict(state.issued)
        if action in ("GET last-request", "GET last-authorize"):
            endpoint = "authorize" if action.endswith("authorize") else query.get("endpoint", "token")  # or imds...
            if endpoint not in state.last:
                raise LookupError(f"no {endpoint} request recorded")
            return state.last[endpoint]
        if action == "POST verify":  # 200 either way: the answer is the verdict, never the token
            if not isinstance(args.get("token"), str):
                raise ValueError('give {"token": "<jwt>"}')
            claims, reason = verify(state.key, args["token"], state.token_time())
            return {"valid": True, "claims": claims} if claims else {"valid": False, "reason": reason}
        if action == "POST clock":  # moves the token clock on: tokens issued before expire at verify
            advance = args.get("advance")
            if type(advance) not in (int, float) or advance < 0:
                raise ValueError('give {"advance": <seconds >= 0>}')
            state.clock_offset += advance
            return {"offset": state.clock_offset}
        if action == "POST reset":
            return state.reset(*state.initial) or {"ok": True}
        answer = workload_action(self, action, args, query)
        if answer is not None:
            return answer
        raise LookupError(f"no control action {action[:80]}")
