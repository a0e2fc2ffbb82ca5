"""The pieces every harness run uses: the mlc-emulator and ml-connector processes, the
emulator's control API, the node's /metrics, and convergence checks through mlc-compare
(the C++ rules of tests/support/convergence.cpp, not a Python copy of them).

Python standard library only. Children get PR_SET_PDEATHSIG so they die with the harness
even when CTest kills it on a timeout.
"""

import argparse
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


class deadline_passed(RuntimeError):
    pass


# ---------------------------------------------------------------- binaries and arguments


class binaries:
    """Where ml-connector, mlc-emulator and mlc-compare are: a build directory, or each explicitly."""

    def __init__(self, build=None, connector=None, emulator=None, compare=None):
        def pick(explicit, relative):
            if explicit:
                return os.path.abspath(explicit)
            if not build:
                raise SystemExit("give --build DIR (a CMake build directory) or the path of every binary")
            return os.path.join(os.path.abspath(build), relative)

        self.connector = pick(connector, "engine/ml-connector")
        self.emulator = pick(emulator, "tests/emulators/mlc-emulator")
        self.compare = pick(compare, "tests/harness/mlc-compare")
        for path in (self.connector, self.emulator, self.compare):
            if not os.access(path, os.X_OK):
                raise SystemExit(f"{path} is not an executable; build the targets ml-connector, mlc-emulator "
                                 f"and mlc-compare first (cmake --build DIR --target ...)")


def _existing_file(path):
    if not os.path.isfile(path):
        raise argparse.ArgumentTypeError(f"{path}: no such file")
    return os.path.abspath(path)


def add_common_arguments(parser):
    parser.add_argument("--build", help="CMake build directory holding the three binaries")
    parser.add_argument("--connector", help="path of ml-connector (overrides --build)")
    parser.add_argument("--emulator", help="path of mlc-emulator (overrides --build)")
    parser.add_argument("--compare", help="path of mlc-compare (overrides --build)")
    parser.add_argument("--work", help="working directory (default: a new one under /tmp, removed on success)")
    parser.add_argument("--keep", action="store_true", help="keep the working directory even on success")
    parser.add_argument("--seed", type=int, help="random seed (default: picked and printed)")
    parser.add_argument("--tls", action="store_true", help="the emulator serves the tenants' X3 and Jira over HTTPS "
                        "(tests/net/data/localhost.pem; the connector's tls_verify is off, as that certificate "
                        "names none of the tenants' addresses)")
    parser.add_argument("--preload", type=_existing_file, help="LD_PRELOAD for the connector only (not the emulator), e.g. "
                        "/usr/lib/x86_64-linux-gnu/libmimalloc.so.2 to run it with another malloc")


class workdir:
    def __init__(self, path, keep):
        self.created = path is None
        self.path = path or tempfile.mkdtemp(prefix="mlc-harness.")
        os.makedirs(self.path, exist_ok=True)
        if os.listdir(self.path):
            # A kept directory holds its run's RocksDB: a connector started on it believes
            # that run's records are in Jira, creates nothing, and the run waits for creates.
            raise SystemExit(f"--work {self.path} is not empty (a kept run's data?); "
                             f"remove it or pass another directory")
        self.keep = keep

    def file(self, name):
        return os.path.join(self.path, name)

    def finish(self, ok):
        if ok and self.created and not self.keep:
            shutil.rmtree(self.path, ignore_errors=True)
        else:
            log(f"logs and data kept in {self.path}")


# ---------------------------------------------------------------- HTTP


def http(method, url, body=None, timeout=60.0, raw=False):
    data = None
    headers = {}
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = response.read()
    except urllib.error.HTTPError as e:
        detail = e.read()[:300].decode(errors="replace")
        raise RuntimeError(f"{method} {url} answered {e.code}: {detail}") from None
    return payload if raw else json.loads(payload)


# ---------------------------------------------------------------- processes


