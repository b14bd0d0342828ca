#!/usr/bin/env bash
# Bootstraps and deploys the same CDK app as docs/deploy.md, to a running LocalStack, with cdklocal
# (npm aws-cdk-local wrapping the aws-cdk CLI). Not run here: the machines this was written on have no Docker.
#   MULTIDB_ORG=acme localstack/deploy.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bin/lib/env.sh # a JDK >= 21 for Maven and the CDK app

CDK_CLI_VERSION=2.1148.1
CDK_LOCAL_VERSION=3.0.4
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566}"
ACCOUNT=000000000000 # LocalStack's default account

if ! curl -fsS "$AWS_ENDPOINT_URL/_localstack/health" >/dev/null; then
  echo "LocalStack is not answering at $AWS_ENDPOINT_URL: docker compose -f localstack/docker-compose.yml up -d" >&2
  exit 1
fi

if ! compgen -G "functions/target/multidb-functions-*-lambda.jar" >/dev/null; then
  echo "== building the Lambda jar"
  mvn -B -q -pl functions -am package -DskipTests
fi

cdklocal() {
  npx --yes --package "aws-cdk@$CDK_CLI_VERSION" --package "aws-cdk-local@$CDK_LOCAL_VERSION" cdklocal "$@" --no-notices
}

cd infra
echo "== cdklocal bootstrap"
cdklocal bootstrap "aws://$ACCOUNT/$AWS_DEFAULT_REGION"
echo "== cdklocal deploy"
cdklocal deploy --require-approval never -c "org=${MULTIDB_ORG:-default}" --outputs-file ../localstack/outputs.json
echo "== outputs in localstack/outputs.json; next: localstack/smoke.sh"
