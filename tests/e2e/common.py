"""Helpers shared by the end-to-end checks: run the real binary on a throwaway data dir."""
import json
import os
import subprocess
import sys
import tempfile


class Runner:
    def __init__(self, binary: str):
        self.binary = binary
        self.tmp = tempfile.TemporaryDirectory(prefix="agent-trace-e2e-")
        self.data_dir = os.path.join(self.tmp.name, "data")
        self.config_dir = os.path.join(self.tmp.name, "config")
        os.makedirs(self.config_dir, exist_ok=True)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = dict(os.environ, HOME=self.tmp.name, TZ="UTC")
        env.pop("CLAUDE_CONFIG_DIR", None)
        cmd = [self.binary, "--data-dir", self.data_dir, "--config-dir", self.config_dir, *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            fail(f"{' '.join(cmd)} exited {proc.returncode}\nstdout: {proc.stdout[-2000:]}\n"
                 f"stderr: {proc.stderr[-2000:]}")
        return proc

    def report(self, kind: str, *extra: str) -> dict:
        proc = self.run("report", kind, "--json", "--tz", "UTC", *extra)
        return json.loads(proc.stdout)

    def generate_corpus(self, generator: str, seed: int, sessions: int) -> str:
        """A small corpus from the transcript generator, inside this runner's temp dir."""
        corpus = os.path.join(self.tmp.name, "corpus")
        subprocess.run([sys.executable, generator, "--out", corpus, "--seed", str(seed),
                        "--sessions", str(sessions), "--jobs", "1"], check=True,
                       capture_output=True)
        return corpus

    def close(self):
        self.tmp.cleanup()


FAILURES = []


def check(condition: bool, message: str):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message)


def fail(message: str):
    print("FAIL:", message)
    sys.exit(1)


def finish(name: str):
    if FAILURES:
        print(f"{name}: {len(FAILURES)} failure(s)")
        sys.exit(1)
    print(f"{name}: all checks passed")
