# Shared helpers for the project's scripts: named steps that stop with a hint.
# shellcheck shell=bash
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PREFIX="$ROOT/.odoo"            # unpacked Odoo 19 + companions (git-ignored)
VENV="$ROOT/.venv"              # the project's virtualenv (git-ignored)
CACHE="$ROOT/.cache"            # downloaded .deb files and apt lists (git-ignored)
ODOO_CONF="$PREFIX/odoo.conf"
ODOO_BIN="$ROOT/scripts/odoo-bin"
PY="$VENV/bin/python"

if [ "$(id -u)" = 0 ]; then SUDO=(); else SUDO=(sudo); fi

_step_name=""
_step_hint=""

step() {
    # step NAME HINT: announce a step; on failure the trap names it with its hint.
    _step_name="$1"
    _step_hint="$2"
    printf '\n==> [%s] %s\n' "$(date +%H:%M:%S)" "$_step_name"
}

_on_error() {
    local rc=$?
    printf '\n!! step "%s" failed (exit %s)\n' "${_step_name:-?}" "$rc" >&2
    [ -n "$_step_hint" ] && printf '!! hint: %s\n' "$_step_hint" >&2
    exit "$rc"
}
trap _on_error ERR

die() {
    printf '\n!! step "%s": %s\n' "${_step_name:-?}" "$1" >&2
    [ -n "${2:-}" ] && printf '!! hint: %s\n' "$2" >&2
    exit 1
}

as_postgres() {
    # Run a command as the postgres system user, whether we are root or a sudoer.
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        sudo -u postgres "$@"
    fi
}

port_owner() {
    # Print what listens on TCP port $1 (empty when free).
    ss -Hltnp "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
}

port_in_use() {
    [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]
}

db_exists() {
    [ "$(psql -XtAc "SELECT 1 FROM pg_database WHERE datname = '$1'" postgres 2>/dev/null)" = 1 ]
}

module_state() {
    # Print the state of module $2 in database $1 (empty when not there).
    psql -XtAc "SELECT state FROM ir_module_module WHERE name = '$2'" "$1" 2>/dev/null || true
}

addon_hash() {
    # A fingerprint of the addon's files: a changed addon needs a module update.
    (cd "$ROOT" && find membership_loyalty -type f ! -name '*.pyc' -print0 | sort -z \
        | xargs -0 sha256sum | sha256sum | cut -c1-16)
}
