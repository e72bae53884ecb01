#!/usr/bin/env python3
"""Seed an AWS emulator (moto server) with a known estate.

Used by the integration tests, the benchmark and `scripts/demo.sh`. The estate is
described by a JSON spec so that tests can state exactly what they expect back:

  {"regions": {"eu-west-1": {"ec2_running": 2, "ec2_windows": 1, ...}},
   "accounts": [{"name": "dev", "regions": {...}}]}

Top-level "regions" are seeded in the caller's own account. Each entry of
"accounts" becomes a member account of an AWS Organization (created if needed),
and is seeded through sts:AssumeRole into OrganizationAccountAccessRole. The
script prints a JSON object mapping account names to ids ("self" for the caller).

Keys of a region (all optional, all counts):
  ec2_running, ec2_windows (running Windows), ec2_stopped, ec2_terminated,
  nat, nat_deleted, alb, nlb, gwlb, opensearch, elasticsearch,
  rds_mysql, rds_postgres, rds_oracle, rds_sqlserver,
  ddb_provisioned, ddb_on_demand, stacks, stacks_deleted, lambda, buckets
"""
import argparse
import io
import json
import sys
import zipfile

import boto3

LINUX_AMI = "ami-1e749f67"
WINDOWS_AMI = "ami-12c6146b"
TEMPLATE = json.dumps({
    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
})


def lambda_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.py", "def handler(event, context):\n    return 1\n")
    return buf.getvalue()


