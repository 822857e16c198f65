#!/usr/bin/env python3
"""Benchmark: `bckeys apply` of automated webhook changes on many stores, one store after
another (`--concurrency 1`) against stores at once (the default), side by side in one run.

Default: 100 stores, one recorded store-level API account each with 3 webhooks, a quota of 150
requests per 3-second window and 20 ms of latency per request. Each mode gets its own sandbox
and repository from the same seed, so both do the same work: an apply that creates the 300
webhooks, then one that moves every destination (list + update per webhook).

Usage: python3 bench/apply.py [--stores 100] [--hooks 3] [--latency-ms 20] [--quota 150]
                              [--window-ms 3000]

Applies run with --refresh=false, so that the time is apply's own, not the refresh's (which is
concurrent in both modes and measured by bench/drift.py). Secret files are real age files.
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import repo_files  # noqa: E402  (bench/repo_files.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)

def repository(d, a, recipient):
    fp = repo_files.fingerprint(recipient)
    seed, st = ["stores:"], ["resources:"]
    records = []
    for s in range(a.stores):
        h, label = f"h{s:06d}", f"store-{s:04d}"
        token, cid = f"tok-{s}-{os.urandom(8).hex()}", f"cid-{s}"
        seed += [f"  {h}:", f"    quota: {a.quota}", f"    window_ms: {a.window_ms}", f"    latency_ms: {a.latency_ms}",
                 "    api_accounts:", f"      - {{name: erp-sync, client_id: {cid}, client_secret: sec-{cid}, access_token: {token}, scopes: [store_v2_orders_read_only]}}"]
        address = f"store/{label}/erp-sync"
        rel, sha = repo_files.account_file(d, recipient, address, h, "erp-sync", cid, token, ["store_v2_orders_read_only"])
        records.append((address, cid, rel, sha, h))
    for address, cid, rel, sha, h in sorted(records):
        st += [f"  {address}:", "    kind: store_api_account", f"    client_id: {cid}", "    created_at: 2026-11-01T00:00:00Z",
               "    name: erp-sync", "    scopes:", "    - store_v2_orders_read_only", "    secret:", f"      file: {rel}",
               f"      recipients: '{fp}'", f"      sha256: {sha}", f"    store_hash: {h}"]
    st += ["serial: 1", "version: 1"]
    for name, lines in (("seed.yaml", seed), ("bckeys.state.yaml", st)):
        with open(os.path.join(d, name), "w") as f:
            f.write("\n".join(lines) + "\n")

def config(d, a, recipient, destination):
    cfg = ["version: 1", "encryption:", f"  recipients: [{recipient}]", "stores:"]
    for s in range(a.stores):
        cfg += [f"  store-{s:04d}:", f"    store_hash: h{s:06d}", "    api_accounts:", "      erp-sync:",
                "        scopes: {orders: read-only}", "        webhooks:"]
        for k in range(a.hooks):
            cfg += [f"          hook-{k}:", f"            scope: store/order/{['created', 'updated', 'archived', 'statusUpdated'][k % 4]}",
                    f"            destination: https://erp.example.com/{destination}/{k}"]
    with open(os.path.join(d, "bckeys.yaml"), "w") as f:
        f.write("\n".join(cfg) + "\n")

def mode(binary, a, concurrency):
    with tempfile.TemporaryDirectory() as d:
        recipient = repo_files.keypair(d)
        repository(d, a, recipient)
        sandbox = subprocess.Popen([binary, "sandbox", "--port", "0", "--seed", os.path.join(d, "seed.yaml")], stdout=subprocess.PIPE, text=True)
        try:
            url = sandbox.stdout.readline().split()[-1]
            env = dict(os.environ, BCKEYS_API_BASE=url, BCKEYS_IDENTITY_FILE=os.path.join(d, "id.agekey"), NO_COLOR="1")
            out = {}
            for phase, destination in (("create", "a"), ("update", "b")):
                config(d, a, recipient, destination)
                args = [binary, "apply", "--auto-approve", "--refresh=false", "--concurrency", str(concurrency)]
                t = time.perf_counter()
                p = subprocess.Popen(args, cwd=d, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                _, status, usage = os.wait4(p.pid, 0)
                wall = time.perf_counter() - t
                code = os.waitstatus_to_exitcode(status)
                if code != 0:
                    sys.exit(f"apply ({phase}, concurrency {concurrency}) exited {code}: {p.stderr.read().decode()[-2000:]}")
                out[phase] = (wall, usage.ru_maxrss / 1024)
            stats = json.load(urllib.request.urlopen(f"{url}/__sandbox/stats"))
            out["requests"] = stats["requests"]
            out["throttled"] = stats["rate_limited"]
            out["peak"] = stats["peak_in_flight"]
            return out
        finally:
            sandbox.kill()

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=100)
    ap.add_argument("--hooks", type=int, default=3)
    ap.add_argument("--quota", type=int, default=150)
    ap.add_argument("--window-ms", type=int, default=3000)
    ap.add_argument("--latency-ms", type=int, default=20)
    a = ap.parse_args()
    if not shutil.which("age") or not shutil.which("age-keygen"):
        sys.exit("needs the age command (Debian package age)")
    run(["cargo", "build", "--release", "--quiet"], cwd=ROOT)
    binary = os.path.join(ROOT, "target", "release", "bckeys")
    one = mode(binary, a, 1)
    many = mode(binary, a, 256)
    print(f"{a.stores} stores x {a.hooks} webhooks, quota {a.quota}/{a.window_ms} ms, latency {a.latency_ms} ms")
    print(f"  {'':18} {'one at a time':>14} {'at once':>10} {'ratio':>7}")
    for phase in ("create", "update"):
        print(f"  {phase + ' (wall s)':18} {one[phase][0]:14.2f} {many[phase][0]:10.2f} {one[phase][0] / many[phase][0]:7.1f}x")
    print(f"  {'peak RSS (MB)':18} {max(one['create'][1], one['update'][1]):14.1f} {max(many['create'][1], many['update'][1]):10.1f}")
    print(f"  {'requests':18} {one['requests']:14} {many['requests']:10}")
    print(f"  {'429s':18} {one['throttled']:14} {many['throttled']:10}")
    print(f"  {'peak in flight':18} {one['peak']:14} {many['peak']:10}")

if __name__ == "__main__":
    main()
