#!/usr/bin/env python3
"""Starts the benchmark's emulator, seeds bench/estate.json, and puts the latency
proxy in front; prints the proxy's URL and keeps running until interrupted.
For profiling one tool by hand: `curl -XPOST $URL/__reset`, run it, then
`curl $URL/__log` for the timeline of its requests.
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import HERE, PY, ROOT, env, free_port, wait_port  # noqa: E402

moto_port, proxy_port = free_port(), free_port()
procs = [subprocess.Popen([PY, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(moto_port)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
try:
    wait_port(moto_port)
    subprocess.check_call([PY, os.path.join(ROOT, "scripts", "seed.py"), "--endpoint",
                           f"http://127.0.0.1:{moto_port}", "--spec", "@" + os.path.join(HERE, "estate.json")],
                          env=env(), stdout=subprocess.DEVNULL)
    procs.append(subprocess.Popen([PY, os.path.join(HERE, "latency_proxy.py"), "--port", str(proxy_port),
                                   "--upstream", str(moto_port)]))
    wait_port(proxy_port)
    print(f"http://127.0.0.1:{proxy_port}", flush=True)
    while True:
        time.sleep(3600)
finally:
    for p in procs:
        p.kill()
