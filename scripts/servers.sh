#!/usr/bin/env bash
# Starts and stops the real servers the tests and the production mode talk to:
# PostgreSQL 15, Redis and RabbitMQ from Debian's packages, on loopback only,
# each with its own state under $EMPORIUM_SERVERS_DIR (default ./.servers).
#
#   scripts/servers.sh install          apt-get the packages that are missing (needs root)
#   scripts/servers.sh start [pg redis rabbitmq]   (default: all three)
#   scripts/servers.sh stop  [pg redis rabbitmq]
#   scripts/servers.sh env              print the URLs as shell exports (TEST_*, for the tests)
#   scripts/servers.sh urls             print DATABASE_URL, REDIS_URL, AMQP_URL (for prod:start)
#
# Settings: EMPORIUM_SERVERS_DIR, EMPORIUM_PG_PORT, EMPORIUM_REDIS_PORT, EMPORIUM_AMQP_PORT,
# EMPORIUM_AMQP_DIST_PORT, EMPORIUM_AMQP_NODE (two nodes on one host need two names) and
# EMPORIUM_PG_MAX_CONNECTIONS (applied at every start; default 400 from the first start's config).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${EMPORIUM_SERVERS_DIR:-$ROOT/.servers}"
PG_PORT="${EMPORIUM_PG_PORT:-55432}"
REDIS_PORT="${EMPORIUM_REDIS_PORT:-56379}"
AMQP_PORT="${EMPORIUM_AMQP_PORT:-56720}"
AMQP_NODE="${EMPORIUM_AMQP_NODE:-emporium@localhost}"
PG_MAX_CONNECTIONS="${EMPORIUM_PG_MAX_CONNECTIONS:-}"
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)"

log() { echo "servers: $*" >&2; }

# PostgreSQL's directory. As root the server runs as 'postgres', which may not be
# able to reach a checkout under a private directory (mktemp -d is 0700): then it
# lives in a postgres-owned directory under /tmp, named after this checkout.
pg_dir() {
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$DIR"
    if ! runuser -u postgres -- test -x "$DIR" 2>/dev/null; then
      echo "${TMPDIR:-/tmp}/emporium-pg-$(printf '%s' "$DIR" | md5sum | cut -c1-12)"
      return
    fi
  fi
  echo "$DIR/pg"
}

