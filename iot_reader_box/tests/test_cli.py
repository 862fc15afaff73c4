"""The console script installed by the bootstrap answers --help and --version."""

import shutil
import subprocess
import sys
from pathlib import Path

from iot_reader_box import __version__


def _script():
    # The venv's bin folder holds the console script pip generated from pyproject.toml.
    path = Path(sys.executable).with_name("iot-reader-box")
    assert path.exists() or shutil.which("iot-reader-box"), "iot-reader-box is not installed"
    return str(path if path.exists() else shutil.which("iot-reader-box"))


def test_help_describes_the_daemon():
    result = subprocess.run([_script(), "--help"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: iot-reader-box")
    assert "POS session" in result.stdout
    assert "--config" in result.stdout


def test_version_matches_package():
    result = subprocess.run([_script(), "--version"], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"iot-reader-box {__version__}"


def test_unknown_option_is_refused():
    result = subprocess.run(
        [_script(), "--no-such-flag"], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-flag" in result.stderr
