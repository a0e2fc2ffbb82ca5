"""Shared helpers of the system tests: real `mlc-emulator` and `ml-connector` processes on
loopback, driven over HTTP and the command line.

Every test owns a `world` (a temp dir plus the processes it started) and uses it as a
context manager, so processes are killed and the temp dir removed however the test ends
(set MLC_KEEP_TMP=1 to keep the dir for a post-mortem). Nothing here sleeps to wait for an
outcome: `wait_until` polls a condition until a deadline and fails with what it saw last.
Python standard library only.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request


class test_failure(Exception):
    pass


def fail(message):
    raise test_failure(message)


def check(condition, message):
    if not condition:
        fail(message)


def known_bug(ok, message):
    """An assertion that a known, reported product bug breaks. While the bug is there the test
    prints SKIPPED-BUG with the reason and goes on (main stays green); MLC_STRICT_BUGS=1 makes
    it fail instead. Once the bug is fixed the assertion holds and nothing is printed."""
    if ok:
        return
    if os.environ.get("MLC_STRICT_BUGS"):
        fail(f"known bug: {message}")
    print(f"SKIPPED-BUG: {message}", flush=True)


def log(message):
    print(message, flush=True)


def free_port():
    """A port that was free on 127.0.0.1 a moment ago (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what, probe, timeout, interval=0.1):
    """Polls `probe()` until it returns a truthy value (returned) or `timeout` seconds pass
    (then fails naming `what` and the last value or exception seen)."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            value = probe()
            if value:
                return value
            last = value
        except Exception as e:  # noqa: BLE001 - any failure of the probe means "not yet"
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            fail(f"timed out after {timeout:.0f}s waiting for {what}; last seen: {str(last)[:600]}")
        time.sleep(interval)  # polling interval, not a success criterion


class http_answer:
    def __init__(self, status, body, headers):
        self.status = status
        self.body = body
        self.headers = headers

    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return json.loads(self.body)


def http(method, url, body=None, headers=None, timeout=10):
    """One request; HTTP error statuses are answers, not exceptions. Connection errors raise."""
    data = None
    headers = dict(headers or {})
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as r:
            return http_answer(r.status, r.read(), dict(r.headers))
    except urllib.error.HTTPError as e:
        return http_answer(e.code, e.read(), dict(e.headers))


def get(url, **kw):
    return http("GET", url, **kw)


def post(url, body=None, **kw):
    return http("POST", url, body=body if body is not None else {}, **kw)


# ---- Prometheus text ---------------------------------------------------------------------

_sample = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\d+)?$')
_label = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """[(name, {label: value}, float)] of every sample line."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = _sample.match(line)
        if not m:
            fail(f"unparseable /metrics line: {line!r}")
        labels = dict(_label.findall(m.group(3) or ""))
        out.append((m.group(1), labels, float(m.group(4))))
    return out


def metric_values(text, name, **labels):
    return [v for n, l, v in parse_metrics(text) if n == name and all(l.get(k) == w for k, w in labels.items())]


def metric_sum(text, name, **labels):
    return sum(metric_values(text, name, **labels))


# ---- processes ---------------------------------------------------------------------------

