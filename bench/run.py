#!/usr/bin/env python3
"""The speed benchmark: awsummary against its peers, and a scale run.

Part 1, the sample estate: moto seeded with an organization (bench/estate.json:
5 accounts, one suspended; thousands of instances and hundreds of tables, so
listings span several pages), behind latency_proxy.py (per-region round trips
as seen from Frankfurt). After one warm-up run each (which fills the proxy's
cache), measured runs are interleaved: awsummary --org, the boto3 thread-pool
scanner (--org), awsummary for one account, and the sequential aws CLI loop for
one account. Reported: median wall time, CPU time, peak RSS, requests; and the
critical-path lower bound of the estate, computed from the requests awsummary
made (discovery round trips, then the slowest cell's chain of dependent calls).

Part 2, the scale run: synthetic.py answers any account and region with a
fixed estate; awsummary --org scans 100 and 1,000 accounts x 17 regions.

Writes bench/RESULTS.md. Run with bench/run.sh.
"""
import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PY = os.environ.get("AWSUMMARY_PYTHON", sys.executable)
BIN = os.path.join(ROOT, "target", "release", "awsummary")
HOME_REGION = "eu-central-1"
NOTES_MARKER = "<!-- notes: kept by bench/run.py when it rewrites the tables above -->"
sys.path.insert(0, HERE)
from latency_proxy import rtt  # noqa: E402


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"nothing listens on {port}")


def env():
    e = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL"):
        e.pop(k, None)
    e.update(AWS_ACCESS_KEY_ID="AKIDBENCHCALLER01", AWS_SECRET_ACCESS_KEY="bench", AWS_REGION=HOME_REGION,
             AWS_DEFAULT_REGION=HOME_REGION, AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null",
             AWS_EC2_METADATA_DISABLED="true")
    return e


def measure_rusage(cmd):
    """Runs cmd; wall seconds, and from wait4: CPU seconds (user + sys, with waited-for children), peak RSS."""
    started = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    out = p.stdout.read()
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - started
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "rss_mib": ru.ru_maxrss / 1024,
            "out": out.decode(), "err": err.decode(), "code": p.returncode}