def proc_cpu_split(pid):
    """(utime, stime) of one process in seconds (children not included), from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    fields = text[text.rindex(")") + 2:].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def thread_cpu_seconds(pid):
    """utime + stime per thread name (threads of one name summed); the process's first thread,
    which runs the connector's io_context, is "io". Threads that ended are not counted."""
    ticks = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                text = f.read()
        except OSError:
            continue  # ended meanwhile
        name = "io" if tid == str(pid) else text[text.index("(") + 1:text.rindex(")")]
        fields = text[text.rindex(")") + 2:].split()
        out[name] = out.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / ticks
    return out


def proc_cpu_seconds(pid):
    """utime + stime of one process (children not included)."""
    return sum(proc_cpu_split(pid))


def proc_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port():
    """A loopback port nobody listens on right now (bind 0, release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_line(path, pattern, deadline, proc=None):
    """Polls a log file until a line matches `pattern`; returns the match. Fails when the
    process ends first or the deadline passes."""
    regex = re.compile(pattern)
    while True:
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                for line in f:
                    m = regex.search(line)
                    if m:
                        return m
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before printing /{pattern}/; see {path}")
        if time.monotonic() > deadline:
            raise deadline_passed(f"no line matching /{pattern}/ in {path} in time")
        time.sleep(0.02)


class emulator:
    """mlc-emulator on loopback: picked ports, the control API, faults and state."""

    def __init__(self, bins, work, tenants, records, seed, search_lag_ms, extra=(), tls=False):
        self.work = work
        if tls:
            certs = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "net", "data")
            extra = (*extra, "--tls-cert", os.path.join(certs, "localhost.pem"),
                     "--tls-key", os.path.join(certs, "localhost.key"))
        self.log_path = work.file("emulator.log")
        self.config_path = work.file("node.json")
        args = [bins.emulator, "--tenants", str(tenants), "--records-per-tenant", str(records), "--seed", str(seed),
                "--search-lag-ms", str(search_lag_ms), "--control-listen", "127.0.0.1:0",
                "--write-config", self.config_path, *extra]
        self.args = args
        out = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        out.close()
        m = wait_for_line(self.log_path, r"mlc-emulator ready control=(\S+) tenants=(\d+) port=(\d+)",
                          time.monotonic() + 120, self.proc)
        self.control = m.group(1)
        self.port = int(m.group(3))
        self.tenant_ids = [t["id"] for t in self.get("/_emulator/tenants")]

    def get(self, path, timeout=120.0):
        return http("GET", self.control + path, timeout=timeout)

    def post(self, path, body, timeout=60.0):
        return http("POST", self.control + path, body, timeout=timeout)

    def state_bytes(self, tenant=None):
        path = "/_emulator/state" + (f"?tenant={tenant}" if tenant else "")
        return http("GET", self.control + path, timeout=300.0, raw=True)

    def state(self, tenant=None):
        return json.loads(self.state_bytes(tenant))

    def counters(self):
        return self.get("/_emulator/counters")

    def faults(self, patch):
        return self.post("/_emulator/faults", patch)

    def cpu_seconds(self):
        return proc_cpu_seconds(self.proc.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def patch_config(path, data_dir, interval="2s", jitter=0.2, extra_defaults=None):
    """Turns the emulator's node config into the harness's: a short schedule, its own data dir."""
    with open(path) as f:
        cfg = json.load(f)
    defaults = {"schedule": {"interval": interval, "jitter": jitter}}
    if extra_defaults:
        defaults.update(extra_defaults)
    cfg["defaults"] = defaults
    cfg["data_dir"] = data_dir
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)
    return cfg


def patch_node(path, settings):
    """Sets node-level keys ("limits", "search_window") of a node config."""
    with open(path) as f:
        cfg = json.load(f)
    cfg.update(settings)
    with open(path, "w") as f:
        json.dump(cfg, f, indent=1)


class connector:
    """The real ml-connector binary: setup, run (restartable), kill, stop, metrics, CPU and RSS."""

    def __init__(self, bins, work, config_path, log_level="info", preload=None):
        self.bins = bins
        self.work = work
        self.config_path = config_path
        self.log_level = log_level
        self.env = dict(os.environ)
        # A master key so OAuth tenants can store their rotated refresh tokens sealed.
        self.env["MLC_MASTER_KEY"] = "k1:" + secrets.token_hex(32)
        if preload:  # another malloc (or any library) for this process only, not the emulator's
            self.env["LD_PRELOAD"] = preload
        self.proc = None
        self.starts = 0
        self.address = None
        self.logs = []

    def setup(self, timeout=600):
        out = self.work.file("setup.log")
        with open(out, "w") as f:
            r = subprocess.run([self.bins.connector, "setup", "--config", self.config_path, "--log-level", "warn"],
                               stdout=f, stderr=subprocess.STDOUT, env=self.env, timeout=timeout,
                               preexec_fn=_die_with_parent)
        if r.returncode != 0:
            raise RuntimeError(f"ml-connector setup failed with {r.returncode}; see {out}")

    def start(self):
        assert self.proc is None or self.proc.poll() is not None
        self.starts += 1
        path = self.work.file(f"node-{self.starts}.log")
        self.logs.append(path)
        out = open(path, "w")
        self.address = f"127.0.0.1:{free_port()}"
        self.proc = subprocess.Popen(
            [self.bins.connector, "run", "--config", self.config_path, "--listen", self.address,
             "--log-level", self.log_level],
            stdout=out, stderr=subprocess.STDOUT, env=self.env, preexec_fn=_die_with_parent)
        out.close()
        return self.proc.pid

    def wait_ready(self, timeout=120):
        """Polls /healthz until the node answers (it serves once the store is open and tenants start)."""
        end = time.monotonic() + timeout
        while True:
            if not self.running():
                raise RuntimeError(f"ml-connector exited with {self.proc.returncode} before it was ready; "
                                   f"see {self.logs[-1]}")
            try:
                http("GET", f"http://{self.address}/healthz", timeout=5, raw=True)
                return self.address
            except (OSError, RuntimeError):
                pass
            if time.monotonic() > end:
                raise deadline_passed(f"ml-connector did not answer /healthz on {self.address} in {timeout} s")
            time.sleep(0.02)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL: no drain, no clean RocksDB close."""
        if self.running():
            self.proc.send_signal(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait()

    def stop(self, timeout=30):
        if not self.running():
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log("ml-connector did not stop within", timeout, "s of SIGTERM; killing it")
            self.proc.kill()
            self.proc.wait()
            return None

    def metrics_text(self):
        return http("GET", f"http://{self.address}/metrics", timeout=30, raw=True).decode()

    def cpu_seconds(self):
        return proc_cpu_seconds(self.proc.pid)

    def rss_kib(self):
        return proc_rss_kib(self.proc.pid)

    def count_log_events(self, event):
        """How many log lines of every run so far carry "event":"<event>"."""
        needle = f'"event":"{event}"'
        n = 0
        for path in self.logs:
            with open(path, errors="replace") as f:
                n += sum(1 for line in f if needle in line)
        return n

    def log_lines(self, pattern):
        regex = re.compile(pattern)
        out = []
        for path in self.logs:
            with open(path, errors="replace") as f:
                out.extend(line.rstrip() for line in f if regex.search(line))
        return out


def metric_sum(text, name, **labels):
    """Sum of the samples of `name` whose labels include `labels` (Prometheus text format)."""
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name):
            continue
        rest = line[len(name):]
        if rest and rest[0] not in "{ ":
            continue
        if labels:
            if not rest.startswith("{"):
                continue
            label_text = rest[1:rest.index("}")]
            if any(f'{k}="{v}"' not in label_text for k, v in labels.items()):
                continue
        total += float(line.rsplit(" ", 1)[1])
    return total


