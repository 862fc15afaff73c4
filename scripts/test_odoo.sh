#!/usr/bin/env bash
# make test-odoo: Odoo's own test suites of the modules the addon touches, run twice with
# the same runner (pytest-odoo): on a database with the addon installed and on one without
# it. Failures of stock Odoo (in both runs) are listed; only the differences fail.
#   ODOO_SUITES="loyalty sms" make test-odoo     # a subset of the suites
#   ODOO_COMPARE=failures make test-odoo          # quick: without the addon, re-run only the
#                                                 # tests that failed with it (half the time)
# Results: .odoo/test-odoo/{with,without}.xml (JUnit) and the comparison on stdout.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
"$ROOT/scripts/bootstrap.sh"

read -r -a suites <<<"${ODOO_SUITES:-loyalty pos_loyalty point_of_sale pos_hr stock sms phone_validation}"
base="${ODOO_TEST_DB:-membership_loyalty_odoo}"
addons="$PREFIX/usr/lib/python3/dist-packages/odoo/addons"
out="$PREFIX/test-odoo"
mkdir -p "$out"
modules=$(IFS=,; echo "${suites[*]}")
paths=()
for suite in "${suites[@]}"; do paths+=("$addons/$suite/tests"); done

compare="${ODOO_COMPARE:-all}"
case "$compare" in
    all) variants=(without with); diff_args=() ;;
    failures) variants=(with without); diff_args=(--failed-only) ;;
    *) die "ODOO_COMPARE=$compare" "use ODOO_COMPARE=all (default) or ODOO_COMPARE=failures" ;;
esac

for variant in "${variants[@]}"; do
    db="${base}_$variant"
    install="$modules"
    [ "$variant" = without ] || install="$install,membership_loyalty"
    if [ "$variant" = without ] && [ "$compare" = failures ]; then
        mapfile -t paths < <("$PY" "$ROOT/scripts/odoo_suites_diff.py" --node-ids "$addons" "$out/with.xml")
        if [ "${#paths[@]}" = 0 ]; then
            printf 'nothing failed with the addon: no run without it needed\n'
            : >"$out/without.log"
            printf '<testsuites><testsuite name="none"/></testsuites>\n' >"$out/without.xml"
            continue
        fi
    fi
    step "database $db ($install)" "see the Odoo log above for the module that failed to install"
    dropdb --if-exists "$db"
    "$ODOO_BIN" -d "$db" -i "$install" --without-demo --stop-after-init --log-level=warn \
        --http-port="$(( 20000 + RANDOM % 20000 ))"
    step "Odoo's own tests, $variant the addon: ${suites[*]}" "a crash of the runner itself, not a test failure: see above"
    # failing tests are the point of the comparison, not a failed step (the trap would say so)
    (cd "$ROOT" && "$VENV/bin/pytest" --odoo-config="$ODOO_CONF" --odoo-database="$db" \
        --odoo-http --odoo-log-level=critical -q \
        --junitxml="$out/$variant.xml" "${paths[@]}" >"$out/$variant.log" 2>&1) || true
    tail -n 1 "$out/$variant.log"
done

step "comparison" "the tests listed under 'only with the addon' broke because of it"
rc=0
"$PY" "$ROOT/scripts/odoo_suites_diff.py" "${diff_args[@]}" "$out/without.xml" "$out/with.xml" || rc=$?
printf '\ntest-odoo: %ss\n' "$((SECONDS - started))"
exit $rc
