#!/usr/bin/env python3
"""Latency-injecting caching proxy in front of the AWS emulator.

Against a local emulator every call is fast and every tool looks alike; against
real AWS the wall time is ruled by round trips to far regions. This proxy makes
the emulator look like AWS seen from a European client: each answer is delayed
by the round-trip time of the region it was signed for (RTT table below). The
first time a request is seen it is forwarded to moto and the answer cached; a
repeat is answered from the cache, so moto's own slowness on large listings
does not distort the figures. Requests are keyed by access key, region,
service, operation, method, path and body (not by signature or date headers); AssumeRole answers are cached too,
so a member account keeps one access key across runs.

Control endpoints (unsigned, on the same port): GET /__stats and /__log return
JSON since the last POST /__reset; log entries carry start and end times in
seconds since the reset, for a timeline of a run.
"""
import argparse
import asyncio
import json
import re
import time

from httpserve import forward, operation, scope, serve_forever

# Round-trip times in ms from a client in Frankfurt (rounded public figures).
RTT_MS = {
    "eu-central-1": 10, "eu-west-1": 22, "eu-west-2": 18, "eu-west-3": 12, "eu-north-1": 28,
    "eu-south-1": 14, "us-east-1": 95, "us-east-2": 105, "us-west-1": 150, "us-west-2": 160,
    "ca-central-1": 100, "sa-east-1": 205, "ap-south-1": 125, "ap-northeast-1": 235,
    "ap-northeast-2": 250, "ap-northeast-3": 245, "ap-southeast-1": 165, "ap-southeast-2": 290,
    "ap-southeast-3": 185, "af-south-1": 170,
}
GLOBAL_SERVICES = {"organizations": "us-east-1", "iam": "us-east-1"}


def rtt(region, service):
    region = GLOBAL_SERVICES.get(service, region)
    return RTT_MS.get(region, 150) / 1000.0


class Proxy:
    def __init__(self, upstream):
        self.upstream = upstream
        self.cache = {}
        self.akid_account = {}
        self.log = []
        self.hits = self.misses = 0
        self.t0 = time.monotonic()

    async def handle(self, method, target, headers, body):
        if target.startswith("/__"):
            return self.control(method, target)
        akid, region, service = scope(headers)
        op = operation(target, headers, body)
        key = (akid, region, service, op, method, target, body)
        started = time.monotonic()
        cached = self.cache.get(key)
        if cached is None:
            self.misses += 1
            cached = await forward(self.upstream, method, target, headers, body)
            if cached[0] < 500:
                self.cache[key] = cached
            if op == "AssumeRole" and cached[0] == 200:
                role = re.search(rb"RoleArn=arn%3Aaws%3Aiam%3A%3A(\d{12})", body)
                new = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", cached[2])
                if role and new:
                    self.akid_account[new.group(1).decode()] = role.group(1).decode()
        else:
            self.hits += 1
        entry = {"akid": akid, "account": self.akid_account.get(akid), "region": region, "service": service,
                 "op": op, "start": round(started - self.t0, 4)}
        self.log.append(entry)
        delay = rtt(region, service) - (time.monotonic() - started)
        if delay > 0:
            await asyncio.sleep(delay)
        entry["end"] = round(time.monotonic() - self.t0, 4)
        return cached

    def control(self, method, target):
        if target.startswith("/__reset"):
            self.log = []
            self.hits = self.misses = 0
            self.t0 = time.monotonic()
            return 200, "application/json", b"{}"
        if target.startswith("/__log"):
            return 200, "application/json", json.dumps(self.log).encode()
        stats = {"requests": len(self.log), "hits": self.hits, "misses": self.misses}
        return 200, "application/json", json.dumps(stats).encode()


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--upstream", type=int, required=True)
    a = p.parse_args()
    await serve_forever(a.port, Proxy(a.upstream).handle)


if __name__ == "__main__":
    asyncio.run(main())
