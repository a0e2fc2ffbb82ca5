#!/usr/bin/env python3
"""No plaintext secret at rest, in logs or in metrics (issue "Tenants and secrets").

Six tenants cover every credential kind: Sage X3 JWT secret, api1 Basic password, X3 OAuth2
client secret; Jira API token, Data Center PAT, and Jira OAuth 2.0 (3LO) client secret plus
rotating refresh tokens (access tokens live 4 s, so they rotate many times). The node runs
with MLC_MASTER_KEY="k1:<64 hex>" and --log-level debug.

The OAuth token endpoints of the config are pointed at a recording proxy in this process, so
the test knows every access and refresh token the emulators issued. Then, after a restart
(which must refresh Jira with the refresh token stored sealed in tenant_state: the one in
the config was used up long ago) and a clean stop, it scans for every secret, and for the
Basic-auth header forms of the user/password pairs, and the master key:
  - every file of the data directory, raw bytes;
  - every key and value of every column family (`ldb scan --hex`);
  - the node's logs (both runs) and the output of the CLI commands used;
  - the /metrics text.
It fails listing each place a secret appears, and checks that tenant_state holds each 3LO
tenant's refresh token sealed ("enc:v1:"). Last, `ml-connector check` runs next to a running
node, whose 3LO refreshes must keep working.

usage: secrets_scan_test.py ML_CONNECTOR MLC_EMULATOR
"""
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness as h

MASTER_HEX = "9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0"
MASTER_KEY = "k1:" + MASTER_HEX
TENANTS = 6
JWT_PATTERN = re.compile(rb"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{20,}")


