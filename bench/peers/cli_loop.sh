#!/usr/bin/env bash
# The other peer: a sequential `aws` CLI loop over regions and services for
# one account, as people write it in a pinch. Prints the totals as key=value.
# Usage: cli_loop.sh ENDPOINT   (credentials and home region from the environment)
set -euo pipefail
ep="$1"
aws() { command aws --endpoint-url "$ep" --output text "$@"; }
declare -A n
regions=$(aws ec2 describe-regions --all-regions \
    --query "Regions[?OptInStatus!='not-opted-in'].RegionName" | tr '\t' '\n' | grep -v -e '^cn-' -e '^us-gov-')
for r in $regions; do
    n[ec2_instances]=$(( ${n[ec2_instances]:-0} + $(aws ec2 describe-instances --region "$r" \
        --query "length(Reservations[].Instances[?State.Name!='terminated' && State.Name!='shutting-down'][])") ))
    n[ec2_instances_running]=$(( ${n[ec2_instances_running]:-0} + $(aws ec2 describe-instances --region "$r" \
        --filters Name=instance-state-name,Values=running --query "length(Reservations[].Instances[])") ))
    n[nat_gateways]=$(( ${n[nat_gateways]:-0} + $(aws ec2 describe-nat-gateways --region "$r" \
        --query "length(NatGateways[?State=='available' || State=='pending'])") ))
    n[elb]=$(( ${n[elb]:-0} + $(aws elbv2 describe-load-balancers --region "$r" --query "length(LoadBalancers)") ))
    n[opensearch_domains]=$(( ${n[opensearch_domains]:-0} + $(aws opensearch list-domain-names --region "$r" --query "length(DomainNames)") ))
    n[rds_instances]=$(( ${n[rds_instances]:-0} + $(aws rds describe-db-instances --region "$r" --query "length(DBInstances)") ))
    tables=$(aws dynamodb list-tables --region "$r" --query "TableNames" | tr '\t' '\n' | grep -c . || true)
    n[dynamodb_tables]=$(( ${n[dynamodb_tables]:-0} + tables ))
    n[cloudformation_stacks]=$(( ${n[cloudformation_stacks]:-0} + $(aws cloudformation list-stacks --region "$r" \
        --query "length(StackSummaries[?StackStatus!='DELETE_COMPLETE'])") ))
    n[lambda_functions]=$(( ${n[lambda_functions]:-0} + $(aws lambda list-functions --region "$r" --query "length(Functions)") ))
done
n[s3_buckets]=$(aws s3api list-buckets --query "length(Buckets)")
for k in "${!n[@]}"; do echo "$k=${n[$k]}"; done | sort
