# The two commands a newcomer types: `make run` and `make test`. See README.md.
.PHONY: run test test-odoo lint bootstrap bench

run:
	@scripts/run.sh

# make test TESTS="membership_loyalty/tests/test_install.py" runs one file.
test:
	@scripts/test.sh $(TESTS)

# Odoo's own suites (loyalty, POS, stock, SMS...) with and without the addon, compared.
test-odoo:
	@scripts/test_odoo.sh

lint:
	@scripts/lint.sh

bootstrap:
	@scripts/bootstrap.sh

# Benchmarks print figures (quick sizes by default); see bench/ for each script's options.
bench:
	@scripts/bench.sh
