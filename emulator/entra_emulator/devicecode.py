"""POST /{tenant}/oauth2/v2.0/devicecode and GET /devicelogin, a tiny page to approve or decline
a user code (the control API's device/approve and device/deny do the same)."""
import re, secrets, time

from .errors import require

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class DeviceCodeEndpoint:
    """Mixed into handler.Handler."""

    def devicecode(self, tenant, form):
        require(form, "client_id", "scope")
        uri = f"{self.base_url()}/devicelogin"
        state = self.state
        with state.lock:
            user_code = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(9))
            device_code = "1.emu-device." + secrets.token_urlsafe(48)
            expires_in, interval = int(state.config["device_expires_in"]), int(state.config["device_interval"])
            state.devices[device_code] = {"user_code": user_code, "client_id": form["client_id"], "tenant": tenant,
                                          "scopes": form["scope"].split(), "expires": time.time() + expires_in,
                                          "interval": interval, "last_poll": 0.0,
                                          "status": "approved" if state.config["device_auto_approve"] else "pending",
                                          "user": state.config["user"], "epoch": state.mfa_epoch,
                                          "mfa": state.mfa_required}
            state.issued["device_codes"] += 1
        self.send_json(200, {"user_code": user_code, "device_code": device_code, "verification_uri": uri,
                             "expires_in": expires_in, "interval": interval,
                             "message": f"To sign in, use a web browser to open the page {uri} and enter the code "
                                        f"{user_code} to authenticate."})

    def set_device_status(self, user_code, status):
        """Approves or declines a pending device code (the newest one when user_code is empty)."""
        wanted = re.sub(r"[\s\-]", "", user_code or "").upper()
        state = self.state
        with state.lock:
            pending = [d for d in state.devices.values() if d["status"] == "pending" and d["expires"] > time.time()]
            found = [d for d in pending if d["user_code"] == wanted] if wanted else pending[-1:]
            if not found:
                raise LookupError("no pending device code" + (" with that user_code" if wanted else ""))
            found[0]["status"] = status
            if status == "approved":  # the sign-in happens now: it satisfies MFA
                found[0].update(user=state.config["user"], epoch=state.mfa_epoch, mfa=state.mfa_required)
            return {"user_code": found[0]["user_code"], "status": status}

    def devicelogin(self, q):
        text = None
        if q.get("user_code") and ("approve" in q or "deny" in q):
            try:
                self.set_device_status(q["user_code"], "approved" if "approve" in q else "declined")
                text = "Signed in; you can close this window." if "approve" in q else "Sign-in declined."
            except LookupError:
                text = "That code is not valid or has expired."
        self.send_html(200, "Device sign-in", f"<p>{text}</p>" if text else "<h1>Enter code</h1><form method=get>"
                       "<input name=user_code autofocus> <button name=approve value=1>Sign in</button> "
                       "<button name=deny value=1>Cancel</button></form>")
