#!/usr/bin/env bash
# scripts/replica.sh start|stop|status|lag: a streaming read replica of this machine's
# PostgreSQL cluster, as deploy/README.md "Read replica" describes for production: a physical
# copy taken with pg_basebackup, kept up to date by streaming replication, answering
# read-only queries (hot standby) on its own port and socket. Odoo reads from it when started
# with --db_replica_host=/var/run/postgresql --db_replica_port=$REPLICA_PORT.
# REPLICA_PORT (default 5433) picks the port; `start` takes a fresh copy each time.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${REPLICA_PORT:-5433}"
SOCKET_DIR=/var/run/postgresql
VERSION=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
PG_BIN="/usr/lib/postgresql/$VERSION/bin"
DATA="/var/lib/postgresql/$VERSION/membership_replica_$PORT"
# The primary is the cluster the bootstrap started (Debian's main cluster of that version).
PRIMARY_CONF="/etc/postgresql/$VERSION/main"
PRIMARY_PORT=$(sed -n 's/^port *= *\([0-9]*\).*/\1/p' "$PRIMARY_CONF/postgresql.conf")

SLOT="membership_replica_$PORT"

primary_sql() {
    psql -XtA -h "$SOCKET_DIR" -p "$PRIMARY_PORT" -c "$1" postgres
}

drop_slot() {
    # A slot nobody reads keeps the primary's WAL forever: it goes with its replica (once the
    # primary has noticed the replica is gone, which can take a moment after a stop).
    local tries=0
    while [ "$(primary_sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '$SLOT'")" != 0 ]; do
        primary_sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
                     WHERE slot_name = '$SLOT' AND NOT active" >/dev/null
        tries=$((tries + 1))
        [ "$tries" -lt 30 ] || die "replication slot $SLOT is still in use" "pg_stat_replication"
        sleep 0.5
    done
}

running() {
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

stop_replica() {
    if running; then
        as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -m immediate -w -t 120 stop >/dev/null
    fi
}

start_replica() {
    stop_replica
    as_postgres rm -rf "$DATA"
    drop_slot
    # -R writes standby.signal and primary_conninfo; -X stream copies the WAL written meanwhile;
    # -C -S: a replication slot, so the primary keeps the WAL the replica has not received yet
    # (a busy primary recycles it before a slow replica starts streaming otherwise).
    as_postgres "$PG_BIN/pg_basebackup" -D "$DATA" -R -X stream -c fast -C -S "$SLOT" \
        -d "host=$SOCKET_DIR port=$PRIMARY_PORT"
    # Debian keeps the configuration outside the data directory: the copy has none of its
    # own, so it gets a small one, and reuses the primary's client authentication rules.
    as_postgres tee "$DATA/postgresql.conf" >/dev/null <<CONF
port = $PORT
unix_socket_directories = '$SOCKET_DIR'
listen_addresses = ''
hba_file = '$PRIMARY_CONF/pg_hba.conf'
ident_file = '$PRIMARY_CONF/pg_ident.conf'
hot_standby = on
# long report queries are not cancelled by the primary's vacuum
hot_standby_feedback = on
max_connections = 100
shared_buffers = 128MB
CONF
    as_postgres "$PG_BIN/pg_ctl" -D "$DATA" -l "$DATA/replica.log" -w -t 300 start >/dev/null
    echo "replica of port $PRIMARY_PORT on $SOCKET_DIR port $PORT ($DATA)"
}

case "${1:-status}" in
start) start_replica ;;
stop)
    stop_replica
    as_postgres rm -rf "$DATA"
    drop_slot
    ;;
status)
    if running; then echo "replica running on port $PORT"; else echo "no replica on port $PORT"; exit 3; fi
    ;;
lag)
    # bytes of WAL the primary has written that the replica has not replayed yet
    written=$(primary_sql "SELECT pg_current_wal_lsn()")
    psql -XtA -h "$SOCKET_DIR" -p "$PORT" -c \
        "SELECT GREATEST(0, pg_wal_lsn_diff('$written', pg_last_wal_replay_lsn()))::bigint" postgres
    ;;
*)
    echo "usage: $0 start|stop|status|lag" >&2
    exit 2
    ;;
esac
