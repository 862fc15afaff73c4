"""A real PC/SC stack for the daemon's tests: pcscd in the foreground with vpcd's reader."""

import logging
import os
import random
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
PCSCD_SOCKET = "/run/pcscd/pcscd.comm"
SYSTEM_VPCD_CONF = "/etc/reader.conf.d/vpcd"


def _port_pair_free(port):
    for candidate in (port, port + 1):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", candidate))
            except OSError:
                return False
    return True


def _pcscd_running():
    if not os.path.exists(PCSCD_SOCKET):
        return False
    with socket.socket(socket.AF_UNIX) as sock:
        try:
            sock.connect(PCSCD_SOCKET)
        except OSError:
            return False
    return True


class Pcscd:
    """pcscd in the foreground with one vpcd reader (two slots) on ``port``/``port + 1``."""

    def __init__(self, conf_dir):
        binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
        if not os.path.exists(binary) or not os.path.exists(VPCD_DRIVER):
            pytest.fail("pcscd and vsmartcard-vpcd are needed: run scripts/bootstrap.sh")
        self.binary = binary
        # pcscd parses every file of its config folder: the log lives beside it, not in it
        self.log_path = conf_dir / "pcscd.log"
        self.conf_dir = conf_dir / "reader.conf.d"
        self.conf_dir.mkdir()
        self.port = next(
            p for p in iter(lambda: random.randrange(30000, 60000, 2), None) if _port_pair_free(p)
        )
        (self.conf_dir / "vpcd").write_text(
            f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{self.port:04X}\n'
            f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{self.port:04X}\n"
        )
        self.proc = None
        self.log = None

    def start(self):
        if _pcscd_running():
            pytest.fail(f"another pcscd already serves {PCSCD_SOCKET}: stop it first")
        self.log = open(self.log_path, "ab")  # closed in stop()
        self.proc = subprocess.Popen(
            [self.binary, "--foreground", "--apdu", "--config", str(self.conf_dir)],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        from smartcard.System import readers

        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                self.log.close()
                pytest.fail(
                    f"pcscd exited with {self.proc.returncode}: {self.log_path.read_text()}"
                )
            try:
                if any("Virtual PCD" in str(reader) for reader in readers()):
                    return
            except Exception:
                pass
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail("pcscd did not list the Virtual PCD reader within 15 s")
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def _system_vpcd_port():
    """The port of the vpcd reader a system pcscd (socket-activated by systemd on most
    Debian machines) was configured with by the vsmartcard-vpcd package, or None."""
    try:
        text = Path(SYSTEM_VPCD_CONF).read_text()
    except OSError:
        return None
    match = re.search(r"^\s*CHANNELID\s+(0x[0-9A-Fa-f]+|\d+)", text, re.MULTILINE)
    return int(match.group(1), 0) if match else None


class SystemPcscd:
    """A pcscd this test run did not start: used as is, never stopped."""

    proc = None

    def __init__(self, port):
        self.port = port


@pytest.fixture(scope="session")
def pcscd_process(tmp_path_factory):
    """A real pcscd of our own; pcscd has one socket per machine (/run/pcscd/pcscd.comm),
    so when the system's pcscd already serves it, its vpcd reader is used instead."""
    if _pcscd_running():
        port = _system_vpcd_port()
        if port is None:
            pytest.fail(f"a pcscd without vsmartcard's vpcd reader serves {PCSCD_SOCKET}")
        yield SystemPcscd(port)
        return
    process = Pcscd(tmp_path_factory.mktemp("pcscd"))
    process.start()
    yield process
    process.stop()


@pytest.fixture
def pcscd(pcscd_process):
    """The TCP port on which vpcd waits for a virtual card."""
    if pcscd_process.proc is not None and pcscd_process.proc.poll() is not None:
        pcscd_process.start()
    return pcscd_process.port


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())

    @property
    def text(self):
        return "\n".join(self.lines)


@pytest.fixture
def box_log():
    """Every message the daemon logs during the test, setup included."""
    handler = _Lines()
    logger = logging.getLogger("iot_reader_box")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)
