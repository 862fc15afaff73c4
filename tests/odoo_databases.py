"""Throwaway databases for the adoption tests (install into a shop's Odoo, co-install,
upgrade, uninstall): each is built by `scripts/odoo-bin` processes, as an administrator
would, and read or changed through `odoo-bin shell` scripts."""

import configparser
import json
import os
import subprocess
import sysconfig
from pathlib import Path

import pytest
from e2e_support import free_port

ROOT = Path(__file__).resolve().parent.parent
ODOO_BIN = ROOT / "scripts" / "odoo-bin"
RESULT = "ADOPTION-RESULT:"


def odoo_rc():
    return os.environ.get("ODOO_RC") or str(ROOT / ".odoo" / "odoo.conf")


def configured(option):
    config = configparser.ConfigParser()
    config.read(odoo_rc())
    return config["options"][option]


def configured_addons_path():
    """The addons path of the project's Odoo config, one directory per entry."""
    return [p.strip() for p in configured("addons_path").split(",") if p.strip()]


def configured_data_dir():
    return configured("data_dir")


def venv_addons_dir():
    """Where `odoo-addon-*` wheels put their addons in the project's venv."""
    return str(Path(sysconfig.get_paths()["purelib"]) / "odoo" / "addons")


def addons_path(addon_dir):
    """The configured addons path with ``addon_dir`` in place of this repository (so the
    addon is found there only: an older checkout, or an installed wheel)."""
    paths = [p for p in configured_addons_path() if Path(p).resolve() != ROOT.resolve()]
    return ",".join([*paths, str(addon_dir)])


def odoo_command(database, *args, addons=None):
    command = [str(ODOO_BIN), "-d", database, f"--http-port={free_port()}", "--log-level=warn"]
    if addons:
        command.append(f"--addons-path={addons}")
    return [*command, *args]


def odoo(database, *args, addons=None, timeout=900):
    """Run `scripts/odoo-bin` on ``database`` until it stops; fail the test with the end
    of its log when it exits with an error."""
    done = subprocess.run(
        odoo_command(database, *args, addons=addons),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        pytest.fail(f"odoo-bin {' '.join(args)} on {database} failed:\n{done.stderr[-4000:]}")
    return done


def odoo_started(database, *args, addons=None):
    """`scripts/odoo-bin` on ``database`` in the background (see ``odoo_finished``)."""
    return subprocess.Popen(
        odoo_command(database, *args, addons=addons),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def odoo_finished(process, timeout=900):
    _out, err = process.communicate(timeout=timeout)
    if process.returncode:
        pytest.fail(f"odoo-bin {' '.join(process.args[1:])} failed:\n{err[-4000:]}")


def install(database, modules, addons=None, demo=False):
    """Create ``database`` with ``modules`` installed (fresh: dropped first)."""
    drop(database)
    odoo(
        database,
        "-i",
        modules,
        "--stop-after-init",
        *(() if demo else ("--without-demo",)),
        addons=addons,
    )


def shell(database, code, addons=None):
    """Run ``code`` in `odoo-bin shell` on ``database`` (``env`` is the superuser's, and
    ``result(value)`` hands ``value`` back as JSON); returns the values ``result`` got, in
    order (one shell for several scripts: each start loads the registry)."""
    prelude = (
        "import json as _json\n"
        f"def result(value):\n    print({RESULT!r} + _json.dumps(value, default=str))\n"
    )
    command = [str(ODOO_BIN), "shell", "-d", database, "--log-level=warn", "--no-http"]
    if addons:
        command.append(f"--addons-path={addons}")
    done = subprocess.run(
        command, input=prelude + code, capture_output=True, text=True, timeout=600, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith(RESULT)]
    if done.returncode or not lines or "Traceback" in done.stderr:
        pytest.fail(f"odoo shell on {database} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return [json.loads(line[len(RESULT) :]) for line in lines]


def drop(database):
    subprocess.run(["dropdb", "--if-exists", database], check=True, capture_output=True)


def database_name(suffix):
    base = os.environ.get("TEST_DB") or "membership_loyalty_test"
    return f"{base}_{suffix}"
