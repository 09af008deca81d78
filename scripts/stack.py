"""Start, watch and stop the three processes: backend, action server, Rasa server.

Used by scripts/start (foreground, Ctrl-C stops all) and by the end-to-end tests.
Ports and URLs come from the RSA_* environment variables set by scripts/lib.sh.
"""
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Stack:
    def __init__(self, env=None, log_dir=None, model=None, **ports):
        """`ports`: api=, actions=, rasa= override RSA_API_PORT etc.; the URLs the processes
        use to reach each other are derived from the ports here and nowhere else. `model`: the
        Rasa model to load (a benchmark's baseline). Without one, Rasa loads the model an admin
        activated in the console (the file named in RSA_VAR_DIR/models/ACTIVE) when that choice
        was made after scripts/start last trained models/current.tar.gz, else current.tar.gz:
        an activation lasts until a newer training by scripts/start."""
        self.env = dict(os.environ if env is None else env)
        for key, value in ports.items():
            self.env[f"RSA_{key.upper()}_PORT"] = str(value)
        self.env.setdefault("PYTHONPATH", str(ROOT))
        self.env["RASA_TELEMETRY_ENABLED"] = "false"  # no reports to the internet
        # Rasa's HTTP API (for handing conversations back from staff) listens on loopback only,
        # behind a token shared with the backend.
        self.env.setdefault("RSA_RASA_TOKEN", secrets.token_urlsafe(24))
        # The secret the three processes show each other (actions → backend, Rasa → actions,
        # backend → Rasa's h5 webhook); a fresh one per start unless given.
        self.env.setdefault("RSA_SERVICE_TOKEN", secrets.token_urlsafe(24))
        # rasa_sdk binds to SANIC_HOST, 0.0.0.0 by default: loopback unless told otherwise.
        self.env.setdefault("SANIC_HOST", "127.0.0.1")
        # Sanic (Rasa's server) takes bodies up to 100 MB by default; a resident's message is tiny.
        # The action server sets its own cap (actions/server.py).
        self.env.setdefault("SANIC_REQUEST_MAX_SIZE", str(1024 * 1024))
        var = Path(self.env.setdefault("RSA_VAR_DIR", str(ROOT / "var")))
        self._model, self._var = (Path(model) if model else None), var
        self.env.setdefault("RSA_TRACKER_DIALECT", "sqlite")
        self.env.setdefault("RSA_TRACKER_DB", str(var / "tracker.db"))
        self.api_port = self.env.setdefault("RSA_API_PORT", "8000")
        self.actions_port = self.env.setdefault("RSA_ACTIONS_PORT", "5055")
        self.rasa_port = self.env.setdefault("RSA_RASA_PORT", "5005")
        self.api_url = self.env["RSA_BACKEND_URL"] = f"http://127.0.0.1:{self.api_port}"
        self.env["RSA_ACTION_URL"] = f"http://127.0.0.1:{self.actions_port}/webhook"
        self.rasa_url = self.env["RSA_RASA_URL"] = f"http://127.0.0.1:{self.rasa_port}"
        self.log_dir = Path(log_dir or var / "logs")
        self.procs = {}

    @property
    def model(self) -> Path:
        """Read at each (re)start of Rasa: an activation since the stack started counts."""
        return self._model or served_model(self._var)

    def commands(self):
        api, act, rasa = self.api_port, self.actions_port, self.rasa_port
        return {
            "backend": ([str(BIN / "python"), "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", api,
                         "--log-level", "warning"], f"http://127.0.0.1:{api}/healthz"),
            # rasa_sdk behind the service token (python -m rasa_sdk would answer anyone).
            "actions": ([str(BIN / "python"), "-m", "actions.server", "--actions", "actions", "--port", act],
                        f"http://127.0.0.1:{act}/health"),
            "rasa": ([str(BIN / "rasa"), "run", "--model", str(self.model),
                      "--credentials", "bot/credentials.yml", "--endpoints", "bot/endpoints.yml",
                      "--interface", "127.0.0.1", "--port", rasa, "--enable-api",
                      # one argument: a token may start with "-", which argparse would read as an option
                      f"--auth-token={self.env['RSA_RASA_TOKEN']}"],
                     f"http://127.0.0.1:{rasa}/webhooks/h5/"),
        }

    def start(self, timeout=240):
        self.log_dir.mkdir(parents=True, exist_ok=True)
        busy = [p for p in (self.api_port, self.actions_port, self.rasa_port) if _in_use(int(p))]
        if busy:
            raise RuntimeError(f"port(s) {', '.join(busy)} already in use: is the assistant already running? "
                               "Stop it, or choose other ports with RSA_API_PORT / RSA_ACTIONS_PORT / RSA_RASA_PORT.")
        cmds = self.commands()
        for name, (cmd, _) in cmds.items():
            log = open(self.log_dir / f"{name}.log", "ab")
            self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                                start_new_session=True)
        deadline = time.time() + timeout
        for name, (_, url) in cmds.items():
            while not _ok(url):
                if self.procs[name].poll() is not None:
                    self.stop()
                    raise RuntimeError(f"{name} exited during start-up; see {self.log_dir / (name + '.log')}")
                if time.time() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} not ready after {timeout}s; see {self.log_dir / (name + '.log')}")
                time.sleep(0.5)
        return self

    def kill(self, name):
        """Kill one process outright (SIGKILL to its group), as a crash would: for fault tests."""
        p = self.procs[name]
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(timeout=15)

    def restart(self, name, timeout=240):
        """Start one process again (after `kill`); returns once it answers."""
        cmd, url = self.commands()[name]
        log = open(self.log_dir / f"{name}.log", "ab")
        self.procs[name] = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.time() + timeout
        while not _ok(url):
            if self.procs[name].poll() is not None or time.time() > deadline:
                raise RuntimeError(f"{name} did not come back; see {self.log_dir / (name + '.log')}")
            time.sleep(0.5)

    def stop(self):
        for p in self.procs.values():
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.procs = {}

    def wait(self):
        """Block until one process dies, Ctrl-C or SIGTERM; then stop the others."""
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            while all(p.poll() is None for p in self.procs.values()):
                time.sleep(1)
            dead = [n for n, p in self.procs.items() if p.poll() is not None]
            print(f"stopped: {', '.join(dead)} exited; logs in {self.log_dir}", file=sys.stderr)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


def served_model(var: Path) -> Path:
    """The admin's activated model if chosen after current.tar.gz was trained (api/admin/registry.py
    keeps the same rule), else models/current.tar.gz."""
    current, pointer = ROOT / "models" / "current.tar.gz", var / "models" / "ACTIVE"
    if pointer.is_file():
        chosen = var / "models" / pointer.read_text(encoding="utf-8").strip()
        if chosen.is_file() and (not current.exists() or pointer.stat().st_mtime > current.stat().st_mtime):
            return chosen
    return current


def _in_use(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except Exception:
        return False


if __name__ == "__main__":
    from shared.settings import get_settings
    get_settings()  # a wrong RSA_* variable stops here, named, before anything starts
    try:
        stack = Stack().start()
    except RuntimeError as e:
        sys.exit(f"error: {e}")
    print(f"\n  The assistant is running.  Chat page: {stack.api_url}/\n  (Ctrl-C stops it; logs in {stack.log_dir})\n", flush=True)
    stack.wait()
