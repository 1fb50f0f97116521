#!/usr/bin/env python3
"""Side-by-side timing of credential-helper commands.

Each case is a pair (ours, peer) fed the same stdin. Runs are interleaved (ours, peer,
ours, peer, …) so that both see the same machine state; each process is started with
posix_spawn (no copy of this interpreter's memory) and reaped with wait4, which gives
its own peak RSS. Prints a Markdown table with medians and ratios.

    bench.py --runs 30 --case NAME 'OUR CMD' 'PEER CMD' STDIN_FILE[,PEER_STDIN_FILE] [--case …]

(Two stdin files when the two speak different protocols: docker's get vs git's.)
"""
import argparse, os, shlex, statistics, sys, time


def split_command(text):
    """'VAR=value … program args' → (extra environment, argv)."""
    words = shlex.split(text)
    env = {}
    while words and "=" in words[0] and not words[0].startswith("/"):
        key, value = words.pop(0).split("=", 1)
        env[key] = value
    return env, words


def feed(fd, data):
    """Writes the request and closes the pipe; a command that never reads its stdin
    (`get-token`) may have exited already, which is not an error."""
    try:
        os.write(fd, data)
    except BrokenPipeError:
        pass
    os.close(fd)


def run_once(command, stdin_bytes):
    extra, argv = command
    r, w = os.pipe()
    devnull = os.open(os.devnull, os.O_WRONLY)
    actions = [(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
               (os.POSIX_SPAWN_CLOSE, w)]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, {**os.environ, **extra}, file_actions=actions)
    os.close(r)
    feed(w, stdin_bytes)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - start
    os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"benchmark command failed ({status}): {' '.join(argv)}")
    return elapsed * 1000.0, (usage.ru_utime + usage.ru_stime) * 1000.0


def peak_rss(command, stdin_bytes, runs=5):
    """Peak RSS in KiB, the largest of a few runs under GNU time. (wait4's ru_maxrss
    is no use here: after posix_spawn the child's figure includes this interpreter's.)"""
    extra, argv = command
    best = 0
    for _ in range(runs):
        r, w = os.pipe()
        out = os.pipe()
        devnull = os.open(os.devnull, os.O_WRONLY)
        actions = [(os.POSIX_SPAWN_DUP2, r, 0), (os.POSIX_SPAWN_DUP2, devnull, 1),
                   (os.POSIX_SPAWN_DUP2, out[1], 2), (os.POSIX_SPAWN_CLOSE, w)]
        pid = os.posix_spawnp("/usr/bin/time", ["/usr/bin/time", "-f", "%M"] + argv,
                              {**os.environ, **extra}, file_actions=actions)
        os.close(r); os.close(out[1]); os.close(devnull)
        feed(w, stdin_bytes)
        text = b""
        while chunk := os.read(out[0], 4096):
            text += chunk
        os.close(out[0])
        os.waitpid(pid, 0)
        best = max(best, int(text.split()[-1]))
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--case", nargs=4, action="append", required=True,
                        metavar=("NAME", "OURS", "PEER", "STDIN"))
    args = parser.parse_args()
    rows = []
    for name, ours, peer, stdin_path in args.case:
        paths = stdin_path.split(",")
        data = {"ours": open(paths[0], "rb").read(), "peer": open(paths[-1], "rb").read()}
        cmds = {"ours": split_command(ours), "peer": split_command(peer)}
        for _ in range(args.warmup):
            for key, command in cmds.items():
                run_once(command, data[key])
        samples = {"ours": [], "peer": []}
        for _ in range(args.runs):
            for key, command in cmds.items():
                samples[key].append(run_once(command, data[key]))
        med = {k: statistics.median(t for t, _ in v) for k, v in samples.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in samples.items()}
        rss = {k: peak_rss(cmds[k], data[k]) for k in cmds}
        rows.append((name, med["ours"], med["peer"], cpu["ours"], cpu["peer"], rss["ours"], rss["peer"],
                     os.path.basename(cmds["peer"][1][0])))
    print(f"Median of {args.runs} interleaved runs each, after {args.warmup} warm-up runs.\n")
    print("| case | ours wall (ms) | peer wall (ms) | wall ratio | ours CPU (ms) | peer CPU (ms) | ours peak RSS (MiB) | peer peak RSS (MiB) | RSS ratio | peer |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, mo, mp, co, cp, ro, rp, peer in rows:
        print(f"| {name} | {mo:.2f} | {mp:.2f} | {mo / mp:.2f}x | {co:.2f} | {cp:.2f} | {ro / 1024:.1f} | {rp / 1024:.1f} | {ro / rp:.2f}x | {peer} |")


if __name__ == "__main__":
    main()
