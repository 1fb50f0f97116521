#!/usr/bin/env python3
"""Runs emulator/entra-emulator.py (same arguments) with TCP_NODELAY on its connections.

The emulator writes a response as two sends (headers, then body) and, over TLS 1.3, its
two session tickets as two more. With Nagle's algorithm on, each second small send waits
for the client's delayed ACK: about 40 ms added to every HTTPS answer, whoever the client
is (curl: 45 ms per request instead of 5). Real Entra answers do not carry that stall, so
the token benchmarks turn Nagle off (socketserver's own switch) rather than time it.
"""
import importlib.util, os

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator", "entra-emulator.py")
spec = importlib.util.spec_from_file_location("entra_emulator", path)
emulator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(emulator)
emulator.Handler.disable_nagle_algorithm = True  # StreamRequestHandler.setup sets TCP_NODELAY
emulator.main()
