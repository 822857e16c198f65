#!/usr/bin/env python3
"""Benchmark: `bckeys drift` over many stores against `bckeys sandbox`.

Default: 200 stores x 10 store-level API accounts, a quota of 150 requests per 3-second window
per store and 20 ms of latency per request, as in the live-state issue.

Usage: python3 bench/drift.py [--stores 200] [--accounts 10] [--concurrency N] [--quota 150]
                              [--window-ms 3000] [--latency-ms 20] [--neighbour 0.4]
                              [--quota-share 0.5]

Each store has a neighbour: another client (the merchant's ERP sync) using `--neighbour` of every
window's quota, simulated by the sandbox. Prints the wall time, the rate-limit floor that the
quota share allows (the least time in which bckeys' share of each window and the latency let
every store's requests through, all stores at once), their ratio, requests per account, the 429s
bckeys and the neighbours received, and bckeys' peak resident memory. Secret files are real age files (made with the `age` command), so
drift decrypts them as it would in a real repository.
"""
import argparse, math, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import repo_files  # noqa: E402  (bench/repo_files.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCOPES = [("products", "modify", "store_v2_products"), ("orders", "read-only", "store_v2_orders_read_only"),
          ("customers", "read-only", "store_v2_customers_read_only"), ("themes", "modify", "store_themes_manage")]

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=200)
    ap.add_argument("--accounts", type=int, default=10)
    ap.add_argument("--concurrency", type=int, default=None)
    ap.add_argument("--quota", type=int, default=150)
    ap.add_argument("--window-ms", type=int, default=3000)
    ap.add_argument("--latency-ms", type=int, default=20)
    ap.add_argument("--neighbour", type=float, default=0.4)
    ap.add_argument("--quota-share", type=float, default=0.5)
    a = ap.parse_args()
    if not shutil.which("age") or not shutil.which("age-keygen"):
        sys.exit("needs the age command (Debian package age)")
    run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    binary = os.path.join(ROOT, "target", "release", "bckeys")
    with tempfile.TemporaryDirectory() as d:
        recipient = repo_files.keypair(d)
        fp = repo_files.fingerprint(recipient)
        seed, cfg, st = ["stores:"], ["version: 1", "encryption:", f"  recipients: [{recipient}]", "stores:"], ["resources:"]
        records = []
        for s in range(a.stores):
            h, label = f"h{s:06d}", f"store-{s:04d}"
            seed += [f"  {h}:", f"    quota: {a.quota}", f"    window_ms: {a.window_ms}", f"    latency_ms: {a.latency_ms}", f"    neighbour: {a.neighbour}", "    api_accounts:"]
            cfg += [f"  {label}:", f"    store_hash: {h}", "    api_accounts:"]
            for n in range(a.accounts):
                name, token, cid = f"account-{n:02d}", f"tok-{s}-{n}-{os.urandom(8).hex()}", f"cid-{s}-{n}"
                params = [p for i, (_, _, p) in enumerate(SCOPES) if (s + n + i) % 2 == 0] or ["store_v2_products"]
                seed += [f"      - {{name: {name}, client_id: {cid}, client_secret: sec-{cid}, access_token: {token}, scopes: [{', '.join(params)}]}}"]
                cfg += [f"      {name}:", "        scopes:"]
                cfg += [f"          {f}: {lvl}" for (f, lvl, p) in SCOPES if p in params]
                address = f"store/{label}/{name}"
                rel, sha = repo_files.account_file(d, recipient, address, h, name, cid, token, params)
                records.append((address, name, cid, sorted(params), rel, sha, h))
        for address, name, cid, params, rel, sha, h in sorted(records):
            st += [f"  {address}:", "    kind: store_api_account", f"    client_id: {cid}", "    created_at: 2026-11-01T00:00:00Z",
                   f"    name: {name}", "    scopes:"] + [f"    - {p}" for p in params] + [
                   "    secret:", f"      file: {rel}", f"      recipients: '{fp}'", f"      sha256: {sha}", f"    store_hash: {h}"]
        st += ["serial: 1", "version: 1"]
        for name, lines in (("seed.yaml", seed), ("bckeys.yaml", cfg), ("bckeys.state.yaml", st)):
            with open(os.path.join(d, name), "w") as f:
                f.write("\n".join(lines) + "\n")

        sandbox = subprocess.Popen([binary, "sandbox", "--port", "0", "--seed", os.path.join(d, "seed.yaml")], stdout=subprocess.PIPE, text=True)
        try:
            url = sandbox.stdout.readline().split()[-1]
            env = dict(os.environ, BCKEYS_API_BASE=url, BCKEYS_IDENTITY_FILE=os.path.join(d, "id.agekey"), NO_COLOR="1")
            args = [binary, "drift", "--format", "json", "--quota-share", str(a.quota_share)] + (["--concurrency", str(a.concurrency)] if a.concurrency else [])
            t = time.perf_counter()
            p = subprocess.Popen(args, cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, status, usage = os.wait4(p.pid, 0)
            wall = time.perf_counter() - t
            code = os.waitstatus_to_exitcode(status)
            import json, urllib.request
            stats = json.load(urllib.request.urlopen(f"{url}/__sandbox/stats"))
        finally:
            sandbox.kill()
        per_store = stats["requests"] / a.stores
        window = a.window_ms / 1000
        # bckeys' part of a window: all of it but the reserve it leaves to the others.
        reserve = 0 if a.quota_share >= 1 else max(1, math.ceil(a.quota * (1 - a.quota_share)))
        budget = a.quota - reserve
        full_windows = math.ceil(per_store / budget) - 1
        rest = per_store - full_windows * budget
        floor = max(per_store * a.latency_ms / 1000, full_windows * window + rest * a.latency_ms / 1000)
        neighbour = [s.get("neighbour", {}) for s in stats["stores"].values()]
        n_requests = sum(n.get("requests", 0) for n in neighbour)
        n_throttled = sum(n.get("rate_limited", 0) for n in neighbour)
        print(f"{a.stores} stores x {a.accounts} accounts, quota {a.quota}/{a.window_ms} ms, latency {a.latency_ms} ms, concurrency {a.concurrency or 'default'}, quota share {a.quota_share}, neighbour {a.neighbour}")
        print(f"  exit code {code} (0 = in sync)")
        print(f"  wall time {wall:.2f} s; floor at the share {floor:.2f} s ({budget} of {a.quota} per window); ratio {wall / floor:.2f}")
        print(f"  requests {stats['requests']} ({stats['requests'] / (a.stores * a.accounts):.1f} per account); 429s received {stats['rate_limited']}")
        print(f"  neighbours: {n_requests} requests, {n_throttled} 429s")
        print(f"  bckeys peak RSS {usage.ru_maxrss / 1024:.1f} MB")

if __name__ == "__main__":
    main()
