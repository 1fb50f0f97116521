"""Entra's error answers: an OAuth error plus an AADSTS code, in Entra's JSON body."""
from datetime import datetime, timezone

MFA_TEXT = ("Due to a configuration change made by your administrator, or because you moved to a new location, "
            "you must use multi-factor authentication to access '{}'.")
TRANSIENT = "A transient error has occurred. Please try again."


class EntraError(Exception):
    """An Entra error answer: OAuth error, AADSTS code, message, HTTP status, extra body members."""

    def __init__(self, error, code, message, status=400, **extra):
        super().__init__(message)
        self.error, self.code, self.message, self.status, self.extra = error, code, message, status, extra


def require(params, *names):
    for name in names:
        if not params.get(name):
            raise EntraError("invalid_request", 900144, f"The request body must contain the following parameter: "
                             f"'{name}'.")


def error_body(err, trace_id, correlation_id):
    """Entra's error body: error, error_description "AADSTSnnnn: ..." with the trace and correlation
    ids and a timestamp, error_codes, timestamp, trace_id, correlation_id, error_uri; plus err.extra."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return dict({"error": err.error, "error_description": f"AADSTS{err.code}: {err.message}\r\nTrace ID: "
                 f"{trace_id}\r\nCorrelation ID: {correlation_id}\r\nTimestamp: {stamp}",
                 "error_codes": [err.code], "timestamp": stamp, "trace_id": trace_id,
                 "correlation_id": correlation_id,
                 "error_uri": f"https://login.microsoftonline.com/error?code={err.code}"}, **err.extra)
