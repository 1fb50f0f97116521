#!/usr/bin/env python3
"""The config-size benchmark, run by benchmarks/config.sh: each case is one command run with
a small and a large config file (ENTRA_CREDENTIAL_HELPER_CONFIG), interleaved; prints a
Markdown table with medians and the ratio large / small.

    config.py --runs N --small FILE --large FILE --case NAME 'CMD' STDIN_FILE [--case …]
"""
import argparse, os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import peak_rss, run_once, split_command  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--small", required=True)
    parser.add_argument("--large", required=True)
    parser.add_argument("--case", nargs=3, action="append", required=True, metavar=("NAME", "CMD", "STDIN"))
    args = parser.parse_args()
    rows = []
    for name, text, stdin_path in args.case:
        data = open(stdin_path, "rb").read()
        extra, argv = split_command(text)
        cmds = {size: ({**extra, "ENTRA_CREDENTIAL_HELPER_CONFIG": path}, argv)
                for size, path in (("small", args.small), ("large", args.large))}
        for _ in range(args.warmup):
            for command in cmds.values():
                run_once(command, data)
        samples = {"small": [], "large": []}
        for _ in range(args.runs):
            for size, command in cmds.items():
                samples[size].append(run_once(command, data))
        wall = {k: statistics.median(t for t, _ in v) for k, v in samples.items()}
        cpu = {k: statistics.median(c for _, c in v) for k, v in samples.items()}
        rss = {k: peak_rss(cmds[k], data) for k in cmds}
        rows.append((name, wall, cpu, rss))
    print(f"Median of {args.runs} interleaved runs each, after {args.warmup} warm-up runs.\n")
    print("| case | small config wall (ms) | large config wall (ms) | wall ratio | small CPU (ms) | large CPU (ms)"
          " | small peak RSS (MiB) | large peak RSS (MiB) | bar |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for name, wall, cpu, rss in rows:
        ratio = wall["large"] / wall["small"]
        print(f"| {name} | {wall['small']:.2f} | {wall['large']:.2f} | {ratio:.2f}x | {cpu['small']:.2f}"
              f" | {cpu['large']:.2f} | {rss['small'] / 1024:.1f} | {rss['large'] / 1024:.1f}"
              f" | {'met' if ratio <= 2 else 'MISSED'} (≤ 2x) |")


if __name__ == "__main__":
    main()
