"""Fixtures: the real server binary (OPENALGO_BIN), set up with `openalgo setup` and served on
free ports with a fresh data directory — once per session (`server`) and once per test
(`fresh_server`, for runs that must start from the same empty account)."""

import contextlib
import os
import socket
import subprocess
import tempfile
import time

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_server():
    binary = os.environ["OPENALGO_BIN"]
    data = tempfile.mkdtemp(prefix="openalgo-py-pytest-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "OPENALGO_", "API_KEY_PEPPER", "DATABASE_URL", "BROKER"))}
    setup = subprocess.run(
        [binary, "--data-dir", data, "setup", "--username", "admin", "--password", "Secret#123"],
        check=True, capture_output=True, text=True, env=env,
    )
    key = setup.stdout.strip().splitlines()[-1]
    port, ws_port = _free_port(), _free_port()
    proc = subprocess.Popen(
        [binary, "--data-dir", data, "--port", str(port), "serve"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**env, "WEBSOCKET_PORT": str(ws_port)},
    )
    try:
        deadline = time.time() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                if time.time() > deadline:
                    raise RuntimeError("server did not start")
                time.sleep(0.1)
        yield {"host": f"http://127.0.0.1:{port}", "key": key, "ws": f"ws://127.0.0.1:{ws_port}", "ws_port": ws_port}
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server():
    with running_server() as info:
        yield info


@pytest.fixture
def fresh_server():
    with running_server() as info:
        yield info