as_pg_owner() {
  # PostgreSQL refuses to run as root; use the Debian 'postgres' account then.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

install_missing() {
  local want=()
  [ -n "$PG_BIN" ] || want+=(postgresql)
  command -v redis-server >/dev/null || want+=(redis-server)
  command -v rabbitmq-server >/dev/null || [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || want+=(rabbitmq-server)
  command -v nginx >/dev/null || want+=(nginx)
  command -v ab >/dev/null || want+=(apache2-utils)
  command -v openssl >/dev/null || want+=(openssl)
  command -v curl >/dev/null || want+=(curl)
  if [ ${#want[@]} -eq 0 ]; then return 0; fi
  if [ "$(id -u)" != 0 ]; then
    log "missing packages: ${want[*]} (run as root, or: sudo apt-get install ${want[*]})"; exit 1
  fi
  log "installing ${want[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-upgrade "${want[@]}" >/dev/null
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
}

start_pg() {
  local pg; pg="$(pg_dir)"
  local data="$pg/data"
  if as_pg_owner "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then log "postgres already up"; return; fi
  mkdir -p "$pg"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$pg"
  if [ ! -f "$data/PG_VERSION" ]; then
    as_pg_owner "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    # Several services x instances x pool size: the production topology needs more than the default 100.
    cat >> "$data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$pg'
max_connections = 400
shared_buffers = 256MB
fsync = on
CONF
  fi
  local opts=()
  [ -n "$PG_MAX_CONNECTIONS" ] && opts=(-o "-c max_connections=$PG_MAX_CONNECTIONS")
  as_pg_owner "$PG_BIN/pg_ctl" -D "$data" -l "$pg/server.log" -w -t 60 "${opts[@]}" start >/dev/null
  log "postgres up on 127.0.0.1:$PG_PORT"
}

stop_pg() {
  local pg; pg="$(pg_dir)"
  [ -n "$PG_BIN" ] && [ -f "$pg/data/postmaster.pid" ] || return 0
  as_pg_owner "$PG_BIN/pg_ctl" -D "$pg/data" -m fast -w stop >/dev/null || true
  log "postgres stopped"
}

start_redis() {
  if [ -f "$DIR/redis/redis.pid" ] && kill -0 "$(cat "$DIR/redis/redis.pid")" 2>/dev/null; then log "redis already up"; return; fi
  mkdir -p "$DIR/redis"
  # appendonly: carts live in Redis in production and must survive a restart.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$DIR/redis" \
    --pidfile "$DIR/redis/redis.pid" --logfile "$DIR/redis/redis.log" \
    --appendonly yes --save '' --protected-mode yes
  for _ in $(seq 1 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  log "redis up on 127.0.0.1:$REDIS_PORT"
}

stop_redis() {
  local f="$DIR/redis/redis.pid"
  [ -f "$f" ] || return 0
  local pid; pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$f"; log "redis stopped"
}

rabbit_env() {
  export HOME="$DIR/rabbitmq"
  export RABBITMQ_NODENAME="$AMQP_NODE"
  export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
  export RABBITMQ_NODE_PORT="$AMQP_PORT"
  export RABBITMQ_DIST_PORT="${EMPORIUM_AMQP_DIST_PORT:-26720}"
  export RABBITMQ_MNESIA_BASE="$DIR/rabbitmq/mnesia"
  export RABBITMQ_LOG_BASE="$DIR/rabbitmq/log"
  export RABBITMQ_PID_FILE="$DIR/rabbitmq/rabbitmq.pid"
  export RABBITMQ_CONFIG_FILE="$DIR/rabbitmq/rabbitmq"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/rabbitmq/enabled_plugins"
  export ERL_EPMD_ADDRESS=127.0.0.1
}

start_rabbitmq() {
  rabbit_env
  local bin=/usr/lib/rabbitmq/bin
  if [ -f "$RABBITMQ_PID_FILE" ] && kill -0 "$(cat "$RABBITMQ_PID_FILE")" 2>/dev/null; then log "rabbitmq already up"; return; fi
  mkdir -p "$DIR/rabbitmq/log" "$DIR/rabbitmq/mnesia"
  echo '[].' > "$RABBITMQ_ENABLED_PLUGINS_FILE"
  # The CLI and the node must share a cookie; create it before either starts,
  # otherwise the first -detached start races the CLI creating it.
  if [ ! -f "$HOME/.erlang.cookie" ]; then
    head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$HOME/.erlang.cookie"
    chmod 400 "$HOME/.erlang.cookie"
  fi
  cat > "$RABBITMQ_CONFIG_FILE.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$AMQP_PORT
loopback_users = none
CONF
  "$bin/rabbitmq-server" -detached
  "$bin/rabbitmq-diagnostics" -q wait "$RABBITMQ_PID_FILE" --timeout 120 >/dev/null
  log "rabbitmq up on 127.0.0.1:$AMQP_PORT"
}

stop_rabbitmq() {
  rabbit_env
  [ -f "$RABBITMQ_PID_FILE" ] || return 0
  local pid; pid="$(cat "$RABBITMQ_PID_FILE")"
  /usr/lib/rabbitmq/bin/rabbitmqctl -q stop "$RABBITMQ_PID_FILE" >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$RABBITMQ_PID_FILE"; log "rabbitmq stopped"
}

print_env() {
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "export TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "export TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT"
  echo "export EMPORIUM_SERVERS_DIR=$DIR"
}

print_urls() {
  echo "DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
  echo "AMQP_URL=amqp://guest:guest@127.0.0.1:$AMQP_PORT"
}

cmd="${1:-}"; shift || true
which=("$@"); [ ${#which[@]} -eq 0 ] && which=(pg redis rabbitmq)
case "$cmd" in
  install) install_missing ;;
  start) install_missing; for s in "${which[@]}"; do "start_$s"; done ;;
  stop) for s in "${which[@]}"; do "stop_$s"; done ;;
  env) print_env ;;
  urls) print_urls ;;
  *) echo "usage: $0 install|start|stop|env|urls [pg redis rabbitmq]" >&2; exit 2 ;;
esac