class Seeder:
    def __init__(self, endpoint, creds, tag):
        self.endpoint = endpoint
        self.creds = creds
        self.tag = tag
        self.role_arn = None

    def client(self, service, region):
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint, **self.creds)

    def lambda_role(self):
        if self.role_arn is None:
            iam = self.client("iam", "us-east-1")
            doc = json.dumps({"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole"}]})
            name = "awsummary-seed-lambda"
            try:
                self.role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=doc)["Role"]["Arn"]
            except iam.exceptions.EntityAlreadyExistsException:
                self.role_arn = iam.get_role(RoleName=name)["Role"]["Arn"]
        return self.role_arn

    def region(self, region, spec):
        n = lambda key: int(spec.get(key, 0))
        ec2 = self.client("ec2", region)
        subnet = None
        if any(n(k) for k in ("nat", "nat_deleted", "alb", "nlb", "gwlb")):
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
            subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=azs[0])["Subnet"]["SubnetId"]
            subnet2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone=azs[1 % len(azs)])["Subnet"]["SubnetId"]

        def run(ami, count):
            if count:
                res = ec2.run_instances(ImageId=ami, MinCount=count, MaxCount=count, InstanceType="t3.micro")
                return [i["InstanceId"] for i in res["Instances"]]
            return []

        run(LINUX_AMI, n("ec2_running"))
        run(WINDOWS_AMI, n("ec2_windows"))
        stopped = run(LINUX_AMI, n("ec2_stopped"))
        if stopped:
            ec2.stop_instances(InstanceIds=stopped)
        terminated = run(LINUX_AMI, n("ec2_terminated"))
        if terminated:
            ec2.terminate_instances(InstanceIds=terminated)

        for i in range(n("nat") + n("nat_deleted")):
            alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
            nat = ec2.create_nat_gateway(SubnetId=subnet, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
            if i >= n("nat"):
                ec2.delete_nat_gateway(NatGatewayId=nat)

        elb = self.client("elbv2", region)
        for kind, key in (("application", "alb"), ("network", "nlb"), ("gateway", "gwlb")):
            for i in range(n(key)):
                args = {"Name": f"{key}-{self.tag}-{i}", "Type": kind}
                args["Subnets"] = [subnet] if kind == "gateway" else [subnet, subnet2]
                elb.create_load_balancer(**args)

        if n("opensearch") or n("elasticsearch"):
            os_ = self.client("opensearch", region)
            for i in range(n("opensearch")):
                os_.create_domain(DomainName=f"os-{self.tag}-{i}", EngineVersion="OpenSearch_2.11")
            for i in range(n("elasticsearch")):
                os_.create_domain(DomainName=f"es-{self.tag}-{i}", EngineVersion="Elasticsearch_7.10")

        rds = self.client("rds", region)
        for key, engine in (("rds_mysql", "mysql"), ("rds_postgres", "postgres"),
                            ("rds_oracle", "oracle-ee"), ("rds_sqlserver", "sqlserver-ex")):
            for i in range(n(key)):
                rds.create_db_instance(
                    DBInstanceIdentifier=f"{key.replace('_', '-')}-{i}", Engine=engine,
                    DBInstanceClass="db.t3.micro", AllocatedStorage=20,
                    MasterUsername="admin", MasterUserPassword="password123")

        ddb = self.client("dynamodb", region)
        schema = dict(KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                      AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}])
        for i in range(n("ddb_provisioned")):
            ddb.create_table(TableName=f"prov-{i:04d}", BillingMode="PROVISIONED",
                             ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1}, **schema)
        for i in range(n("ddb_on_demand")):
            ddb.create_table(TableName=f"ondemand-{i:04d}", BillingMode="PAY_PER_REQUEST", **schema)

        cfn = self.client("cloudformation", region)
        for i in range(n("stacks") + n("stacks_deleted")):
            name = f"stack-{i}"
            cfn.create_stack(StackName=name, TemplateBody=TEMPLATE)
            if i >= n("stacks"):
                cfn.delete_stack(StackName=name)

        if n("lambda"):
            lam = self.client("lambda", region)
            code = lambda_zip()
            for i in range(n("lambda")):
                lam.create_function(FunctionName=f"fn-{i}", Runtime="python3.12", Role=self.lambda_role(),
                                    Handler="index.handler", Code={"ZipFile": code})

        s3 = self.client("s3", region)
        for i in range(n("buckets")):
            name = f"bucket-{self.tag}-{region}-{i}"
            if region == "us-east-1":
                s3.create_bucket(Bucket=name)
            else:
                s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": region})

    def regions(self, spec):
        for region, rspec in spec.items():
            self.region(region, rspec)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--endpoint", required=True)
    p.add_argument("--spec", required=True, help="JSON text, or @file")
    a = p.parse_args()
    spec = json.loads(open(a.spec[1:]).read() if a.spec.startswith("@") else a.spec)
    creds = {}
    sts = boto3.client("sts", region_name="us-east-1", endpoint_url=a.endpoint)
    ids = {"self": sts.get_caller_identity()["Account"]}
    Seeder(a.endpoint, creds, "self").regions(spec.get("regions", {}))

    members = spec.get("accounts", [])
    if members:
        org = boto3.client("organizations", region_name="us-east-1", endpoint_url=a.endpoint)
        try:
            org.create_organization(FeatureSet="ALL")
        except org.exceptions.AlreadyInOrganizationException:
            pass
        for m in members:
            acct = org.create_account(Email=f"{m['name']}@example.com", AccountName=m["name"])
            account_id = acct["CreateAccountStatus"]["AccountId"]
            ids[m["name"]] = account_id
            if m.get("suspended"):
                # moto's CloseAccount marks the account SUSPENDED/closed.
                org.close_account(AccountId=account_id)
            role = f"arn:aws:iam::{account_id}:role/OrganizationAccountAccessRole"
            c = sts.assume_role(RoleArn=role, RoleSessionName="awsummary-seed")["Credentials"]
            member_creds = {"aws_access_key_id": c["AccessKeyId"], "aws_secret_access_key": c["SecretAccessKey"],
                            "aws_session_token": c["SessionToken"]}
            Seeder(a.endpoint, member_creds, m["name"]).regions(m.get("regions", {}))
    json.dump(ids, sys.stdout)
    print()


if __name__ == "__main__":
    main()