def _die_with_parent():
    """In the child before exec: SIGKILL when the test process dies (a CTest timeout kills only
    the test), so no emulator, node or Prometheus outlives its test."""
    try:
        import ctypes
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class process:
    """A child process with stdout and stderr in files of the world's dir."""

    def __init__(self, name, argv, cwd, env=None, log_dir=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.out_path = os.path.join(log_dir or cwd, f"{name}.out")
        self.err_path = os.path.join(log_dir or cwd, f"{name}.err")
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.popen = subprocess.Popen(self.argv, cwd=cwd, env=full_env, stdout=self._out, stderr=self._err,
                                      stdin=subprocess.DEVNULL, preexec_fn=_die_with_parent)
        self.pid = self.popen.pid

    def stdout(self):
        with open(self.out_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def stderr(self):
        with open(self.err_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def output(self):
        return self.stdout() + self.stderr()

    def alive(self):
        return self.popen.poll() is None

    def signal(self, sig):
        if self.alive():
            self.popen.send_signal(sig)

    def wait(self, timeout):
        """Exit status, or fails if the process is still running after `timeout` seconds."""
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            fail(f"{self.name} (pid {self.pid}) still running {timeout}s after it was asked to stop")

    def kill(self):
        """Kills this process only (by pid), never by name."""
        if self.alive():
            self.popen.kill()
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._out.close()
        self._err.close()

    def tail(self, chars=3000):
        return f"--- {self.name} stdout ---\n{self.stdout()[-chars:]}\n--- {self.name} stderr ---\n{self.stderr()[-chars:]}"


class emulator:
    def __init__(self, proc, config_path):
        self.proc = proc
        self.config_path = config_path
        self.control = None

    def url(self, path):
        return self.control.rstrip("/") + path

    def state(self, tenant):
        r = get(self.url(f"/_emulator/state?tenant={tenant}"))
        check(r.status == 200, f"emulator state of {tenant}: HTTP {r.status} {r.text()}")
        return r.json()

    def jira_issues(self, tenant):
        return self.state(tenant)["jira"][tenant]["issues"]

    def faults(self, patch):
        r = post(self.url("/_emulator/faults"), patch)
        check(r.status == 200, f"POST /_emulator/faults {patch}: HTTP {r.status} {r.text()}")
        return r.json()

    def x3_write(self, tenant, what, record):
        r = post(self.url(f"/_emulator/x3/{tenant}/{what}"), record)
        check(r.status == 200, f"POST /_emulator/x3/{tenant}/{what}: HTTP {r.status} {r.text()}")
        return r.json()


class node:
    def __init__(self, proc, listen):
        self.proc = proc
        self.listen = listen
        self.base = f"http://{listen}"

    def url(self, path):
        return self.base + path

    def metrics(self):
        r = get(self.url("/metrics"))
        check(r.status == 200, f"/metrics answered {r.status}")
        return r.text()

    def wait_ready(self, timeout=30):
        def ready():
            if not self.proc.alive():
                fail(f"ml-connector exited with {self.proc.popen.returncode} before it was ready\n{self.proc.tail()}")
            return get(self.url("/readyz"), timeout=2).status == 200
        wait_until("ml-connector /readyz 200", ready, timeout)

    def wait_synced(self, minimum=1, timeout=45, **labels):
        """Waits until mlc_records_synced_total (summed over `labels`) reaches `minimum`."""
        def synced():
            if not self.proc.alive():
                fail(f"ml-connector exited with {self.proc.popen.returncode}\n{self.proc.tail()}")
            total = metric_sum(self.metrics(), "mlc_records_synced_total", **labels)
            return total >= minimum and total
        return wait_until(f"mlc_records_synced_total{labels or ''} >= {minimum}", synced, timeout)

    def stop(self, timeout=30):
        """SIGTERM, then the exit status (fails if it does not exit within `timeout`)."""
        self.proc.signal(signal.SIGTERM)
        return self.proc.wait(timeout)


class world:
    """Temp dir + binaries + every process started through it (killed on exit)."""

    def __init__(self, connector, emulator_binary, name):
        self.connector = os.path.abspath(connector)
        self.emulator_binary = os.path.abspath(emulator_binary)
        for b in (self.connector, self.emulator_binary):
            check(os.access(b, os.X_OK), f"not an executable: {b}")
        self.dir = tempfile.mkdtemp(prefix=f"mlc-{name}-")
        self.procs = []
        self._ok = False

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        for p in reversed(self.procs):
            p.kill()
        if kind is not None:
            for p in self.procs:
                print(p.tail(), file=sys.stderr)
        if os.environ.get("MLC_KEEP_TMP"):
            print(f"(kept {self.dir})", file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def spawn(self, name, argv, env=None, cwd=None):
        p = process(name, argv, cwd or self.dir, env=env, log_dir=self.dir)
        self.procs.append(p)
        return p

    def run(self, argv, env=None, timeout=60, input_text=None):
        """Runs a short command to completion: CompletedProcess with text stdout/stderr."""
        full_env = dict(os.environ)
        full_env.update(env or {})
        try:
            return subprocess.run([str(a) for a in argv], cwd=self.dir, env=full_env, capture_output=True, text=True,
                                  timeout=timeout, input=input_text, stdin=None if input_text else subprocess.DEVNULL)
        except subprocess.TimeoutExpired as e:
            fail(f"{argv[:3]} did not finish within {timeout}s: {e.stdout!r} {e.stderr!r}")

    def cli(self, *args, env=None, timeout=60):
        return self.run([self.connector, *args], env=env, timeout=timeout)

    # ---- emulator ------------------------------------------------------------------------

    def start_emulator(self, tenants=3, records=12, extra=(), name="emulator"):
        """Starts mlc-emulator with --write-config; returns it once its ready line is printed."""
        config_path = self.path("node.json")
        argv = [self.emulator_binary, "--tenants", tenants, "--seed", 7, "--records-per-tenant", records,
                "--control-listen", "127.0.0.1:0", "--write-config", config_path, "--search-lag-ms", 200, *extra]
        e = emulator(self.spawn(name, argv), config_path)

        def ready_line():
            if not e.proc.alive():
                fail(f"mlc-emulator exited with {e.proc.popen.returncode}\n{e.proc.tail()}")
            m = re.search(r"mlc-emulator ready control=(\S+)", e.proc.stdout())
            return m and m.group(1)
        e.control = wait_until("the emulator's ready line", ready_line, 30)
        check(os.path.exists(config_path), f"the emulator did not write {config_path}")
        return e

    # ---- node config ---------------------------------------------------------------------

    def load_config(self, path=None):
        with open(path or self.path("node.json")) as f:
            return json.load(f)

    def save_config(self, config, path=None):
        path = path or self.path("node.json")
        with open(path, "w") as f:
            json.dump(config, f, indent=1)
        return path

    def patch_config(self, path=None, listen=None, interval="2s", **top):
        """Short schedule, a free loopback listen address, data dir in the temp dir; `top`
        sets further top-level keys. Returns (config path, listen address)."""
        path = path or self.path("node.json")
        config = self.load_config(path)
        config["listen"] = listen or f"127.0.0.1:{free_port()}"
        config["data_dir"] = self.path("data")
        config["defaults"] = {"schedule": {"interval": interval}}
        config.update(top)
        self.save_config(config, path)
        return path, config["listen"]

    # ---- node ----------------------------------------------------------------------------

    def start_node(self, config_path=None, extra=(), env=None, name="node", wait_ready=True, log_level="info"):
        config_path = config_path or self.path("node.json")
        listen = self.load_config(config_path)["listen"]
        argv = [self.connector, "run", "--config", config_path, "--log-level", log_level, *extra]
        n = node(self.spawn(name, argv, env=env), listen)
        if wait_ready:
            n.wait_ready()
        return n


def main(test, argv):
    """Runs `test(connector, emulator)` and maps the outcome to an exit status for CTest."""
    if len(argv) < 3:
        print(f"usage: {argv[0]} ML_CONNECTOR MLC_EMULATOR", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        test(argv[1], argv[2])
    except test_failure as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    log(f"PASS ({time.monotonic() - started:.1f}s)")
    return 0
