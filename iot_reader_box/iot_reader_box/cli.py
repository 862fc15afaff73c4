"""Command line entry point of the ``iot-reader-box`` daemon."""

import argparse
import logging
import sys

from . import __version__


def build_parser():
    parser = argparse.ArgumentParser(
        prog="iot-reader-box",
        description=(
            "Read membership cards from PC/SC, serial and keyboard-wedge readers "
            "and relay each read to the Odoo POS session the reader is paired with."
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
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging verbosity (default: %(default)s)",
    )
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger(__name__).error(
        "the reader daemon is not implemented yet; only --help and --version work"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
