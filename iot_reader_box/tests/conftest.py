"""A real PC/SC stack for the daemon's tests: pcscd in the foreground with vpcd's reader."""

import logging
import os
import random
import shutil
import socket
import subprocess
import time

import pytest

VPCD_DRIVER = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"
PCSCD_SOCKET = "/run/pcscd/pcscd.comm"


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


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory):
    """Start pcscd with one vpcd reader on a free port; yield the port vpcd listens on.

    pcscd has one socket per machine (/run/pcscd/pcscd.comm): if another pcscd runs, the
    test fails rather than talk to a stack it did not configure.
    """
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not os.path.exists(binary) or not os.path.exists(VPCD_DRIVER):
        pytest.fail("pcscd and vsmartcard-vpcd are needed: run scripts/bootstrap.sh")
    if _pcscd_running():
        pytest.fail(f"another pcscd already serves {PCSCD_SOCKET}: stop it first")
    port = next(
        p for p in iter(lambda: random.randrange(30000, 60000, 2), None) if _port_pair_free(p)
    )
    conf_dir = tmp_path_factory.mktemp("reader.conf.d")
    (conf_dir / "vpcd").write_text(
        f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME /dev/null:0x{port:04X}\n'
        f"LIBPATH {VPCD_DRIVER}\nCHANNELID 0x{port:04X}\n"
    )
    log = open(conf_dir / "pcscd.log", "wb")  # closed after pcscd stops
    proc = subprocess.Popen(
        [binary, "--foreground", "--apdu", "--config", str(conf_dir)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from smartcard.System import readers

    deadline = time.monotonic() + 15
    while True:
        if proc.poll() is not None:
            log.close()
            pytest.fail(
                f"pcscd exited with {proc.returncode}: {(conf_dir / 'pcscd.log').read_text()}"
            )
        try:
            if any("Virtual PCD" in str(reader) for reader in readers()):
                break
        except Exception:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("pcscd did not list the Virtual PCD reader within 15 s")
        time.sleep(0.1)
    yield port
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


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
