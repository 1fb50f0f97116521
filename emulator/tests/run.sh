#!/usr/bin/env bash
# The emulator's own tests (Python unittest, stdlib only; certificates and signatures with the
# openssl CLI): each test class starts an emulator on a free 127.0.0.1 port.
# EMULATOR_SCRIPT=/path/to/another/entra-emulator.py runs them against another copy.
set -euo pipefail
cd "$(dirname "$0")"
exec python3 -m unittest discover -s . -p 'test_*.py' "$@"
