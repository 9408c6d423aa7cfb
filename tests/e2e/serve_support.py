"""Start and stop a real `agent-trace serve` on free loopback ports for end-to-end tests."""
import contextlib
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

from common import check


class Server:
    """One `serve` process on port 0, with its own data dir; stopped by PID."""

    def __init__(self, binary: str, data_dir: str, home: str, *extra: str):
        self.binary = binary
        self.data_dir = data_dir
        self.home = home
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.grpc_port = None
        self.api_port = None
        self.dashboard_port = None
        self.log_path = os.path.join(os.path.dirname(data_dir.rstrip("/")) or ".",
                                     f"serve-{os.path.basename(data_dir)}.log")

    def start(self, timeout: float = 20.0):
        port_file = os.path.join(self.home, f"serve-{time.monotonic_ns()}.port")
        env = dict(os.environ, HOME=self.home, TZ="UTC")
        env.pop("CLAUDE_CONFIG_DIR", None)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--data-dir", self.data_dir, "serve", "--hooks-listen", "127.0.0.1:0",
             "--otlp-grpc-listen", "127.0.0.1:0", "--api-listen", "127.0.0.1:0",
             *self.dashboard_args(), "--port-file", port_file, *self.extra],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, env=env)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"serve exited {self.proc.returncode}: {self.log()}")
            try:
                with open(port_file) as f:
                    info = json.load(f)
                self.port = info["hooks"]
                self.grpc_port = info.get("otlp_grpc")
                self.api_port = info.get("api")
                self.dashboard_port = info.get("dashboard")
                return self
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)
        raise RuntimeError("serve did not write its port file in time: " + self.log())

    def dashboard_args(self):
        """Port 0 for the dashboard too (its default 3100 would be shared by every test),
        unless the test chose its own dashboard flags."""
        if any(a in ("--dashboard-listen", "--no-dashboard") for a in self.extra):
            return []
        return ["--dashboard-listen", "127.0.0.1:0"]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def health(self) -> dict:
        with urllib.request.urlopen(self.url + "/healthz", timeout=5) as r:
            return json.load(r)

    def post(self, body, content_type="application/json"):
        """POST /v1/hooks; returns (status, parsed JSON body or raw text)."""
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        req = urllib.request.Request(self.url + "/v1/hooks", data=data, method="POST",
                                     headers={"Content-Type": content_type})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                status, raw = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, raw = e.code, e.read()
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout: float = 15.0):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def kill9(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def wait_for(self, predicate, timeout: float = 20.0, interval: float = 0.1):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(interval)
        return predicate()


@contextlib.contextmanager
def serving(binary: str, prefix: str, *extra: str):
    """A started Server in a fresh temp dir (its own HOME and data dir); stopped and
    removed on exit. Yields (server, data_dir)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    server = None
    try:
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        data = os.path.join(tmp, "data")
        server = Server(binary, data, home, *extra).start()
        yield server, data
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def db_query(data_dir: str, sql: str, params=()):
    """Reads the real SQLite store (read-only, WAL-aware)."""
    path = os.path.join(data_dir, "agent-trace.db")
    if not os.path.exists(path):
        return []
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def hook_events(data_dir: str):
    """(hook_event_name, session_id, event_id hex) of every stored hook event."""
    rows = db_query(data_dir, "SELECT json_extract(attrs, '$.hook_event_name'), session_id, "
                              "lower(hex(event_id)) FROM events WHERE source = 'hook'")
    return rows


def run_harness_scenario(harness: str, scenario: str, outdir: str, label: str, **env) -> bool:
    """Runs the real Claude Code through harness/run-scenario.sh with `env` added to ours
    (a value of None removes that variable). False, with a failed check, if it failed."""
    full_env = dict(os.environ)
    for key, value in env.items():
        if value is None:
            full_env.pop(key, None)
        else:
            full_env[key] = value
    proc = subprocess.run(["bash", os.path.join(harness, "run-scenario.sh"),
                           os.path.join(harness, "scenarios", scenario + ".json"), outdir],
                          capture_output=True, text=True, env=full_env, timeout=300)
    if proc.returncode != 0:
        check(False, f"{label}: run-scenario.sh exited {proc.returncode}: {proc.stderr[-1500:]}")
        return False
    return True
