#!/usr/bin/env python3
"""Benchmark: `validate` and `plan --refresh=false` on a generated repository of 500 stores x 10
store-level API accounts (5,000 recorded credentials with their secret files).

Usage: python3 bench/plan.py [--stores 500] [--accounts 10] [--runs 10]
Builds the release binary, generates the repository in a temporary directory, runs each command
--runs times and prints the median and worst wall time and the peak resident memory.

The secret files are random bytes of a real file's size: the offline plan only hashes them
(decryption is not part of planning), so their content does not change what is measured.
"""
import argparse, hashlib, os, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RECIPIENT = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p"
SCOPES = [("products", "modify", "store_v2_products"), ("orders", "read-only", "store_v2_orders_read_only"),
          ("customers", "read-only", "store_v2_customers_read_only"), ("themes", "modify", "store_themes_manage")]

def fingerprint(recipients):
    keys = "\n".join(sorted(set(recipients)))
    return "sha256:" + hashlib.sha256(keys.encode()).hexdigest()[:32]

def generate(d, stores, accounts):
    cfg = ["version: 1", "encryption:", f"  recipients: [{RECIPIENT}]", "stores:"]
    res = []
    fp = fingerprint([RECIPIENT])
    for s in range(stores):
        label = f"store-{s:04d}"
        cfg += [f"  {label}:", f"    store_hash: h{s:06d}", "    api_accounts:"]
        for a in range(accounts):
            name = f"account-{a:02d}"
            cfg += [f"      {name}:", "        scopes:"]
            granted = []
            for i, (fam, level, param) in enumerate(SCOPES):
                if (s + a + i) % 2 == 0:
                    cfg.append(f"          {fam}: {level}")
                    granted.append(param)
            if not granted:
                cfg.append("          products: modify"); granted.append("store_v2_products")
            address = f"store/{label}/{name}"
            rel = f"secrets/{address}.age"
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            blob = os.urandom(700)
            with open(path, "wb") as f:
                f.write(blob)
            res.append((address, name, sorted(granted), rel, hashlib.sha256(blob).hexdigest(), f"h{s:06d}"))
    with open(os.path.join(d, "bckeys.yaml"), "w") as f:
        f.write("\n".join(cfg) + "\n")
    st = ["resources:"]
    for address, name, granted, rel, sha, h in sorted(res):
        st += [f"  {address}:", "    kind: store_api_account", f"    client_id: cid-{name}",
               "    created_at: 2026-11-01T00:00:00Z", f"    name: {name}", "    scopes:"]
        st += [f"    - {p}" for p in granted]
        st += ["    secret:", f"      file: {rel}", f"      recipients: '{fp}'", f"      sha256: {sha}", f"    store_hash: {h}"]
    st += ["serial: 1", "version: 1"]
    with open(os.path.join(d, "bckeys.state.yaml"), "w") as f:
        f.write("\n".join(st) + "\n")

def measure(binary, d, args, runs):
    """Wall times and the peak resident memory of this command's own runs (not of the build)."""
    times, peak_kb = [], 0
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.Popen([binary, *args], cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        times.append(time.perf_counter() - t)
        peak_kb = max(peak_kb, usage.ru_maxrss)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"bckeys {' '.join(args)} failed")
    return times, peak_kb

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=500)
    ap.add_argument("--accounts", type=int, default=10)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "bckeys")
    with tempfile.TemporaryDirectory() as d:
        generate(d, a.stores, a.accounts)
        size = os.path.getsize(os.path.join(d, "bckeys.yaml")) + os.path.getsize(os.path.join(d, "bckeys.state.yaml"))
        print(f"{a.stores} stores x {a.accounts} accounts; config + state {size / 1e6:.1f} MB; {a.runs} runs each")
        for args in (["validate"], ["plan", "--refresh=false"], ["plan", "--refresh=false", "--format", "json"]):
            times, peak_kb = measure(binary, d, args, a.runs)
            print(f"  bckeys {' '.join(args):<34} median {statistics.median(times) * 1000:7.1f} ms   worst {max(times) * 1000:7.1f} ms   peak RSS {peak_kb / 1024:6.1f} MB")

if __name__ == "__main__":
    main()
