#!/usr/bin/env python3
"""Benchmark: what one TAB costs. The completion scripts call bckeys back at each TAB, and bckeys
reads the configuration and the state to offer addresses; this measures that call, side by side
with `bckeys --version` (the cost of starting the binary at all), on a small repository and on
500 stores x 10 accounts (the repository of bench/plan.py).

Usage: python3 bench/completion.py [--runs 20]
"""
import argparse, os, statistics, subprocess, tempfile

import plan  # bench/plan.py: the generated repository and the measurement

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    a = ap.parse_args()
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=plan.ROOT, check=True)
    binary = os.path.join(plan.ROOT, "target", "release", "bckeys")
    # What bash's registration passes to the call.
    tab = {"BCKEYS_COMPLETE": "bash", "_CLAP_COMPLETE_COMP_TYPE": "9",
           "_CLAP_COMPLETE_SPACE": "false", "_CLAP_IFS": "\v"}
    for stores, accounts in ((1, 10), (500, 10)):
        with tempfile.TemporaryDirectory() as d:
            plan.generate(d, stores, accounts)
            size = os.path.getsize(os.path.join(d, "bckeys.yaml")) + os.path.getsize(os.path.join(d, "bckeys.state.yaml"))
            print(f"{stores} stores x {accounts} accounts; config + state {size / 1e6:.2f} MB; {a.runs} runs each")
            base, _ = plan.measure(binary, d, ["--version"], a.runs)
            for words in (["reveal", "store/store-0000/"], ["plan", "--target", "store/store-00"]):
                os.environ.update(tab, _CLAP_COMPLETE_INDEX=str(len(words)))
                times, peak_kb = plan.measure(binary, d, ["--", "bckeys", *words], a.runs)
                for k in tab:
                    del os.environ[k]
                ratio = statistics.median(times) / statistics.median(base)
                print(f"  TAB after `bckeys {' '.join(words)}`: median {statistics.median(times) * 1000:6.1f} ms"
                      f" (--version {statistics.median(base) * 1000:5.1f} ms, x{ratio:.1f}), worst {max(times) * 1000:6.1f} ms,"
                      f" peak RSS {peak_kb / 1024:5.1f} MB")

if __name__ == "__main__":
    main()
