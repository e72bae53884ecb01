#!/usr/bin/env python3
"""A synthetic AWS responder for the scale run: no emulator, no state.

Answers, for any account (the access key says which) and any region, a fixed
small estate in each service's wire format, at once. Organizations lists
--accounts accounts (20 a page, as AWS does); AssumeRole hands out an access
key that names the account. GET /__stats counts the requests answered.
"""
import argparse
import asyncio
import json

from httpserve import operation, scope, serve_forever

REGIONS = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "eu-central-1", "eu-west-1",
           "eu-west-2", "eu-west-3", "eu-north-1", "ap-south-1", "ap-northeast-1", "ap-northeast-2",
           "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "sa-east-1"]
XML = "text/xml"
CALLER = "000000000000"


def account_of(akid):
    return akid[4:16] if akid.startswith("ASIA") and akid[4:16].isdigit() else CALLER


def query(op, inner, ns="https://example.com/doc/"):
    return f"<{op}Response xmlns=\"{ns}\"><{op}Result>{inner}</{op}Result></{op}Response>".encode()


class Responder:
    def __init__(self, accounts):
        self.accounts = [f"{100000000000 + i:012d}" for i in range(accounts)]
        self.accounts[0] = CALLER
        self.requests = 0

    async def handle(self, method, target, headers, body):
        if target.startswith("/__stats"):
            return 200, "application/json", json.dumps({"requests": self.requests}).encode()
        self.requests += 1
        akid, region, service = scope(headers)
        op = operation(target, headers, body)
        account = account_of(akid)
        return self.answer(service, op, account, body)

    def answer(self, service, op, account, body):
        if op == "GetCallerIdentity":
            return 200, XML, query(op, f"<Arn>arn:aws:iam::{account}:user/bench</Arn><UserId>X</UserId>"
                                       f"<Account>{account}</Account>")
        if op == "AssumeRole":
            target = body.split(b"iam%3A%3A", 1)[1][:12].decode()
            return 200, XML, query(op, "<Credentials><AccessKeyId>ASIA" + target + "XXXX</AccessKeyId>"
                                       "<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"
                                       "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials>"
                                       f"<AssumedRoleUser><Arn>arn:aws:sts::{target}:assumed-role/r/s</Arn>"
                                       "<AssumedRoleId>X:s</AssumedRoleId></AssumedRoleUser>")
        if op == "ListAccounts":
            start = int(json.loads(body or b"{}").get("NextToken") or 0)
            page = self.accounts[start:start + 20]
            out = {"Accounts": [{"Id": a, "Name": f"acct-{a}", "Status": "ACTIVE", "State": "ACTIVE",
                                 "Arn": f"arn:aws:organizations::{CALLER}:account/o-x/{a}"} for a in page]}
            if start + 20 < len(self.accounts):
                out["NextToken"] = str(start + 20)
            return 200, "application/x-amz-json-1.1", json.dumps(out).encode()
        if op == "DescribeRegions":
            items = "".join(f"<item><regionName>{r}</regionName><optInStatus>opt-in-not-required</optInStatus></item>"
                            for r in REGIONS)
            return 200, XML, f"<DescribeRegionsResponse><regionInfo>{items}</regionInfo></DescribeRegionsResponse>".encode()
        if op == "DescribeInstances":
            inst = ("<item><instanceId>i-1</instanceId><instanceState><code>16</code><name>running</name></instanceState>"
                    "<platform>windows</platform></item><item><instanceId>i-2</instanceId><instanceState><code>80</code>"
                    "<name>stopped</name></instanceState></item>")
            return 200, XML, (f"<DescribeInstancesResponse><reservationSet><item><reservationId>r-1</reservationId>"
                              f"<instancesSet>{inst}</instancesSet></item></reservationSet></DescribeInstancesResponse>").encode()
        if op == "DescribeNatGateways":
            return 200, XML, (b"<DescribeNatGatewaysResponse><natGatewaySet><item><natGatewayId>nat-1</natGatewayId>"
                              b"<state>available</state></item></natGatewaySet></DescribeNatGatewaysResponse>")
        if op == "DescribeLoadBalancers":
            return 200, XML, query(op, "<LoadBalancers><member><Type>application</Type><LoadBalancerName>a"
                                       "</LoadBalancerName></member></LoadBalancers>")
        if op == "DescribeDBInstances":
            return 200, XML, query(op, "<DBInstances><DBInstance><Engine>mysql</Engine><DBInstanceIdentifier>d"
                                       "</DBInstanceIdentifier></DBInstance></DBInstances>")
        if op == "ListStacks":
            return 200, XML, query(op, "<StackSummaries><member><StackName>s</StackName><StackStatus>CREATE_COMPLETE"
                                       "</StackStatus><CreationTime>2026-01-01T00:00:00Z</CreationTime></member>"
                                       "</StackSummaries>")
        if op == "ListTables":
            return 200, "application/x-amz-json-1.0", b'{"TableNames":["a","b"]}'
        if op == "DescribeTable":
            name = json.loads(body)["TableName"]
            return 200, "application/x-amz-json-1.0", json.dumps(
                {"Table": {"TableName": name, "BillingModeSummary": {"BillingMode": "PAY_PER_REQUEST"}}}).encode()
        if service == "lambda":
            return 200, "application/json", b'{"Functions":[{"FunctionName":"f"}]}'
        if service == "es":
            return 200, "application/json", b'{"DomainNames":[{"DomainName":"d","EngineType":"OpenSearch"}]}'
        if service == "s3":
            return 200, "application/xml", (b"<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name>"
                                            b"<CreationDate>2026-01-01T00:00:00Z</CreationDate></Bucket></Buckets>"
                                            b"</ListAllMyBucketsResult>")
        return 400, "application/json", json.dumps({"__type": "UnknownOperationException", "message": op}).encode()


async def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--accounts", type=int, required=True)
    a = p.parse_args()
    await serve_forever(a.port, Responder(a.accounts).handle)


if __name__ == "__main__":
    asyncio.run(main())
