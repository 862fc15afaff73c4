#!/usr/bin/env bash
# make test: install everything (bootstrap), build a fresh test database with the addon,
# then run the whole suite in one pytest run: the addon's tests (pytest-odoo, POS tours in
# headless Chromium), the daemon's tests, the end-to-end tests in tests/ and a sample of
# Odoo's own tests (back-office and till tours, loyalty) with the addon installed.
# Extra arguments go to pytest: scripts/test.sh membership_loyalty/tests/test_install.py
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

started=$SECONDS
"$ROOT/scripts/bootstrap.sh"
setup_done=$SECONDS

TEST_DB="${TEST_DB:-membership_loyalty_test}"
# pos_hr too: the addon gives pos_hr employees their till rights when it is installed, and
# that feature is tested (it changes the POS login only for configs with employees).
step "test database $TEST_DB (fresh, membership_loyalty and pos_hr installed)" "see the Odoo log above for the module that failed to install"
dropdb --if-exists "$TEST_DB"
"$ODOO_BIN" -d "$TEST_DB" -i membership_loyalty,pos_hr --without-demo --stop-after-init \
    --log-level=warn --http-port="$(( 20000 + RANDOM % 20000 ))"
db_done=$SECONDS

step "pytest" "read the failures above; rerun one file with: make test TESTS=path/to/test_file.py"
# A sample of Odoo's own suites, run on the same database: a shop runs them with the addon
# installed, and a break of theirs (an asset the addon puts in a shared bundle, a changed
# default) must fail this suite. `make test-odoo` runs their whole suites.
ODOO_ADDONS="$PREFIX/usr/lib/python3/dist-packages/odoo/addons"
ODOO_SAMPLE=(
    "$ODOO_ADDONS/loyalty/tests"
    "$ODOO_ADDONS/point_of_sale/tests/test_point_of_sale_ui.py::TestUi::test_01_point_of_sale_tour"
    "$ODOO_ADDONS/point_of_sale/tests/test_frontend.py::TestUi::test_pos_closing_cash_details"
    "$ODOO_ADDONS/pos_hr/tests/test_frontend.py::TestUi::test_go_backend"
    "$ODOO_ADDONS/stock/tests/test_picking_tours.py::TestStockPickingTour::test_generate_serial_1"
)
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(membership_loyalty/tests iot_reader_box/tests tests "${ODOO_SAMPLE[@]}")
set +e
(cd "$ROOT" && TEST_DB="$TEST_DB" "$VENV/bin/pytest" \
    --odoo-config="$ODOO_CONF" --odoo-database="$TEST_DB" --odoo-http \
    --odoo-log-level=warn "${targets[@]}")
rc=$?
set -e
printf '\ntimings: setup %ss, test database %ss, tests %ss, total %ss\n' \
    "$((setup_done - started))" "$((db_done - setup_done))" "$((SECONDS - db_done))" "$((SECONDS - started))"
exit $rc
