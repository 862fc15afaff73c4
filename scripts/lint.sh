#!/usr/bin/env bash
# make lint: ruff (lint + format check) and pylint-odoo's mandatory checks, from the venv.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
[ -x "$VENV/bin/ruff" ] || "$ROOT/scripts/bootstrap.sh"
step "ruff check" "fix the reported lines, or run: .venv/bin/ruff check --fix ."
"$VENV/bin/ruff" check .
step "ruff format --check" "reformat with: .venv/bin/ruff format ."
"$VENV/bin/ruff" format --check .
step "pylint-odoo (mandatory checks)" "see the messages above; the list of checks is in .pylintrc-mandatory"
"$VENV/bin/pylint" --rcfile=.pylintrc-mandatory membership_loyalty
echo "lint clean"
