#!/usr/bin/env bash
# make bench: install everything, build a fresh bench database, run every bench/ script
# with its quick defaults. Each script prints its own figures; nothing here asserts speed.
# BENCH_DB overrides the database name.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$ROOT/scripts/bootstrap.sh"
BENCH_DB="${BENCH_DB:-membership_loyalty_bench}"
step "bench database $BENCH_DB (fresh, no demo data)" "see the Odoo log above"
dropdb --if-exists "$BENCH_DB"
"$ODOO_BIN" -d "$BENCH_DB" -i membership_loyalty --without-demo --stop-after-init \
    --log-level=warn --http-port="$(( 20000 + RANDOM % 20000 ))"

cd "$ROOT"
for script in bench/*.py; do
    step "$script" "run it alone: .venv/bin/python $script --database $BENCH_DB"
    "$PY" "$script" --database "$BENCH_DB"
done
