#!/usr/bin/env python3
"""The token benchmarks that talk to the emulator, run by benchmarks/tokens.sh (which
starts the emulator, signs both clients in and sets SSL_CERT_FILE / REQUESTS_CA_BUNDLE).
Prints two Markdown tables:

- silent refresh: our `get-token --force` against a fresh MSAL Python process doing
  acquire_token_silent(force_refresh=True), interleaved with a bare refresh grant sent to
  the emulator from this process (new TLS connection each time): the emulator's own
  answer time, which our wall time minus gives our local overhead;
- parallel refresh: 32 `get-token` started at once while the access-token cache misses
  (a scope nobody asked for yet, the same for all 32), against one such `get-token`
  alone and 32 that all find the cache (the floor: 32 process starts on this machine), in
  alternating rounds; the emulator's counters give the refresh grants.

    tokens.py --ours BIN --port P --ca PEM --client-id C --scope S --msal-cache F --runs N
"""
import argparse, base64, http.client, json, os, ssl, statistics, sys, tempfile, time
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import peak_rss, run_once  # noqa: E402

MSAL_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "msal_refresh.py")


class Emulator:
    """A client of the emulator over HTTPS, one new connection per request."""

    def __init__(self, port, ca):
        self.port, self.context = port, ssl.create_default_context(cafile=ca)

    def request(self, method, path, body=None, content_type="application/json"):
        connection = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context, timeout=30)
        try:
            headers = {"Content-Type": content_type} if body is not None else {}
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read())
        finally:
            connection.close()

    def control(self, name, args=None):
        status, body = self.request("POST" if args is not None else "GET", "/_control/" + name,
                                    None if args is None else json.dumps(args))
        if status != 200:
            sys.exit(f"tokens.py: emulator control {name}: {status} {body}")
        return body

    def form(self, path, fields):
        return self.request("POST", path, urlencode(fields), "application/x-www-form-urlencoded")


def jwt_claims(text):
    """The claims of a JWT, or None when the text is not one."""
    parts = text.strip().split(".")
    if len(parts) != 3:
        return None
    try:
        decode = lambda p: json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))
        header, claims = decode(parts[0]), decode(parts[1])
    except ValueError:
        return None
    return claims if isinstance(header, dict) and "alg" in header and isinstance(claims, dict) else None


def output_of(argv, env=None):
    """stdout of a command (stderr passed through); exits on failure."""
    import subprocess
    done = subprocess.run(argv, stdout=subprocess.PIPE, env=env, timeout=60)
    if done.returncode != 0:
        sys.exit(f"tokens.py: failed ({done.returncode}): {' '.join(argv)}")
    return done.stdout.decode()


def expect_token(text, audience, who):
    claims = jwt_claims(text)
    if claims is None or claims.get("aud") != audience:
        sys.exit(f"tokens.py: {who} did not print an access token for {audience}")


def requests_per_call(emulator, argv):
    """What one call asks of the emulator: (token requests, openid-configuration reads, refresh grants)."""
    emulator.control("reset-counters", {})
    output_of(argv)
    counters = emulator.control("counters")
    return counters["token"], counters["openid-configuration"], counters["grants"]["refresh_token"]


def direct_refresh(emulator, client_id, refresh_token, scope):
    """One refresh grant from this process on a new TLS connection: (ms, new refresh token)."""
    start = time.perf_counter()
    status, body = emulator.form("/organizations/oauth2/v2.0/token", {
        "client_id": client_id, "grant_type": "refresh_token", "refresh_token": refresh_token,
        "scope": f"{scope} offline_access openid profile"})
    elapsed = (time.perf_counter() - start) * 1000.0
    if status != 200 or "access_token" not in body:
        sys.exit(f"tokens.py: direct refresh grant failed: {status} {body.get('error')}")
    return elapsed, body["refresh_token"]


