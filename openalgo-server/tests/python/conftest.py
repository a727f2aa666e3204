"""Runs the real `openalgo` server binary (from OPENALGO_BIN) on a free port with a fresh data
directory, creates the admin user with `openalgo setup` and hands the API key to the tests."""

import http.cookiejar
import os
import re
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(extra_env):
    """Sets up and starts a server with `extra_env`; yields its endpoints and stops it."""
    binary = os.environ["OPENALGO_BIN"]
    data = tempfile.mkdtemp(prefix="openalgo-pytest-")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "OPENALGO_", "API_KEY_PEPPER", "DATABASE_URL", "BROKER", "WS_"))}
    setup = subprocess.run(
        [binary, "--data-dir", data, "setup", "--username", "admin", "--password", "Secret#123"],
        check=True, capture_output=True, text=True, env=env,
    )
    key = setup.stdout.strip().splitlines()[-1]
    assert len(key) == 64
    port = _free_port()
    ws_port = _free_port()
    proc = subprocess.Popen(
        [binary, "--data-dir", data, "--port", str(port), "serve"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**env, "WEBSOCKET_PORT": str(ws_port), **extra_env},
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError("server did not start")
    yield {"host": f"http://127.0.0.1:{port}", "key": key, "ws": f"ws://127.0.0.1:{ws_port}"}
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def server():
    yield from _serve({})


@pytest.fixture(scope="module")
def stalling_server():
    """A server whose simulator ticks once a minute while the stall watchdog waits 1 s: between
    ticks it keeps sending `feed_status` stale/restored notices (each reconnect brings a tick)."""
    yield from _serve({"OPENALGO_SIMULATOR_TICK_MS": "60000", "WS_STALL_SECONDS": "1"})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _post(opener, url, fields):
    data = urllib.parse.urlencode(fields).encode()
    try:
        return opener.open(urllib.request.Request(url, data=data, method="POST"))
    except urllib.error.HTTPError as e:  # a 302 the opener does not follow
        return e


def broker_form_login(host, broker, fields):
    """Signs the admin in to the dashboard, then posts `fields` through the /broker page's
    credential form (with its CSRF token) to /{broker}/callback, as a browser does. Returns the
    callback's answer (a redirect)."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect)
    page = opener.open(f"{host}/auth/login").read().decode()
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = _post(opener, f"{host}/auth/login",
              {"csrf_token": csrf, "username": "admin", "password": "Secret#123"})
    assert r.status in (302, 303), r.status
    page = opener.open(f"{host}/broker").read().decode()
    for name in fields:
        assert f'name="{name}"' in page, f"the form has {name}"
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    return _post(opener, f"{host}/{broker}/callback", {"csrf_token": csrf, **fields})
