#!/usr/bin/env python3
"""The QR code the helper draws on a terminal, back to its text.

  qr-terminal.py run STDERR_FILE -- ARGV...   runs ARGV with its stderr on a new pseudo-terminal
                                              (stdin /dev/null, stdout inherited) and saves what
                                              it wrote there; exits with ARGV's status
  qr-terminal.py decode STDERR_FILE PNG_FILE  renders the half-block lines found in it (black on
                                              white, SGR 30;107) to a PNG, 4 pixels a module, and
                                              prints what zbarimg reads from that image

Nothing is added around the drawing: the quiet zone is the helper's own."""
import os, pty, struct, subprocess, sys, zlib

START, END = "\x1b[30;107m", "\x1b[0m"
CELLS = {" ": (0, 0), "\u2580": (1, 0), "\u2584": (0, 1), "\u2588": (1, 1)}


def run(out, argv):
    master, slave = pty.openpty()
    child = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stderr=slave, start_new_session=True)
    os.close(slave)
    with open(out, "wb") as f:  # written as it comes, for a run that is cut short
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: every writer has closed the terminal
                break
            if not chunk:
                break
            f.write(chunk)
            f.flush()
    return child.wait()


def modules(text):
    """The module rows of the first drawing in text (1 = dark), or []."""
    rows = []
    for line in text.replace("\r", "").split("\n"):
        if START not in line:
            if rows:
                break
            continue
        cells = line.split(START, 1)[1].split(END, 1)[0]
        pairs = [CELLS[c] for c in cells]
        rows.append([p[0] for p in pairs])
        rows.append([p[1] for p in pairs])
    return rows


def png(rows, scale, path):
    width, height = len(rows[0]) * scale, len(rows) * scale
    raw = b""
    for row in rows:
        line = b"\x00" + bytes(0 if dark else 255 for dark in row for _ in range(scale))
        raw += line * scale
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def decode(stderr_file, png_file):
    with open(stderr_file, encoding="utf-8", errors="replace") as f:
        rows = modules(f.read())
    if not rows:
        print("no QR code drawn", file=sys.stderr)
        return 2
    png(rows, 4, png_file)
    result = subprocess.run(["zbarimg", "--raw", "-q", png_file], capture_output=True, text=True)
    sys.stdout.write(result.stdout)
    return result.returncode


if __name__ == "__main__":
    if len(sys.argv) > 4 and sys.argv[1] == "run" and sys.argv[3] == "--":
        sys.exit(run(sys.argv[2], sys.argv[4:]))
    if len(sys.argv) == 4 and sys.argv[1] == "decode":
        sys.exit(decode(sys.argv[2], sys.argv[3]))
    sys.exit(__doc__)