def direct_sign_in(emulator, client_id, scope):
    """A refresh token of our own, from a device-code sign-in the emulator approves by itself."""
    _, code = emulator.form("/organizations/oauth2/v2.0/devicecode",
                            {"client_id": client_id, "scope": f"{scope} offline_access openid profile"})
    for _ in range(50):
        status, body = emulator.form("/organizations/oauth2/v2.0/token", {
            "client_id": client_id, "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": code["device_code"]})
        if status == 200:
            return body["refresh_token"]
        time.sleep(0.2)
    sys.exit("tokens.py: device-code sign-in at the emulator did not finish")


def silent_refresh(args, emulator):
    ours = [args.ours, "get-token", "--profile", args.profile, "--force"]
    msal = ["/usr/bin/python3", MSAL_SCRIPT, "refresh", f"https://127.0.0.1:{args.port}/organizations",
            args.client_id, args.scope, args.msal_cache]
    audience = args.scope.rsplit("/", 1)[0]
    # Both answer before anything is timed, and what each asks of the emulator per call.
    expect_token(output_of(ours), audience, "get-token --force")
    expect_token(output_of(msal), audience, "MSAL")
    ours_requests, msal_requests = requests_per_call(emulator, ours), requests_per_call(emulator, msal)
    if ours_requests[2] != 1 or msal_requests[2] != 1:
        sys.exit(f"tokens.py: expected one refresh grant per call, got ours {ours_requests}, MSAL {msal_requests}")
    refresh_token = direct_sign_in(emulator, args.client_id, args.scope)

    commands = {"ours": ({}, ours), "msal": ({}, msal)}
    samples = {"ours": [], "msal": [], "emulator": []}
    for i in range(args.warmup + args.runs):
        for key, command in commands.items():
            measured = run_once(command, b"")
            if i >= args.warmup:
                samples[key].append(measured)
        elapsed, refresh_token = direct_refresh(emulator, args.client_id, refresh_token, args.scope)
        if i >= args.warmup:
            samples["emulator"].append(elapsed)
    wall = {k: statistics.median(t for t, _ in samples[k]) for k in commands}
    cpu = {k: statistics.median(c for _, c in samples[k]) for k in commands}
    rss = {k: peak_rss(commands[k], b"") for k in commands}
    answer = statistics.median(samples["emulator"])
    overhead = wall["ours"] - answer
    lines = [
        f"**Silent refresh** (`get-token --force` against MSAL Python {msal_version()}"
        f" `acquire_token_silent(force_refresh=True)` in a new `python3` process), median of {args.runs}"
        f" interleaved runs each after {args.warmup} warm-up runs. Emulator requests per call: ours"
        f" {ours_requests[0]} token request; MSAL {msal_requests[0]} token request + {msal_requests[1]}"
        " openid-configuration read. Bars: ours ≤ 20 ms over the emulator's answer time.",
        "",
        "| case | ours wall (ms) | MSAL wall (ms) | wall ratio | ours CPU (ms) | MSAL CPU (ms) |"
        " ours peak RSS (MiB) | MSAL peak RSS (MiB) | emulator answer (ms) | our local overhead (ms) | bar |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| refresh grant | {wall['ours']:.2f} | {wall['msal']:.2f} | {wall['ours'] / wall['msal']:.2f}x"
        f" | {cpu['ours']:.2f} | {cpu['msal']:.2f} | {rss['ours'] / 1024:.1f} | {rss['msal'] / 1024:.1f}"
        f" | {answer:.2f} | {overhead:.2f} | {'met' if overhead <= 20 else 'MISSED'} (≤ 20 ms) |",
    ]
    return "\n".join(lines)


def msal_version():
    return output_of(["/usr/bin/python3", "-c", "import msal; print(msal.__version__)"]).strip()


def spawn_to_file(argv, path):
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_OPEN, 1, path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)]
    return os.posix_spawn(argv[0], argv, dict(os.environ), file_actions=actions)


