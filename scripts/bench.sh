#!/usr/bin/env bash
# make bench: install everything, build a fresh bench database, run every bench/ script
# on generated data (BENCH_PRESET=quick, the default, full, or huge: 1M members and ~10M order
# lines, on demand only: its data alone took 17 min and 6 GB of disk). Each script prints its own
# figures; nothing here asserts speed. The run ends with one table (bench/report.py):
# figure, value, goal, baseline measured in the same run, ratio, goal met or missed.
# BENCH_DB overrides the database name.
# On a database kept from an earlier run (the huge one takes 17 min to generate):
#   BENCH_REUSE=1 BENCH_DB=membership_loyalty_huge BENCH_PRESET=huge scripts/bench.sh
# updates the addon in it (-u membership_loyalty) and runs the benchmarks on its data, no
# drop, no generation; BENCH_PRESET must be the one it was generated with (the sizes
# follow it). BENCH_ONLY="analytics_bench pos_member_lookup" runs only the scripts named
# (generate is one of them); BENCH_BOOTSTRAP=0 skips scripts/bootstrap.sh (a git worktree
# sharing another checkout's .odoo and .venv must not rewrite them).
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "${BENCH_BOOTSTRAP:-1}" = 0 ] || "$ROOT/scripts/bootstrap.sh"
BENCH_START=$SECONDS
BENCH_DB="${BENCH_DB:-membership_loyalty_bench}"
HTTP_PORT="$(( 20000 + RANDOM % 20000 ))"
if [ "${BENCH_REUSE:-0}" = 1 ]; then
    step "bench database $BENCH_DB (kept: the addon updated, its data as it is)" \
        "BENCH_REUSE=1 needs a database made by an earlier run (BENCH_DB)"
    db_exists "$BENCH_DB" || die "no database $BENCH_DB" "run without BENCH_REUSE first"
    "$ODOO_BIN" -d "$BENCH_DB" -u membership_loyalty --stop-after-init --log-level=warn \
        --http-port="$HTTP_PORT"
else
    # pos_loyalty too: Odoo's own loyalty programs are the peer of the POS sync figures.
    step "bench database $BENCH_DB (fresh, no demo data, with pos_loyalty)" "see the Odoo log above"
    dropdb --if-exists "$BENCH_DB"
    "$ODOO_BIN" -d "$BENCH_DB" -i membership_loyalty,pos_loyalty --without-demo \
        --stop-after-init --log-level=warn --http-port="$HTTP_PORT"
fi
# Every script appends its figures here (bench/figures.py); bench/report.py prints them.
# The file stays after the run: `.venv/bin/python bench/report.py FILE` prints it again.
BENCH_RESULTS="${BENCH_RESULTS:-$ROOT/.odoo/bench-results-$BENCH_DB.jsonl}"
: > "$BENCH_RESULTS"
export BENCH_RESULTS

cd "$ROOT"
PRESET="${BENCH_PRESET:-quick}"
run_bench() {
    # run_bench bench/NAME.py ARGS: skipped when BENCH_ONLY is set and does not name it.
    local name
    name="$(basename "$1" .py)"
    if [ -n "${BENCH_ONLY:-}" ] && [[ " $BENCH_ONLY " != *" $name "* ]]; then
        return 0
    fi
    step "$*" "run it alone: .venv/bin/python $* (see its --help)"
    "$PY" "$@"
}
# Data first (members, cards, two years of orders, ledgers), then each figure on it.
# full FULL QUICK [HUGE]: the size for the preset (huge: HUGE, else the full size).
full() {
    case "$PRESET" in
        huge) echo "${3:-$1}" ;;
        full) echo "$1" ;;
        *) echo "$2" ;;
    esac
}
if [ "${BENCH_REUSE:-0}" = 1 ]; then
    echo "BENCH_REUSE=1: $BENCH_DB keeps the shop it holds (preset $PRESET), nothing generated"
else
    run_bench bench/generate.py --database "$BENCH_DB" --preset "$PRESET"
fi
run_bench bench/analytics_bench.py --database "$BENCH_DB" --no-generate
run_bench bench/pos_sync_bench.py --database "$BENCH_DB" --orders "$(full 100 40)"
run_bench bench/pos_member_lookup.py --database "$BENCH_DB" --cards "$(full 200000 25000 1000000)"
run_bench bench/ledger_bench.py --database "$BENCH_DB" \
    --spends "$(full 10000 400)" --bulk "$(full 1000000 20000)"
run_bench bench/sms_bench.py --database "$BENCH_DB" \
    --members "$(full 100000 5000 1000000)" --send "$(full 10000 500)"
# Under the peak-hour load, as the goal is set (its own prefork Odoo and tills).
run_bench bench/reader_latency.py --database "$BENCH_DB" --peak-tills "$(full 20 5)"
run_bench bench/pos_package_bench.py --database "$BENCH_DB" --orders "$(full 100 40)"
# BENCH_IMPORT_MEMBERS=100000 for the issue's size (about two minutes).
run_bench bench/import_bench.py --database "$BENCH_DB" --members "${BENCH_IMPORT_MEMBERS:-5000}"
# Last: it starts its own Odoo in prefork mode (deploy/odoo.conf) and commits its tills'
# orders; quick = 5 tills for 2 x 8 s per shape, full = 20 tills for 4 x 15 s.
run_bench bench/peak_hour.py --database "$BENCH_DB" \
    --tills "$(full 20 5)" --duration "$(full 15 8)" --rounds "$(full 4 2)"
step "the table: every figure with its goal and same-run baseline" "bench/report.py $BENCH_RESULTS"
"$PY" bench/report.py "$BENCH_RESULTS" --preset "$PRESET" --database "$BENCH_DB" \
    --elapsed "$(( SECONDS - BENCH_START ))"
