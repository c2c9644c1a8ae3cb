#!/usr/bin/env bash
# npm test: starts the real servers (installing them when missing), builds the
# migrated test templates, runs every test file with node's test runner, and
# stops the servers it started. Pass test files to run only those.
# EMPORIUM_KEEP_SERVERS=1 leaves the servers running afterwards (several runs at once).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/servers.sh start
eval "$(bash scripts/servers.sh env)"
# Templates are per run, so runs in parallel never drop each other's.
export TEST_PG_TEMPLATE="emporium_tpl_$$"
export TEST_PGLITE_TEMPLATE="$EMPORIUM_SERVERS_DIR/pglite-template-$$.tar.gz"
# The production topologies the tests start keep their state under this run's directory; whatever a
# test file cut off by its timeout could not stop (PM2 daemons and their apps, nginx) is stopped below.
export EMPORIUM_PROD_TMP="$(mktemp -d)"
chmod 755 "$EMPORIUM_PROD_TMP" # nginx's workers (www-data when run as root) must get through it
cleanup() {
  for d in "$EMPORIUM_PROD_TMP"/*/; do
    if [ -f "$d/pm2/pm2.pid" ]; then PM2_HOME="$d/pm2" node_modules/.bin/pm2 kill >/dev/null 2>&1 || true; fi
    if [ -f "$d/nginx/nginx.pid" ]; then kill -QUIT "$(cat "$d/nginx/nginx.pid")" 2>/dev/null || true; fi
  done
  rm -rf "$EMPORIUM_PROD_TMP"
  psql -q "$TEST_DATABASE_URL" -c "drop database if exists $TEST_PG_TEMPLATE with (force)" >/dev/null 2>&1 || true
  rm -f "$TEST_PGLITE_TEMPLATE"
  # Quietly: the test runner's summary stays the last thing printed.
  if [ -z "${EMPORIUM_KEEP_SERVERS:-}" ]; then bash scripts/servers.sh stop >/dev/null 2>&1; fi
}
trap cleanup EXIT

node --import tsx test/setup/make-templates.ts

if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi
# The production topologies run the compiled dist/. Built once here, before any test file starts one:
# prod:start building in each would rewrite dist/ under another topology's starting processes (a
# module read half-written fails to load).
if grep -q "helpers/topology" "${files[@]}"; then
  npm run build --silent
  export PROD_SKIP_BUILD=1
fi
node --import tsx --test --test-reporter=spec --test-concurrency="${TEST_CONCURRENCY:-4}" --test-timeout=600000 "${files[@]}"
