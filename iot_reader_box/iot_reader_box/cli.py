"""Command line entry point of the ``iot-reader-box`` daemon."""

import argparse
import logging
import signal
import sys
import threading

from . import __version__
from . import config as config_module
from .events import Debouncer
from .odoo_link import OdooLink, PairingError, pair, read_token, save_token
from .pcsc import PcscReader
from .serial_frames import SerialReader
from .supervisor import Supervisor

_logger = logging.getLogger(__name__)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="iot-reader-box",
        description=(
            "Read membership cards from PC/SC and serial readers and relay each read "
            "to the Odoo POS session the reader is paired with."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "-c",
        "--config",
        metavar="FILE",
        help="configuration file (INI); environment variables IOT_READER_BOX_* override it",
    )
    parser.add_argument(
        "--pair",
        metavar="CODE",
        help="exchange a one-time pairing code (made in Odoo) for this box's device token, "
        "store it in the token file and exit",
    )
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging verbosity (default: %(default)s)",
    )
    return parser


def build_readers(cfg, emit):
    debouncer = Debouncer(cfg.debounce)
    readers = []
    if cfg.pcsc_enabled:
        readers.append(PcscReader(emit, debouncer, apdus=cfg.pcsc_apdus))
    for port in cfg.serial_ports:
        readers.append(SerialReader(emit, port.port, port.protocol, port.baudrate, debouncer))
    return readers


def run_daemon(cfg, token, stop_event):
    link = OdooLink(
        cfg.odoo_url,
        token,
        max_age=cfg.max_age,
        timeout=cfg.timeout,
        frames_per_window=cfg.frames_per_window,
        window=cfg.window,
    )
    readers = build_readers(cfg, link.submit)
    if not readers:
        _logger.error("no reader configured: enable [pcsc] or list [serial] ports")
        return 2
    link_thread = threading.Thread(target=link.run, args=(stop_event,), name="odoo-link")
    link_thread.start()
    try:
        Supervisor(readers, period=cfg.supervisor_period).run(stop_event)
    finally:
        stop_event.set()
        link_thread.join(5)
    return 0


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        cfg = config_module.load(args.config)
    except (OSError, ValueError) as error:
        _logger.error("configuration: %s", error)
        return 2
    if args.pair:
        try:
            result = pair(cfg.odoo_url, args.pair.strip(), timeout=cfg.timeout)
        except PairingError as error:
            _logger.error("pairing refused: %s", error)
            return 1
        except OSError as error:
            _logger.error("cannot reach Odoo at %s to pair: %s", cfg.odoo_url, error)
            return 1
        save_token(cfg.token_file, result["token"])
        _logger.info("paired as %s; token stored in %s", result["device"], cfg.token_file)
        return 0
    try:
        token = read_token(cfg.token_file)
    except OSError as error:
        _logger.error("no device token (%s): run iot-reader-box --pair CODE first", error)
        return 2
    stop_event = threading.Event()

    def stop(signum, _frame):
        _logger.info("signal %s: stopping", signum)
        stop_event.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return run_daemon(cfg, token, stop_event)


if __name__ == "__main__":
    sys.exit(main())
