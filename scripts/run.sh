#!/usr/bin/env bash
# make run: install everything (bootstrap), create or reuse the demo database with
# membership_loyalty and its demo data, then serve Odoo in the foreground.
# ODOO_PORT (default 8069) and ODOO_DB (default membership_loyalty_demo) override.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT="${ODOO_PORT:-8069}"
DB="${ODOO_DB:-membership_loyalty_demo}"
started=$SECONDS

"$ROOT/scripts/bootstrap.sh"

step "port $PORT is free" "stop that process, or choose another port: ODOO_PORT=8070 make run"
if port_in_use "$PORT"; then
    die "port $PORT is taken by: $(port_owner "$PORT" || echo 'an unknown process')" \
        "stop it, or run on another port: ODOO_PORT=8070 make run"
fi

step "demo database $DB" "see the Odoo log above; the database is dropped again so the next run starts clean"
stamp="$PREFIX/data/$DB.addon-hash"
state=$(db_exists "$DB" && module_state "$DB" membership_loyalty || true)
if db_exists "$DB" && [ "$state" != installed ]; then
    # A half-built database from an interrupted run: never build on top of it.
    echo "database $DB exists but membership_loyalty is '${state:-absent}': recreating it"
    dropdb "$DB"
    rm -f "$stamp"
fi
if ! db_exists "$DB"; then
    echo "creating $DB with demo data (one to two minutes)"
    if ! "$ODOO_BIN" -d "$DB" -i membership_loyalty --with-demo --stop-after-init \
        --log-level=warn --http-port="$PORT"; then
        dropdb --if-exists "$DB"
        die "could not create $DB" "see the Odoo log above"
    fi
    # The shop's life: two stores, a few hundred members, two years of orders, ledgers,
    # SMS, a finished campaign, scores (the bench's generator, preset demo).
    echo "filling $DB with two years of a shop's life (bench/generate.py --preset demo)"
    if ! ODOO_RC="$ODOO_CONF" "$PY" "$ROOT/bench/generate.py" --database "$DB" --preset demo \
        --quiet; then
        dropdb --if-exists "$DB"
        die "could not generate the demo shop in $DB" "see the traceback above"
    fi
    addon_hash >"$stamp"
elif [ "$(cat "$stamp" 2>/dev/null)" != "$(addon_hash)" ]; then
    echo "membership_loyalty changed since the last run: updating it in $DB"
    "$ODOO_BIN" -d "$DB" -u membership_loyalty --stop-after-init --log-level=warn --http-port="$PORT"
    addon_hash >"$stamp"
else
    echo "reusing $DB (membership_loyalty up to date)"
fi

cat <<INFO

  Odoo with Membership & Loyalty is starting on http://localhost:$PORT  (database $DB)
  ready after $((SECONDS - started))s of setup; stop it with Ctrl-C.
  Logins (login / password):
    admin / admin            Odoo and Membership administrator
    manager / manager        Membership manager
    supervisor / supervisor  Membership supervisor
    cashier / cashier        Membership cashier (Point of Sale user)

INFO
exec "$ODOO_BIN" -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
