"""The control API's actions for callers without a person (the entry script's docstring lists
them): confidential apps, managed identities, the CI OIDC endpoints' settings, federated tokens,
and extra listeners (IMDS or Arc on a port of their own)."""
import threading

from .managed import describe_managed, register_managed
from .oidc import AUDIENCE, describe_oidc, federated_token
from .workload import describe_app, register_app


def workload_action(handler, action, args, query):
    """One action, with the state's lock held; None when the action is not one of these."""
    state = handler.state
    if action == "POST apps":
        return register_app(state, args)
    if action == "GET apps":
        return [describe_app(a) for a in state.apps.values()]
    if action == "POST apps/remove":
        if state.apps.pop(str(args.get("client_id")), None) is None:
            raise LookupError("no such app")
        return {"ok": True}
    if action in ("GET managed-identities", "POST managed-identities"):
        return register_managed(state, args) if action.startswith("POST") else describe_managed(state)
    if action == "GET oidc":
        return describe_oidc(state, handler.base_url())
    if action == "POST oidc":  # subjects and issuers the GitHub and Pipelines endpoints put in their tokens
        for key in ("github_subject", "github_issuer", "pipelines_issuer"):
            if key in args:
                if not isinstance(args[key], str) or not args[key]:
                    raise ValueError(f"{key}: a non-empty string")
                state.oidc[key] = args[key]
        if "pipelines_connections" in args:
            connections = args["pipelines_connections"]
            if not isinstance(connections, dict) or not connections or \
                    not all(isinstance(v, str) for v in connections.values()):
                raise ValueError('pipelines_connections: {"<service connection id>": "sc://org/project/name"}')
            state.oidc["pipelines_connections"] = dict(connections)
        return describe_oidc(state, handler.base_url())
    if action == "POST federated-token":  # e.g. an AKS service account token for AZURE_FEDERATED_TOKEN_FILE
        issuer, subject = args.get("issuer"), args.get("subject")
        lifetime = args.get("lifetime", 3600)
        if not isinstance(issuer, str) or not isinstance(subject, str) or type(lifetime) is not int:
            raise ValueError('give {"issuer": "...", "subject": "...", "audience": "api://AzureADTokenExchange", '
                             '"lifetime": seconds (negative: already expired)}')
        return {"token": federated_token(state, issuer, subject, str(args.get("audience", AUDIENCE)), lifetime)}
    if action == "POST listen":
        return listen(handler, args)
    return None


def listen(handler, args):
    """POST /_control/listen {"kind": "imds"|"arc"}: one more listener on a free port of the same
    loopback address, sharing this run's state; "arc" serves the IMDS path as Azure Arc does."""
    kind = args.get("kind")
    if kind not in ("imds", "arc"):
        raise ValueError('give {"kind": "imds"} or {"kind": "arc"}')
    server = type(handler.server)((handler.server.server_address[0], 0), type(handler), handler.state)
    server.mode = kind
    handler.state.listeners.append(server)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    host, port = server.server_address[:2]
    base = f"http://{host}:{port}"
    answer = {"kind": kind, "port": port, "base": base, "endpoint": f"{base}/metadata/identity/oauth2/token"}
    if kind == "arc":  # what the Arc agent sets in the environment
        answer.update(IDENTITY_ENDPOINT=answer["endpoint"], IMDS_ENDPOINT=base)
    else:
        answer.update(AZURE_POD_IDENTITY_AUTHORITY_HOST=base)
    return answer