def parallel_round(args, emulator, scope, count, work):
    """count `get-token` with a scope not cached yet, started at once: (wall ms, CPU ms of all,
    refresh grants, distinct tokens)."""
    argv = [args.ours, "get-token", "--profile", args.profile, "--scope", scope]
    emulator.control("reset-counters", {})
    paths = [os.path.join(work, f"out.{i}") for i in range(count)]
    start = time.perf_counter()
    pids = [spawn_to_file(argv, path) for path in paths]
    cpu, failed = 0.0, 0
    for pid in pids:
        _, status, usage = os.wait4(pid, 0)
        cpu += (usage.ru_utime + usage.ru_stime) * 1000.0
        failed += os.waitstatus_to_exitcode(status) != 0
    wall = (time.perf_counter() - start) * 1000.0
    grants = emulator.control("counters")["grants"]["refresh_token"]
    if failed:
        sys.exit(f"tokens.py: {failed} of {count} parallel get-token failed")
    tokens = set()
    for path in paths:
        with open(path) as handle:
            text = handle.read()
        expect_token(text, scope.rsplit("/", 1)[0], "parallel get-token")
        tokens.add(text)
    return wall, cpu, grants, len(tokens)


def parallel_refresh(args, emulator):
    work = tempfile.mkdtemp(prefix="ech-parallel.")
    singles, rounds, floors = [], [], []
    try:
        for n in range(1 + args.rounds):  # round 0 warms up (and fills the cache for the profile's scope)
            single, _, grants_single, _ = parallel_round(args, emulator, f"api://bench-{n}-one/.default", 1, work)
            result = parallel_round(args, emulator, f"api://bench-{n}-all/.default", args.parallel, work)
            # The floor: as many gets at once that all find the cache (the profile's scope).
            floor = parallel_round(args, emulator, args.scope, args.parallel, work)
            if grants_single != 1:
                sys.exit(f"tokens.py: a single cache-missing get-token made {grants_single} refresh grants")
            if n and floor[2] != 0:
                sys.exit(f"tokens.py: {args.parallel} cached get-token made {floor[2]} refresh grants")
            if n:
                singles.append(single)
                rounds.append(result)
                floors.append(floor[0])
    finally:
        for name in os.listdir(work):
            os.unlink(os.path.join(work, name))
        os.rmdir(work)
    single = statistics.median(singles)
    wall = statistics.median(r[0] for r in rounds)
    cpu = statistics.median(r[1] for r in rounds)
    grants = sorted({r[2] for r in rounds})
    distinct = sorted({r[3] for r in rounds})
    ratio = wall / single
    floor = statistics.median(floors)
    lines = [
        f"**{args.parallel} parallel gets, access token not cached** (a new scope each round, the same for all"
        f" {args.parallel}; the refresh token serves it), median of {args.rounds} rounds after 1 warm-up round,"
        f" each round also timing one such `get-token` alone and, for scale, {args.parallel} at once that all"
        f" find the cache. Bars: one refresh grant per round; total wall ≤ 1.5x the single get's.",
        "",
        "| case | one get, cache miss (ms) | all done (ms) | wall ratio | CPU of all (ms) |"
        f" {args.parallel} cached gets at once (ms) | refresh grants per round | distinct tokens per round | bar |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
        f"| {args.parallel} × `get-token` | {single:.2f} | {wall:.2f} | {ratio:.2f}x | {cpu:.1f} | {floor:.2f}"
        f" | {'/'.join(map(str, grants))} | {'/'.join(map(str, distinct))}"
        f" | {'met' if ratio <= 1.5 and grants == [1] else 'MISSED'} (≤ 1.5x, 1 grant) |",
    ]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    for name in ("ours", "ca", "client-id", "scope", "msal-cache"):
        parser.add_argument("--" + name, required=True)
    parser.add_argument("--profile", default="bench")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--parallel", type=int, default=32)
    parser.add_argument("--only", choices=("refresh", "parallel"))
    args = parser.parse_args()
    emulator = Emulator(args.port, args.ca)
    parts = []
    if args.only in (None, "refresh"):
        parts.append(silent_refresh(args, emulator))
    if args.only in (None, "parallel"):
        parts.append(parallel_refresh(args, emulator))
    print("\n\n".join(parts))


if __name__ == "__main__":
    main()
