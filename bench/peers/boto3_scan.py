#!/usr/bin/env python3
"""The peer a practitioner would write: boto3, a 32-thread pool, paginators.

Counts the same metrics as awsummary over the organization (--org) or the
caller's account, one task per (account, region, service), and prints the
totals as JSON. It is here to be measured against, not to be used.
"""
import argparse
import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import boto3

ENDPOINT = None
LOCAL = threading.local()


def client(creds, service, region):
    """Sessions are not thread-safe: one per thread and account, clients cached."""
    if not hasattr(LOCAL, "clients"):
        LOCAL.sessions, LOCAL.clients = {}, {}
    account = creds.get("aws_access_key_id")
    key = (account, service, region)
    if key not in LOCAL.clients:
        if account not in LOCAL.sessions:
            LOCAL.sessions[account] = boto3.session.Session(**creds)
        LOCAL.clients[key] = LOCAL.sessions[account].client(service, region_name=region, endpoint_url=ENDPOINT)
    return LOCAL.clients[key]


def pages(c, op, **kw):
    return c.get_paginator(op).paginate(**kw)


def scan(creds, region, service):
    n = Counter()
    if service == "ec2":
        c = client(creds, "ec2", region)
        for page in pages(c, "describe_instances", PaginationConfig={"PageSize": 1000}):
            for r in page["Reservations"]:
                for i in r["Instances"]:
                    state = i["State"]["Name"]
                    if state in ("terminated", "shutting-down"):
                        continue
                    n["ec2_instances"] += 1
                    if state == "running":
                        n["ec2_instances_running"] += 1
                        if i.get("Platform", "").lower() == "windows":
                            n["ec2_instances_running_windows"] += 1
        for page in pages(c, "describe_nat_gateways", PaginationConfig={"PageSize": 1000}):
            n["nat_gateways"] += sum(g["State"] in ("pending", "available") for g in page["NatGateways"])
    elif service == "elbv2":
        for page in pages(client(creds, "elbv2", region), "describe_load_balancers"):
            for lb in page["LoadBalancers"]:
                n["elb_" + lb["Type"]] += 1
    elif service == "opensearch":
        n["opensearch_domains"] += len(client(creds, "opensearch", region).list_domain_names()["DomainNames"])
    elif service == "rds":
        for page in pages(client(creds, "rds", region), "describe_db_instances"):
            for db in page["DBInstances"]:
                e = db["Engine"]
                n["rds_instances"] += 1
                n["rds_instances_oracle"] += e.startswith("oracle")
                n["rds_instances_mysql"] += e == "mysql"
                n["rds_instances_sqlserver"] += e.startswith("sqlserver")
    elif service == "dynamodb":
        c = client(creds, "dynamodb", region)
        for page in pages(c, "list_tables"):
            for name in page["TableNames"]:
                mode = c.describe_table(TableName=name)["Table"].get("BillingModeSummary", {}).get("BillingMode")
                n["dynamodb_tables"] += 1
                n["dynamodb_tables_on_demand" if mode == "PAY_PER_REQUEST" else "dynamodb_tables_provisioned"] += 1
    elif service == "cloudformation":
        for page in pages(client(creds, "cloudformation", region), "list_stacks"):
            n["cloudformation_stacks"] += sum(s["StackStatus"] != "DELETE_COMPLETE" for s in page["StackSummaries"])
    elif service == "lambda":
        for page in pages(client(creds, "lambda", region), "list_functions"):
            n["lambda_functions"] += len(page["Functions"])
    elif service == "s3":
        n["s3_buckets"] += len(client(creds, "s3", region).list_buckets()["Buckets"])
    return n


def main():
    global ENDPOINT
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--org", action="store_true")
    p.add_argument("--threads", type=int, default=32)
    p.add_argument("--home", default="eu-central-1")
    a = p.parse_args()
    ENDPOINT = a.endpoint
    accounts = [{}]
    if a.org:
        me = client({}, "sts", a.home).get_caller_identity()["Account"]
        sts = client({}, "sts", a.home)
        for page in pages(client({}, "organizations", "us-east-1"), "list_accounts"):
            for acct in page["Accounts"]:
                if acct["Status"] != "ACTIVE" or acct["Id"] == me:
                    continue
                arn = f"arn:aws:iam::{acct['Id']}:role/OrganizationAccountAccessRole"
                c = sts.assume_role(RoleArn=arn, RoleSessionName="boto3-scan")["Credentials"]
                accounts.append({"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                                 "aws_session_token": c["SessionToken"]})
    tasks = []
    for creds in accounts:
        regions = client(creds, "ec2", a.home).describe_regions(AllRegions=True)["Regions"]
        enabled = [r["RegionName"] for r in regions
                   if r.get("OptInStatus") in ("opt-in-not-required", "opted-in")
                   and not r["RegionName"].startswith(("cn-", "us-gov-"))]
        for region in enabled:
            for service in ("ec2", "elbv2", "opensearch", "rds", "dynamodb", "cloudformation", "lambda"):
                tasks.append((creds, region, service))
        tasks.append((creds, a.home, "s3"))
    totals = Counter()
    with ThreadPoolExecutor(a.threads) as pool:
        for n in pool.map(lambda t: scan(*t), tasks):
            totals.update(n)
    print(json.dumps(dict(sorted(totals.items()))))


if __name__ == "__main__":
    main()