class token_recorder:
    """A loopback proxy for OAuth token endpoints that remembers every token it relays.
    Path /<n>/... goes to upstream n (the original token_url of a tenant)."""

    def __init__(self):
        self.upstreams = []
        self.issued = []   # (kind, token)
        self.sent = []     # refresh tokens the node presented
        self.lock = threading.Lock()
        recorder = self

        class handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                index = int(self.path.strip("/").split("/")[0])
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.note_request(body)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "authorization", "accept")}
                request = urllib.request.Request(recorder.upstreams[index], data=body, headers=headers, method="POST")
                try:
                    with urllib.request.urlopen(request, timeout=10) as r:
                        status, answer, ctype = r.status, r.read(), r.headers.get("Content-Type", "")
                except urllib.error.HTTPError as e:
                    status, answer, ctype = e.code, e.read(), e.headers.get("Content-Type", "")
                recorder.note_answer(answer)
                self.send_response(status)
                self.send_header("Content-Type", ctype or "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def route(self, upstream):
        self.upstreams.append(upstream)
        return f"http://127.0.0.1:{self.port}/{len(self.upstreams) - 1}/token"

    def note_request(self, body):
        text = body.decode("utf-8", "replace")
        found = re.findall(r"refresh_token=([^&]+)", text)
        try:
            found.append(json.loads(text).get("refresh_token") or "")
        except ValueError:
            pass
        with self.lock:
            self.sent += [urllib.request.unquote(t) for t in found if t]

    def note_answer(self, body):
        try:
            answer = json.loads(body)
        except ValueError:
            return
        with self.lock:
            for kind in ("access_token", "refresh_token"):
                if answer.get(kind):
                    self.issued.append((kind, answer[kind]))

    def tokens(self, kind):
        with self.lock:
            return [t for k, t in self.issued if k == kind]


def collect_secrets(config):
    """{secret text: where it comes from} for every credential in the node config."""
    secrets = {}
    for t in config["tenants"]:
        for system in ("x3", "jira"):
            s = t[system]
            for key in ("secret", "refresh_token"):
                if isinstance(s.get(key), str) and s[key]:
                    secrets[s[key]] = f"{t['id']}.{system}.{key}"
            user = s.get("username") or s.get("email")
            if user and s.get("secret") and s.get("auth") == "basic":
                pair = f"{user}:{s['secret']}".encode()
                secrets[base64.b64encode(pair).decode()] = f"{t['id']}.{system} Basic header value"
    return secrets


def encodings(text):
    """The secret as bytes, and encoded on its own as base64 (standard and URL-safe, unpadded) and
    hex, so that a secret stored merely encoded is found too."""
    raw = text.encode()
    b64 = base64.b64encode(raw).rstrip(b"=")
    return {"": raw, " (base64)": b64, " (base64url)": base64.urlsafe_b64encode(raw).rstrip(b"="),
            " (hex)": raw.hex().encode()}


def scan_blob(blob, secrets, where, found):
    lower = blob.lower()
    for text, origin in secrets.items():
        for form, needle in encodings(text).items():
            if needle in (lower if form == " (hex)" else blob):
                found.append(f"{origin}{form} in {where}")
    for m in JWT_PATTERN.finditer(blob):
        found.append(f"a signed JWT ({m.group(0)[:24].decode()}...) in {where}")


def ldb(*args):
    r = subprocess.run(["ldb", *args], capture_output=True, timeout=60)
    h.check(r.returncode == 0, f"ldb {' '.join(args)} failed: {r.stderr.decode()[-500:]}")
    return r.stdout.decode()


def dump_column_families(data_dir):
    """{cf: [(key bytes, value bytes)]} read with ldb (the node must be stopped)."""
    listing = ldb(f"--db={data_dir}", "list_column_families")
    braces = re.search(r"\{([^}]*)\}", listing)
    h.check(braces, f"unexpected ldb list_column_families output: {listing}")
    names = [x.strip() for x in braces.group(1).split(",") if x.strip()]
    h.check({"tenant_state", "issue_map", "audit", "watermarks", "replay", "meta"} <= set(names),
            f"unexpected column families: {listing}")
    out = {}
    for cf in names:
        rows = []
        for line in ldb(f"--db={data_dir}", f"--column_family={cf}", "--hex", "scan").splitlines():
            if not line.startswith("0x"):
                continue
            k, v = line.split(" : ", 1)  # ldb --hex scan: "0xKEY : 0xVALUE"
            rows.append((bytes.fromhex(k.strip()[2:]), bytes.fromhex(v.strip()[2:])))
        out[cf] = rows
    return out


def test(connector, emulator_binary):
    if not shutil.which("ldb"):
        h.fail("ldb (Debian package rocksdb-tools) is needed")
    with h.world(connector, emulator_binary, "secrets") as w:
        emu = w.start_emulator(tenants=TENANTS, records=6, extra=[
            "--x3-api", "mixed", "--x3-auth", "mixed", "--jira-flavour", "mixed", "--jira-auth", "mixed",
            "--jira-token-lifetime-s", "4", "--token-lifetime-s", "4"])
        recorder = token_recorder()
        recorder.start()
        try:
            run(w, emu, recorder)
        finally:
            recorder.stop()


def run(w, emu, recorder):
    config = w.load_config()
    kinds = {(t["x3"]["auth"], t["jira"]["auth"]) for t in config["tenants"]}
    h.check({"jwt", "basic", "oauth2"} <= {k[0] for k in kinds} and {"basic", "pat", "oauth2"} <= {k[1] for k in kinds},
            f"the emulator should give every credential kind: {kinds}")
    oauth_tenants = [t["id"] for t in config["tenants"] if t["jira"]["auth"] == "oauth2"]
    for t in config["tenants"]:
        for system in ("x3", "jira"):
            if t[system].get("token_url"):
                t[system]["token_url"] = recorder.route(t[system]["token_url"])
    secrets = collect_secrets(config)
    # The node must seal with MLC_MASTER_KEY (k1); the key file the emulator may have written
    # is left out, but its key is a secret too.
    key_file = config.pop("master_key_file", None)
    if key_file:
        with open(os.path.join(w.dir, key_file)) as f:
            for line in f:
                if ":" in line and not line.startswith("#"):
                    secrets[line.strip().split(":", 1)[1]] = "the emulator's master key file"
    w.save_config(config)
    config_path, listen = w.patch_config()
    env = {"MLC_MASTER_KEY": MASTER_KEY}
    captured = []  # (where, text)

    n = w.start_node(env=env, log_level="debug")
    tenants = [t["id"] for t in config["tenants"]]

    def refreshes(node_, t):
        return h.metric_sum(node_.metrics(), "mlc_token_refreshes_total", tenant=t, system="jira", result="success")

    def churn_until(node_, what, done, timeout):
        """Jira is only called for changed records, and a token only refreshed when called:
        keep changing an order of each 3LO tenant in X3 until `done()`."""
        bump = [0]

        def changed_and_done():
            bump[0] += 1
            for t in oauth_tenants:
                po = emu.state(t)["x3"][t]["purchase_orders"][0]["id"]
                emu.x3_write(t, "purchase_orders", {"id": po, "lines": [
                    {"product": "SEC-1", "quantity": bump[0], "net_price": 7, "expected_receipt": "2031-01-31"}]})
            try:
                h.wait_until(what, done, 2.5, interval=0.2)
                return True
            except h.test_failure:
                return False
        h.wait_until(what, changed_and_done, timeout, interval=0)

    churn_until(n, "three Jira token rotations per 3LO tenant",
                lambda: all(refreshes(n, t) >= 4 for t in oauth_tenants), 75)
    h.wait_until("two clean cycles of every tenant",
                 lambda: all(h.metric_sum(n.metrics(), "mlc_poll_cycles_total", tenant=t, result="ok") >= 2
                             for t in tenants), 30)
    metrics_text = n.metrics()
    h.check(h.metric_sum(metrics_text, "mlc_token_refreshes_total", result="failure") == 0,
            "no token refresh should fail")
    captured.append(("/metrics (first run)", metrics_text))
    h.check(n.stop() == 0, f"the node should stop with exit 0\n{n.proc.tail()}")
    captured.append(("node logs (first run)", n.proc.output()))

    # Restart: the config's refresh token is long used up, so a working Jira 3LO refresh proves
    # the rotated token was persisted (sealed) and opens again.
    n2 = w.start_node(env=env, log_level="debug", name="node2")
    churn_until(n2, "a Jira token refresh of every 3LO tenant after the restart",
                lambda: all(refreshes(n2, t) >= 1 for t in oauth_tenants), 45)
    h.wait_until("a clean cycle of every tenant after the restart",
                 lambda: all(h.metric_sum(n2.metrics(), "mlc_poll_cycles_total", tenant=t, result="ok") >= 1
                             for t in tenants), 45)
    metrics_text = n2.metrics()
    h.check(h.metric_sum(metrics_text, "mlc_token_refreshes_total", result="failure") == 0,
            "no token refresh should fail after the restart (stored refresh token unusable?)")
    captured.append(("/metrics (after restart)", metrics_text))
    h.check(n2.stop() == 0, "the restarted node should stop with exit 0")
    captured.append(("node logs (after restart)", n2.proc.output()))
    r = w.cli("audit", "--config", config_path, "--tenant", oauth_tenants[0], "--limit", "500", env=env)
    h.check(r.returncode == 0, f"audit: {r.stderr}")
    captured.append(("`ml-connector audit` output", r.stdout + r.stderr))

    # Every token the emulators issued through the proxy is a secret too.
    refresh_tokens = recorder.tokens("refresh_token")
    access_tokens = recorder.tokens("access_token")
    h.check(len(set(recorder.sent)) >= 3 * len(oauth_tenants),
            f"the node should have presented rotating refresh tokens: {len(set(recorder.sent))}")
    h.check(any(t in recorder.sent for t in refresh_tokens), "the node should use the refresh tokens it was given")
    for token in refresh_tokens:
        secrets.setdefault(token, "a rotated refresh token issued by the emulator")
    for token in access_tokens:
        secrets.setdefault(token, "an access token issued by the emulator")
    secrets[MASTER_HEX] = "the master key (MLC_MASTER_KEY)"
    h.log(f"scanning for {len(secrets)} secrets ({len(refresh_tokens)} refresh and {len(access_tokens)} access "
          f"tokens issued)")

    # Positive control: the scanner finds the plaintext secrets of the config file itself.
    control = []
    with open(config_path, "rb") as f:
        scan_blob(f.read(), secrets, "node.json", control)
    config_secrets = collect_secrets(config)
    h.check(len(control) >= len([v for v in config_secrets.values() if "Basic header" not in v]),
            f"the scanner should find every config secret in node.json, found {len(control)}")

    found = []
    data_dir = w.path("data")
    files = 0
    for root, _, names in os.walk(data_dir):
        for name in names:
            path = os.path.join(root, name)
            with open(path, "rb") as f:
                scan_blob(f.read(), secrets, f"data file {os.path.relpath(path, data_dir)}", found)
            files += 1
    h.check(files >= 3, f"the data dir should hold RocksDB files, found {files}")

    families = dump_column_families(data_dir)
    rows = 0
    for cf, entries in families.items():
        for key, value in entries:
            rows += 1
            scan_blob(key + b"\n" + value, secrets, f"column family {cf}, key {key!r}", found)
    h.check(rows > 0 and families.get("issue_map"), "ldb should have read the records (issue_map empty?)")
    for where, text in captured:
        scan_blob(text.encode(), secrets, where, found)
    h.check(not found, "plaintext secrets found:\n  " + "\n  ".join(sorted(set(found))))

    # tenant_state: the rotated 3LO refresh token of each such tenant, sealed.
    state = {k: v for k, v in families["tenant_state"]}
    for t in oauth_tenants:
        key = t.encode() + b"\0jira_refresh_token"
        h.check(key in state, f"tenant_state has no jira_refresh_token for {t}: {sorted(state)}")
        value = state[key]
        h.check(value.startswith(b"enc:v1:k1:"), f"{t}: the stored refresh token is not sealed: {value[:20]!r}...")
    h.log(f"clean: {files} data files, {rows} rows in {len(families)} column families, "
          f"{len(captured)} logs/metrics texts; {len(oauth_tenants)} refresh tokens sealed in tenant_state")

    # `ml-connector check` next to a running node must not break the node's 3LO tenants: the
    # node holds the current refresh token, and refresh tokens rotate on every use.
    n3 = w.start_node(env=env, log_level="debug", name="node3")
    churn_until(n3, "a Jira refresh of every 3LO tenant on the third run",
                lambda: all(refreshes(n3, t) >= 1 for t in oauth_tenants), 45)
    r = w.cli("check", "--config", config_path, env=env)
    leaks = []
    scan_blob((r.stdout + r.stderr).encode(), secrets, "`ml-connector check` output", leaks)
    h.check(not leaks, "plaintext secrets found:\n  " + "\n  ".join(leaks))
    before = {t: refreshes(n3, t) for t in oauth_tenants}

    def failed(t):
        return h.metric_sum(n3.metrics(), "mlc_token_refreshes_total", tenant=t, system="jira", result="failure")
    churn_until(n3, "the next Jira refresh (or a failed one) of every 3LO tenant after `check`",
                lambda: all(refreshes(n3, t) > before[t] or failed(t) > 0 for t in oauth_tenants), 45)
    broken = {t: failed(t) for t in oauth_tenants if failed(t) > 0}
    h.known_bug(not broken,
                f"running `ml-connector check` while the node runs breaks every Jira OAuth 2.0 (3LO) tenant: "
                f"{broken} failed refreshes afterwards (invalid_grant, tenant degraded until re-authorized). "
                "engine/cli.cpp cmd_setup_or_check() falls back to a read-only store when the node holds it, "
                "then resolve_mapping() refreshes with the refresh token the node also holds; the IdP rotates "
                "it, the new one cannot be stored (read-only: check prints 'storing the rotated OAuth refresh "
                "token failed'), and the node's copy is now used up")
    h.check(n3.stop() == 0, "the third node should stop with exit 0")


if __name__ == "__main__":
    sys.exit(h.main(test, sys.argv))
