#!/usr/bin/env bash
# make bench: install everything, build a fresh bench database, run every bench/ script
# on generated data (BENCH_PRESET=quick, the default, or full). Each script prints its own
# figures; nothing here asserts speed.
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
PRESET="${BENCH_PRESET:-quick}"
run_bench() {
    step "$*" "run it alone: .venv/bin/python $* (see its --help)"
    "$PY" "$@"
}
# Data first (members, cards, two years of orders, ledgers), then each figure on it.
run_bench bench/generate.py --database "$BENCH_DB" --preset "$PRESET"
run_bench bench/analytics_bench.py --database "$BENCH_DB" --no-generate
run_bench bench/pos_member_lookup.py --database "$BENCH_DB" \
    --members "$([ "$PRESET" = full ] && echo 100000 || echo 20000)"
run_bench bench/ledger_bench.py --database "$BENCH_DB"
run_bench bench/sms_bench.py --database "$BENCH_DB"
run_bench bench/reader_latency.py --database "$BENCH_DB"
