#!/usr/bin/env python3
"""Drives the paste flow through a real pseudo-terminal, as a person over SSH would.

paste-terminal.py MODE STDIN STDOUT TRANSCRIPT -- COMMAND...

COMMAND runs in a new session whose controlling terminal (and stderr) is a pty; its stdin
is the file STDIN and its stdout goes to STDOUT (the protocol never touches the terminal).
Once it prints the authorize URL, real headless Chromium signs in at it, with `localhost`
made unresolvable (--host-resolver-rules), so its redirect to the loopback listener fails
as on the person's own machine; Chromium's net log gives the address it was sent to.
MODE picks what is typed into the terminal then:
  paste        that address                       deny   the address of a denied sign-in (&deny=1)
  wrong-state  that address with another state     garbage  a line that is no address
  listener     nothing: Chromium reaches the listener itself (a forwarded port)
  background   nothing, and no Chromium: COMMAND is run as a background job (bash -m)
Prints {"status": N, "typed": bool} on stdout; the terminal's output goes to TRANSCRIPT."""
import json, os, pty, re, select, subprocess, sys, tempfile, time

mode, stdin_path, stdout_path, transcript_path = sys.argv[1:5]
command = sys.argv[sys.argv.index("--") + 1:]
if mode == "background":
    command = ["bash", "-m", "-c", '"$0" "$@" & wait $!'] + command
deadline = time.monotonic() + 150

pid, fd = pty.fork()
if pid == 0:
    os.dup2(os.open(stdin_path, os.O_RDONLY), 0)
    os.dup2(os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 1)
    os.execvp(command[0], command)

seen = b""
status = None


def pump(until):
    """Reads the terminal until `until(seen)` holds or the child exits."""
    global seen, status
    while time.monotonic() < deadline and not until(seen):
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                break
            seen += chunk
        elif status is None:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = os.waitstatus_to_exitcode(code)
                break


def sent_to(url, resolvable):
    """The last address headless Chromium was sent to for `url`, from its net log."""
    with tempfile.TemporaryDirectory() as profile:
        log = os.path.join(profile, "net.json")
        rules = [] if resolvable else ["--host-resolver-rules=MAP localhost ~NOTFOUND"]
        subprocess.run(["timeout", "60", "chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--no-first-run", f"--user-data-dir={profile}",
                        f"--log-net-log={log}", *rules, "--dump-dom", url],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        with open(log) as f:
            net = json.load(f)
    start = net["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = [e["params"]["url"] for e in net["events"] if e["type"] == start and "url" in e.get("params", {})]
    return urls[-1] if urls else ""


pump(lambda text: re.search(rb"https?://\S+/oauth2/v2\.0/authorize\?\S+", text) and b"press Enter" in text)
found = re.search(rb"https?://\S+/oauth2/v2\.0/authorize\?\S+", seen)
typed = False
if found and status is None and mode != "background":
    url = found.group(0).decode()
    address = sent_to(url + ("&deny=1" if mode == "deny" else ""), resolvable=(mode == "listener"))
    line = {"paste": address, "deny": address, "garbage": "I signed in, what now?",
            "wrong-state": re.sub(r"state=[^&]*", "state=from-an-older-sign-in", address)}.get(mode)
    if line is not None:
        os.write(fd, line.encode() + b"\r")
        typed = True
pump(lambda text: False)
if status is None:
    try:
        os.kill(pid, 9) if time.monotonic() >= deadline else None
    except ProcessLookupError:
        pass
    status = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
with open(transcript_path, "wb") as f:
    f.write(seen)
print(json.dumps({"status": status, "typed": typed}))
