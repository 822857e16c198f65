#!/usr/bin/env python3
"""Benchmark: removing one reader from 1,000 secret files. `bckeys rekey` (check each file against
the state, decrypt, encrypt to the new set, record, and list what the removed reader could read)
against the shell loop people write without it (`age -d | age -e` per file, no check, no record),
side by side in one run on two copies of one repository.

Default: 100 stores x 10 store-level API accounts; every store declares a second reader, which is
then removed. Real age files (made with the age command), X25519 keys.

Usage: python3 bench/rekey.py [--stores 100] [--accounts 10]
"""
import argparse, hashlib, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import repo_files  # noqa: E402  (bench/repo_files.py)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

def fingerprint(recipients):
    keys = "\n".join(sorted(set(recipients)))
    return "sha256:" + hashlib.sha256(keys.encode()).hexdigest()[:32]

def generate(d, a, admin, reader):
    cfg = ["version: 1", "encryption:", f"  recipients: [{admin}]", "stores:"]
    st = ["resources:"]
    fp = fingerprint([admin, reader])
    for s in range(a.stores):
        label, h = f"store-{s:04d}", f"h{s:06d}"
        cfg += [f"  {label}:", f"    store_hash: {h}", "    api_accounts:"]
        for n in range(a.accounts):
            name = f"account-{n:02d}"
            cfg += [f"      {name}:", "        scopes: {orders: read-only}"]
            address = f"store/{label}/{name}"
            rel = f"secrets/{address}.age"
            path = os.path.join(d, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            plain = (f"address: {address}\nkind: store_api_account\nstore_hash: {h}\nname: {name}\nclient_id: cid-{s}-{n}\n"
                     f"client_secret: sec-{s}-{n}\naccess_token: tok-{s}-{n}\napi_path: https://api.bigcommerce.com/stores/{h}/v3/\n"
                     "scopes: [store_v2_orders_read_only]\ncreated_at: '2026-11-01T00:00:00Z'\n")
            subprocess.run(["age", "-a", "-r", admin, "-r", reader, "-o", path], input=plain.encode(), check=True)
            with open(path, "rb") as f:
                sha = hashlib.sha256(f.read()).hexdigest()
            st += [f"  {address}:", "    kind: store_api_account", f"    client_id: cid-{s}-{n}", "    created_at: 2026-11-01T00:00:00Z",
                   f"    name: {name}", "    scopes:", "    - store_v2_orders_read_only", "    secret:", f"      file: {rel}",
                   "      readers:", *[f"      - {r}" for r in sorted([admin, reader])],
                   f"      recipients: '{fp}'", f"      sha256: {sha}", f"    store_hash: {h}"]
    st += ["serial: 1", "version: 1"]
    # The configuration after the reader's removal: only the admins remain.
    with open(os.path.join(d, "bckeys.yaml"), "w") as f:
        f.write("\n".join(cfg) + "\n")
    with open(os.path.join(d, "bckeys.state.yaml"), "w") as f:
        f.write("\n".join(st) + "\n")

def timed(cmd, cwd, env=None):
    t = time.perf_counter()
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate()
    wall = time.perf_counter() - t
    if p.returncode != 0:
        sys.exit(f"{cmd[0]} failed: {err[-1500:]}")
    return wall, out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--stores", type=int, default=100)
    ap.add_argument("--accounts", type=int, default=10)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    binary = os.path.join(ROOT, "target", "release", "bckeys")
    with tempfile.TemporaryDirectory() as d:
        one = os.path.join(d, "bckeys")
        os.makedirs(one)
        admin = repo_files.keypair(one)
        reader = subprocess.run(["age-keygen"], capture_output=True, text=True, check=True).stderr.split()[-1]
        generate(one, a, admin, reader)
        loop = os.path.join(d, "loop")
        shutil.copytree(one, loop)
        files = a.stores * a.accounts
        env = dict(os.environ, BCKEYS_IDENTITY_FILE=os.path.join(one, "id.agekey"), NO_COLOR="1")
        bckeys_wall, out = timed([binary, "rekey"], one, env)
        assert f"Rekeyed {files} secret files" in out, out[:500]
        assert f"{reader}  could read {files}:" in out, "the removed reader's reach is listed"
        script = ('find secrets -name "*.age" -print0 | while IFS= read -r -d "" f; do '
                  f'age -d -i id.agekey "$f" | age -e -a -r {admin} -o "$f.new" && mv "$f.new" "$f"; done')
        loop_wall, _ = timed(["bash", "-c", script], loop)
    print(f"{files} secret files, one reader removed")
    print(f"  bckeys rekey               {bckeys_wall:7.2f} s  (checked against the state, recorded, exposure listed)")
    print(f"  shell loop age -d | age -e {loop_wall:7.2f} s  (no check, nothing recorded)")
    print(f"  bckeys rekey is {loop_wall / bckeys_wall:.1f}x faster")

if __name__ == "__main__":
    main()
