#!/usr/bin/env bash
# The one place the workflows learn which stacks exist: every Pulumi.<stack>.yaml beside Pulumi.yaml,
# printed as GitHub step outputs (JSON arrays for a matrix). A stack named prod, or ending in -prod,
# is production, as in components/shared/stack.py (environment_of_stack).
set -euo pipefail
cd "$(dirname "$0")/.."
all=$(find . -maxdepth 1 -name 'Pulumi.*.yaml' -printf '%f\n' | sed -E 's/^Pulumi\.(.+)\.yaml$/\1/' | sort |
  jq -Rcs 'split("\n") | map(select(length > 0))')
echo "all=$all"
echo "prod=$(jq -c 'map(select(. == "prod" or endswith("-prod")))' <<< "$all")"
echo "staging=$(jq -c 'map(select(. != "prod" and (endswith("-prod") | not)))' <<< "$all")"