def http_json(port, path, method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def lower_bound(log, caller_account):
    """Critical path of the estate from one run's request log, in seconds.

    Per account: discovery (ListAccounts pages, AssumeRole for members,
    DescribeRegions), then its slowest cell: the longest chain of dependent
    calls (pages of one listing; ListTables pages plus one DescribeTable round).
    """
    home = rtt(HOME_REGION, "sts")
    list_pages = sum(1 for r in log if r["op"] == "ListAccounts")
    chains = defaultdict(lambda: defaultdict(int))
    for r in log:
        account = r["account"] or caller_account
        if r["op"] in ("ListAccounts", "AssumeRole", "DescribeRegions", "GetCallerIdentity"):
            continue
        chains[(account, r["region"], r["service"])][r["op"]] += 1
    worst = defaultdict(float)
    for (account, region, service), ops in chains.items():
        length = max(n for op, n in ops.items() if op != "DescribeTable")
        if ops.get("DescribeTable"):
            length += 1
        worst[account] = max(worst[account], length * rtt(region, service))
    bound = 0.0
    for account, cell in worst.items():
        member = account != caller_account
        bound = max(bound, list_pages * rtt("us-east-1", "organizations") + member * home + home + cell)
    return bound


def sample_estate(rounds):
    moto_port, proxy_port = free_port(), free_port()
    moto = subprocess.Popen([PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [moto]
    try:
        wait_port(moto_port)
        t = time.monotonic()
        ids = json.loads(subprocess.check_output(
            [PY, os.path.join(ROOT, "scripts", "seed.py"), "--endpoint", f"http://127.0.0.1:{moto_port}",
             "--spec", "@" + os.path.join(HERE, "estate.json")], env=env()))
        print(f"seeded {len(ids)} accounts in {time.monotonic() - t:.0f} s", file=sys.stderr)
        proxy = subprocess.Popen([PY, os.path.join(HERE, "latency_proxy.py"), "--port", str(proxy_port),
                                  "--upstream", str(moto_port)])
        procs.append(proxy)
        wait_port(proxy_port)
        ep = f"http://127.0.0.1:{proxy_port}"
        tools = {
            "awsummary --org": [BIN, "--endpoint-url", ep, "--org", "--format", "json", "-q"],
            "boto3 32 threads --org": [PY, os.path.join(HERE, "peers", "boto3_scan.py"), "--endpoint", ep, "--org"],
            "awsummary (one account)": [BIN, "--endpoint-url", ep, "--format", "json", "-q"],
            "aws CLI loop (one account)": ["bash", os.path.join(HERE, "peers", "cli_loop.sh"), ep],
        }
        results = defaultdict(list)
        totals = {}
        log = None
        for name, cmd in tools.items():  # warm-up: fills the proxy's cache
            t = time.monotonic()
            r = measure_rusage(cmd)
            if r["code"] not in (0,):
                raise SystemExit(f"{name} failed ({r['code']}): {r['err'][-2000:]}")
            print(f"warm-up {name}: {time.monotonic() - t:.1f} s", file=sys.stderr)
        for i in range(rounds):
            for name, cmd in tools.items():
                if name.startswith("aws CLI") and i >= 2:
                    continue  # slow; two runs give its median well enough
                http_json(proxy_port, "/__reset", "POST")
                r = measure_rusage(cmd)
                if r["code"] != 0:
                    raise SystemExit(f"{name} failed ({r['code']}): {r['err'][-2000:]}")
                r["requests"] = http_json(proxy_port, "/__stats")["requests"]
                if name == "awsummary --org" and log is None:
                    log = http_json(proxy_port, "/__log")
                    totals["awsummary"] = json.loads(r["out"])["totals"]
                if name.startswith("boto3"):
                    totals["boto3"] = json.loads(r["out"])
                results[name].append(r)
                print(f"round {i + 1} {name}: {r['wall']:.2f} s", file=sys.stderr)
        lb = lower_bound(log, ids["self"])
        agree = all(totals["awsummary"].get(k, 0) == v for k, v in totals["boto3"].items())
        return results, lb, totals, agree, ids
    finally:
        for p in procs:
            p.kill()
            p.wait()


def scale(accounts):
    port = free_port()
    responder = subprocess.Popen([PY, os.path.join(HERE, "synthetic.py"), "--port", str(port),
                                  "--accounts", str(accounts)])
    try:
        wait_port(port)
        r = measure_rusage([BIN, "--endpoint-url", f"http://127.0.0.1:{port}", "--org", "--format", "json", "-q",
                            "--timeout", "600s"])
        stats = http_json(port, "/__stats")
        if r["code"] != 0:
            raise SystemExit(f"scale run failed ({r['code']}): {r['err'][-2000:]}")
        report = json.loads(r["out"])
        r["requests"] = stats["requests"]
        r["accounts_ok"] = sum(a["status"] == "ok" for a in report["accounts"])
        r["cells"] = len(report["cells"])
        r["ec2_instances"] = report["totals"]["ec2_instances"]
        return r
    finally:
        responder.kill()
        responder.wait()


def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} {platform.release()}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--scale", default="100,1000", help="account counts for the scale run; empty to skip")
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    a = p.parse_args()

    results, lb, totals, agree, ids = sample_estate(a.rounds)
    med = {name: {k: statistics.median(r[k] for r in rs) for k in ("wall", "cpu", "rss_mib", "requests")}
           for name, rs in results.items()}
    org, one = med["awsummary --org"], med["awsummary (one account)"]
    boto, cli = med["boto3 32 threads --org"], med["aws CLI loop (one account)"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `bench/run.sh` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        f"Machine: {machine()}. awsummary: release build (`{os.path.relpath(BIN, ROOT)}`).",
        "",
        "## Sample estate, realistic latency",
        "",
        f"moto seeded from `bench/estate.json` ({len(ids) - 1} member accounts besides the management account, one",
        "of them suspended; 20 enabled regions each; listings of up to 1,450 instances and 250 tables),",
        "behind `bench/latency_proxy.py` (round trips as seen from Frankfurt: eu-central-1 10 ms, us-east-1",
        "95 ms, ap-southeast-2 290 ms, ...; repeated requests answered from its cache). Medians over",
        f"{a.rounds} interleaved rounds (the CLI loop: 2), after one warm-up run each.",
        "",
        "| tool | wall (median) | CPU | peak RSS | requests |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, m in med.items():
        lines.append(f"| {name} | {m['wall']:.2f} s | {m['cpu']:.2f} s | {m['rss_mib']:.0f} MiB | {m['requests']:.0f} |")
    lines += [
        f"| critical-path lower bound (org) | {lb:.2f} s | | | |",
        "",
        "| ratio | value | target |",
        "|---|---:|---:|",
        f"| awsummary --org / lower bound | {org['wall'] / lb:.2f}x | <= 1.25x |",
        f"| boto3 --org / awsummary --org | {boto['wall'] / org['wall']:.1f}x | >= 10x |",
        f"| CLI loop (one account) / awsummary --org | {cli['wall'] / org['wall']:.0f}x | >= 100x |",
        f"| CLI loop / awsummary, both one account | {cli['wall'] / one['wall']:.0f}x | |",
        "",
        f"awsummary and the boto3 scanner report the same totals: {'yes' if agree else 'NO'}"
        f" ({totals['awsummary'].get('ec2_instances')} instances, {totals['awsummary'].get('dynamodb_tables')} tables).",
        "The CLI loop counts a subset (no per-table DescribeTable, no Windows split), so it makes fewer calls.",
        "",
    ]
    if a.scale:
        lines += [
            "## Scale: synthetic responder",
            "",
            "`bench/synthetic.py` answers any account and region with a fixed small estate, at once (no",
            "latency): 17 regions, 8 services, 2 tables per region. One `awsummary --org` run per size.",
            "The responder is Python on the same 2 cores, so wall time and calls/s are bounded by it;",
            "CPU and memory are awsummary's own.",
            "",
            "| accounts | cells | requests | wall | calls/s | awsummary CPU | CPU per 1,000 calls | peak RSS |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for n in [int(x) for x in a.scale.split(",") if x]:
            r = scale(n)
            assert r["accounts_ok"] == n, r
            lines.append(
                f"| {n} | {r['cells']} | {r['requests']} | {r['wall']:.1f} s | {r['requests'] / r['wall']:.0f} | "
                f"{r['cpu']:.1f} s | {1000 * r['cpu'] / r['requests']:.2f} s | {r['rss_mib']:.0f} MiB |")
            print(f"scale {n}: {r['wall']:.1f} s, {r['rss_mib']:.0f} MiB", file=sys.stderr)
        lines += ["", "Targets: 1,000 accounts with peak RSS <= 150 MB and <= 0.5 ms CPU per call (0.5 s per 1,000 calls).", ""]
    # What follows the marker (targets, profile, before/after) is written by
    # hand and kept across runs.
    kept = ""
    if os.path.exists(a.out):
        previous = open(a.out).read()
        if NOTES_MARKER in previous:
            kept = previous[previous.index(NOTES_MARKER):]
    lines += ["", kept or NOTES_MARKER + "\n"]
    with open(a.out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