# ---------------------------------------------------------------- convergence


def compare(bins, state_bytes):
    """Runs mlc-compare on one state document; returns its JSON verdict."""
    r = subprocess.run([bins.compare, "--json"], input=state_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode not in (0, 1):
        raise RuntimeError(f"mlc-compare failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return json.loads(r.stdout)


def _add(total, one):
    for k in ("duplicates", "missing", "stale", "orphans", "duplicate_comments", "duplicate_links", "records", "issues"):
        total[k] = total.get(k, 0) + one[k]
    total.setdefault("problems", [])
    total["problems"].extend(one["problems"][: max(0, 20 - len(total["problems"]))])
    return total


def compare_all(bins, emu, tenants):
    total = {}
    bad = []
    for t in tenants:
        one = compare(bins, emu.state_bytes(t))
        _add(total, one)
        if one["duplicates"] + one["missing"] + one["stale"] + one["orphans"]:
            bad.append(t)
    total["unconverged"] = bad
    return total


def jira_writes(counters):
    """Jira writes answered so far (creates, edits, comments, transitions, links), 3LO included."""
    n = 0
    for system in ("jira", "gateway"):
        for endpoint, statuses in counters["requests"].get(system, {}).items():
            method = endpoint.split(" ", 1)[0]
            if method in ("POST", "PUT", "DELETE") and "search" not in endpoint and "oauth" not in endpoint:
                n += sum(statuses.values())
    return n


def converge(bins, emu, tenants, timeout, quiet=5.0, recheck=60.0):
    """Waits until every tenant's X3 and Jira agree (duplicates, missing, stale and orphans all
    0) or `timeout` seconds pass; returns (verdict, seconds).

    Fetching the state of thousands of issues keeps the emulator busy, so it is not polled
    blindly: a comparison runs only once Jira has seen no write for `quiet` seconds (the
    cheap request counters say so): again after each later quiet spell, every `recheck`
    seconds while all stays quiet, and at the deadline. Tenants that agree are not fetched again until a final pass over all of them
    confirms the verdict."""
    started = time.monotonic()
    end = started + timeout
    pending = list(tenants)
    writes, changed_at = None, started
    checked_writes, checked_at = None, started
    last_report = started
    while True:
        now = time.monotonic()
        w = jira_writes(emu.counters())
        if w != writes:
            writes, changed_at = w, now
        is_quiet = now - changed_at >= quiet
        due = (is_quiet and (w != checked_writes or now - checked_at >= recheck)) or now > end
        if due:
            checked_writes, checked_at = w, now
            pending = [t for t in pending if not _converged(compare(bins, emu.state_bytes(t)))]
            if not pending:
                final = compare_all(bins, emu, tenants)
                if not final["unconverged"] or time.monotonic() > end:
                    return final, time.monotonic() - started
                pending = final["unconverged"]
            if time.monotonic() > end:
                return compare_all(bins, emu, tenants), time.monotonic() - started
        if now - last_report > 30:
            log(f"converging: {len(pending)} tenant(s) not there yet at the last check, e.g. {pending[:5]}; "
                f"{w} Jira writes so far")
            last_report = now
        time.sleep(0.5)


def _converged(verdict):
    return verdict["duplicates"] + verdict["missing"] + verdict["stale"] + verdict["orphans"] == 0


def finish(verdict, unexpected):
    """Prints the comparison's problems and the run's own; the exit status: 0 only when
    nothing is duplicated (issues or change comments), missing or stale and nothing
    unexpected happened."""
    for p in verdict.get("problems", [])[:20] + unexpected:
        print("  problem:", p, flush=True)
    ok = (verdict["duplicates"] == 0 and verdict["missing"] == 0 and verdict["stale"] == 0
          and verdict.get("duplicate_comments", 0) == 0 and verdict.get("duplicate_links", 0) == 0
          and not unexpected)
    return 0 if ok else 1


def machine_line():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    return f"{os.cpu_count()} cores, {model}, {mem_kib / 1048576:.1f} GiB RAM, Linux {os.uname().release}"


def pick_seed(seed):
    if seed is None:
        seed = int.from_bytes(os.urandom(4), "little")
    return seed


def fail_exit(message):
    print(message, file=sys.stderr, flush=True)
    sys.exit(2)
