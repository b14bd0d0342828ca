#!/usr/bin/env bash
# The README walk-through against a deployed stack, with curl: create a group, a schema database and a child,
# change the schema through the schema database's data plane, then write and read the child with libSQL's
# HTTP protocol (POST /db/<name>/v2/pipeline). Exits non-zero at the first unexpected answer.
#   localstack/smoke.sh                 # against LocalStack (after localstack/deploy.sh)
#   TARGET=aws STACK=Multidb localstack/smoke.sh   # against a real deployment (aws CLI credentials)
# Not run here: the machines this was written on have neither Docker nor an AWS account.
set -euo pipefail
for tool in curl jq aws; do
  command -v "$tool" >/dev/null || { echo "smoke.sh needs $tool on PATH" >&2; exit 1; }
done

TARGET="${TARGET:-localstack}"
STACK="${STACK:-Multidb}"
ORG="${MULTIDB_ORG:-default}"
RUN="$(date +%s)" # fresh names on every run, so the walk-through can be repeated against one deployment
GROUP="smoke-$RUN"
PARENT="app-schema-$RUN"
CHILD="tenant-1-$RUN"

if [ "$TARGET" = localstack ]; then
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
  export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://localhost.localstack.cloud:4566}"
fi

output() {
  aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

API_URL="${API_URL:-$(output ApiUrl)}"
if [ "$TARGET" = localstack ]; then
  # The template's URL names amazonaws.com; LocalStack serves the same API id under its own domain.
  API_ID="$(printf '%s' "$API_URL" | sed -E 's#^https?://([^.]+)\..*#\1#')"
  API_URL="http://$API_ID.execute-api.localhost.localstack.cloud:4566/"
fi
ADMIN_TOKEN="$(aws secretsmanager get-secret-value --secret-id "$(output AdminTokenSecretName)" \
  --query SecretString --output text)"
echo "API: $API_URL"

# call METHOD PATH TOKEN [BODY] -> prints the body; fails unless the status is 2xx
call() {
  local method="$1" path="$2" token="$3" body="${4:-}" response status
  response="$(curl -sS -X "$method" "${API_URL}${path}" \
    -H "authorization: Bearer $token" -H 'content-type: application/json' \
    ${body:+--data "$body"} -w $'\n%{http_code}')"
  status="${response##*$'\n'}"
  response="${response%$'\n'*}"
  echo "$method /$path -> $status" >&2
  if [ "${status:0:1}" != 2 ]; then
    echo "$response" >&2
    exit 1
  fi
  printf '%s' "$response"
}

# sql DB TOKEN STATEMENT -> the execute result; fails if the statement's result is an error
sql() {
  local result
  result="$(call POST "db/$1/v2/pipeline" "$2" \
    "$(jq -cn --arg sql "$3" '{requests: [{type: "execute", stmt: {sql: $sql, want_rows: true}}, {type: "close"}]}')")"
  if [ "$(jq -r '.results[0].type' <<<"$result")" != ok ]; then
    echo "$result" >&2
    exit 1
  fi
  jq -c '.results[0].response.result' <<<"$result"
}

call POST "v1/organizations/$ORG/groups" "$ADMIN_TOKEN" \
  "$(jq -cn --arg n "$GROUP" --arg l "${AWS_DEFAULT_REGION:-us-east-1}" '{name: $n, location: $l}')" >/dev/null
call POST "v1/organizations/$ORG/databases" "$ADMIN_TOKEN" \
  "$(jq -cn --arg n "$PARENT" --arg g "$GROUP" '{name: $n, group: $g, is_schema: true}')" >/dev/null
call POST "v1/organizations/$ORG/databases" "$ADMIN_TOKEN" \
  "$(jq -cn --arg n "$CHILD" --arg g "$GROUP" --arg s "$PARENT" '{name: $n, group: $g, schema: $s}')" >/dev/null

token_for() {
  call POST "v1/organizations/$ORG/databases/$1/auth/tokens?expiration=1d&authorization=full-access" \
    "$ADMIN_TOKEN" | jq -r .jwt
}
PARENT_TOKEN="$(token_for "$PARENT")"
CHILD_TOKEN="$(token_for "$CHILD")"

# DDL on the schema database migrates every child (the state machine) before it answers.
sql "$PARENT" "$PARENT_TOKEN" "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)" >/dev/null
sql "$CHILD" "$CHILD_TOKEN" "INSERT INTO notes (body) VALUES ('hello from the smoke test')" >/dev/null
ROWS="$(sql "$CHILD" "$CHILD_TOKEN" "SELECT body FROM notes")"
echo "$ROWS"
[ "$(jq -r '.rows[0][0].value' <<<"$ROWS")" = "hello from the smoke test" ] || {
  echo "the child did not return the row it stored" >&2
  exit 1
}
echo "smoke test passed: group $GROUP, schema database $PARENT, child $CHILD"
