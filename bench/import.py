#!/usr/bin/env python3
"""Benchmark: adopting a folder of downloaded credentials. `bckeys import --dir` (one run: every
file placed, stores proven at once) against the way before it, one `bckeys import ADDRESS
--credentials FILE` per file, side by side in one run on the same sandbox.

Default: 50 stores x 2 store-level API accounts (100 files), 20 ms of latency per request, a
quota of 150 requests per 3-second window per store. Each mode gets its own repository.

Usage: python3 bench/import.py [--stores 50] [--accounts 2] [--latency-ms 20]
"""
import argparse, json, os, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import repo_files  # noqa: E402  (bench/repo_files.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NAMES = ["erp-sync", "reporting", "search-index", "pim-feed"]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=50)
    ap.add_argument("--accounts", type=int, default=2)
    ap.add_argument("--latency-ms", type=int, default=20)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "bckeys")
    with tempfile.TemporaryDirectory() as d:
        seed = ["stores:"]
        accounts = []
        for s in range(a.stores):
            h = f"h{s:06d}"
            seed += [f"  {h}:", "    quota: 150", "    window_ms: 3000", f"    latency_ms: {a.latency_ms}", "    api_accounts:"]
            for n in NAMES[: a.accounts]:
                cid, token = f"cid-{s}-{n}", f"tok-{s}-{n}-{os.urandom(8).hex()}"
                seed.append(f"      - {{name: {n}, client_id: {cid}, client_secret: sec-{cid}, access_token: {token}, scopes: [store_v2_orders_read_only]}}")
                accounts.append((s, h, n, cid, token))
        with open(os.path.join(d, "seed.yaml"), "w") as f:
            f.write("\n".join(seed) + "\n")
        sandbox = subprocess.Popen([binary, "sandbox", "--port", "0", "--seed", os.path.join(d, "seed.yaml")], stdout=subprocess.PIPE, text=True)
        try:
            url = sandbox.stdout.readline().split()[-1]
            results = {}
            for mode in ("one file at a time", "import --dir"):
                repo = os.path.join(d, mode.replace(" ", "-"))
                downloads = os.path.join(repo, "downloads")
                os.makedirs(downloads)
                recipient = repo_files.keypair(repo)
                cfg = ["version: 1", "encryption:", f"  recipients: [{recipient}]", "stores:"]
                for s in range(a.stores):
                    cfg += [f"  store-{s:04d}:", f"    store_hash: h{s:06d}", "    api_accounts:"]
                    cfg += [f"      {n}:\n        scopes: {{orders: read-only}}" for n in NAMES[: a.accounts]]
                with open(os.path.join(repo, "bckeys.yaml"), "w") as f:
                    f.write("\n".join(cfg) + "\n")
                files = []
                for s, h, n, cid, token in accounts:
                    name = f"{h}-{n}.txt"
                    with open(os.path.join(downloads, name), "w") as f:
                        f.write(f"ACCESS TOKEN: {token}\r\nCLIENT NAME: {n}\r\nAPI PATH: {url}/stores/{h}/v3/\r\nCLIENT ID: {cid}\r\nCLIENT SECRET: sec-{cid}\r\n")
                    files.append((f"store/store-{s:04d}/{n}", name))
                env = dict(os.environ, BCKEYS_API_BASE=url, NO_COLOR="1")
                before = json.load(urllib.request.urlopen(f"{url}/__sandbox/stats"))["requests"]
                runs = [["import", "--dir", "downloads"]] if mode == "import --dir" else \
                       [["import", address, "--credentials", f"downloads/{name}"] for address, name in files]
                t, peak = time.perf_counter(), 0
                for args in runs:
                    p = subprocess.Popen([binary, *args], cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                    _, status, usage = os.wait4(p.pid, 0)
                    peak = max(peak, usage.ru_maxrss)
                    if os.waitstatus_to_exitcode(status) != 0:
                        sys.exit(f"bckeys {' '.join(args)} failed: {p.stderr.read().decode()[-1500:]}")
                wall = time.perf_counter() - t
                stats = json.load(urllib.request.urlopen(f"{url}/__sandbox/stats"))
                with open(os.path.join(repo, "bckeys.state.yaml")) as f:
                    recorded = f.read().count("kind: store_api_account")
                results[mode] = (wall, peak / 1024, stats["requests"] - before, recorded)
        finally:
            sandbox.kill()
    print(f"{a.stores} stores x {a.accounts} accounts = {a.stores * a.accounts} credentials files, {a.latency_ms} ms latency")
    for mode, (wall, rss, requests, recorded) in results.items():
        print(f"  {mode:<20} {wall:7.2f} s  {requests:6d} requests  {recorded:4d} recorded  peak RSS {rss:5.1f} MB")
    ratio = results["one file at a time"][0] / results["import --dir"][0]
    print(f"  import --dir is {ratio:.1f}x faster")

if __name__ == "__main__":
    main()
