#!/usr/bin/env bash
# A throwaway PostgreSQL for the test run: installs Debian's `postgresql` when missing, initdb's
# a cluster in a temporary folder (owned by the `postgres` user when run as root), starts it on
# 127.0.0.1 on a free port with pg_ctl, creates a database, exports
# FORMWORK_TEST_DATABASE_URL, and stops it and removes the folder on exit.
#
# Usage: scripts/postgres.sh [CMD...]   runs CMD (default: an interactive shell) with it up
#        source scripts/postgres.sh; postgres_start   (in a script or subshell; stopped on EXIT)
set -euo pipefail

PG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=scripts/setup.sh
source "$PG_ROOT/scripts/setup.sh"

PG_DIR=""
PG_BIN=""

pg_say() { echo "postgres: $*" >&2; }

pg_find_bin() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x $d/pg_ctl && -x $d/initdb ]] && PG_BIN=$d
    done
    [[ -n $PG_BIN ]]
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
pg_as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

postgres_stop() {
    [[ -n $PG_DIR && -d $PG_DIR ]] || return 0
    pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=""
}

postgres_start() {
    if ! pg_find_bin; then
        apt_install postgresql
        pg_find_bin || setup_die "postgresql is installed but no pg_ctl was found under /usr/lib/postgresql"
    fi
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/formwork-pg.XXXXXX")
    trap postgres_stop EXIT
    if [[ $(id -u) -eq 0 ]]; then
        id postgres >/dev/null 2>&1 || setup_die "no postgres user (the Debian package makes it)"
        chown postgres "$PG_DIR"
    fi
    pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 ||
        {
            cat "$PG_DIR/initdb.log" >&2
            setup_die "initdb failed"
        }
    local port ok=0
    for _ in 1 2 3 4 5; do
        port=$(pg_free_port) || setup_die "no free port"
        if pg_as_owner "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR -c max_connections=200 -c shared_buffers=64MB" start >/dev/null; then
            ok=1
            break
        fi
    done
    ((ok)) || {
        cat "$PG_DIR/server.log" >&2
        setup_die "PostgreSQL did not start"
    }
    pg_as_owner "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres formwork_test
    export FORMWORK_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/formwork_test"
    pg_say "PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{ print $3 }') on 127.0.0.1:$port (FORMWORK_TEST_DATABASE_URL=$FORMWORK_TEST_DATABASE_URL)"
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    postgres_start
    if (($#)); then
        "$@"
    else
        "${SHELL:-bash}" -i
    fi
fi
