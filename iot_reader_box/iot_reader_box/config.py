"""Configuration: an INI file, then ``IOT_READER_BOX_<SECTION>_<KEY>`` environment overrides.

Example (``/etc/iot-reader-box/iot-reader-box.ini``)::

    [odoo]
    url = https://shop.example.com
    token_file = /var/lib/iot-reader-box/token

    [daemon]
    debounce_seconds = 1.0
    max_age_seconds = 5

    [pcsc]
    enabled = yes
    # optional: read the shop's application file instead of the UID
    apdus = 00A4040007F0535452454144, 00B0000008

    [serial]
    ports = /dev/ttyUSB0:em4100:9600, /dev/ttyACM0:barcode:115200

``IOT_READER_BOX_ODOO_URL=http://127.0.0.1:8069`` overrides ``[odoo] url``.
"""

import configparser
import os
from dataclasses import dataclass, field

from .serial_frames import PROTOCOLS

ENV_PREFIX = "IOT_READER_BOX_"

DEFAULTS = {
    "odoo": {
        "url": "http://127.0.0.1:8069",
        "token_file": "/var/lib/iot-reader-box/token",
        "timeout_seconds": "10",
    },
    "daemon": {
        "debounce_seconds": "1.0",
        "max_age_seconds": "5",
        "supervisor_period_seconds": "2",
        "frames_per_window": "5",
        "window_seconds": "2",
    },
    "pcsc": {"enabled": "yes", "apdus": ""},
    "serial": {"ports": ""},
}


@dataclass(frozen=True)
class SerialPortConfig:
    port: str
    protocol: str = "em4100"
    baudrate: int | None = None


@dataclass(frozen=True)
class Config:
    odoo_url: str
    token_file: str
    timeout: float
    debounce: float
    max_age: float
    supervisor_period: float
    frames_per_window: int
    window: float
    pcsc_enabled: bool
    pcsc_apdus: list = field(default_factory=list)
    serial_ports: list = field(default_factory=list)


def _parse_ports(text, protocols):
    """``port[:protocol[:baud]]`` items separated by commas; a pyserial URL port
    (``socket://host:port``, ``loop://``) keeps its own colons."""
    ports = []
    for item in filter(None, (part.strip() for part in text.split(","))):
        if "://" in item:
            scheme, rest = item.split("://", 1)
            parts = rest.split(":")
            keep = 2 if len(parts) > 1 and parts[1].isdigit() else 1
            port, extra = f"{scheme}://{':'.join(parts[:keep])}", parts[keep:]
        else:
            port, *extra = item.split(":")
        protocol = extra[0] if extra else "em4100"
        if (
            protocol not in protocols
            or len(extra) > 2
            or (len(extra) == 2 and not extra[1].isdigit())
        ):
            raise ValueError(
                f"serial port {item!r}: expected port[:protocol[:baud]] with a protocol among "
                f"{', '.join(sorted(protocols))}"
            )
        ports.append(SerialPortConfig(port, protocol, int(extra[1]) if len(extra) == 2 else None))
    return ports


def _parse_apdus(text):
    """Comma-separated hex APDUs, e.g. ``00A4040007F0535452454144, 00B0000008``."""
    apdus = []
    for item in filter(None, (part.strip().replace(" ", "") for part in text.split(","))):
        try:
            apdu = bytes.fromhex(item)
        except ValueError:
            raise ValueError(f"[pcsc] apdus: {item!r} is not hexadecimal") from None
        if len(apdu) < 4:
            raise ValueError(f"[pcsc] apdus: {item!r} is shorter than an APDU header")
        apdus.append(apdu)
    return apdus


def load(path=None, environ=None):
    environ = os.environ if environ is None else environ
    parser = configparser.ConfigParser()
    parser.read_dict(DEFAULTS)
    if path:
        with open(path, encoding="utf-8") as handle:
            parser.read_file(handle)
    for name, value in environ.items():
        if not name.startswith(ENV_PREFIX):
            continue
        rest = name[len(ENV_PREFIX) :].lower()
        section, _, key = rest.partition("_")
        if section in DEFAULTS and key:
            parser.set(section, key, value)
    ports = _parse_ports(parser.get("serial", "ports"), PROTOCOLS)
    return Config(
        odoo_url=parser.get("odoo", "url").rstrip("/"),
        token_file=parser.get("odoo", "token_file"),
        timeout=parser.getfloat("odoo", "timeout_seconds"),
        debounce=parser.getfloat("daemon", "debounce_seconds"),
        max_age=parser.getfloat("daemon", "max_age_seconds"),
        supervisor_period=parser.getfloat("daemon", "supervisor_period_seconds"),
        frames_per_window=parser.getint("daemon", "frames_per_window"),
        window=parser.getfloat("daemon", "window_seconds"),
        pcsc_enabled=parser.getboolean("pcsc", "enabled"),
        pcsc_apdus=_parse_apdus(parser.get("pcsc", "apdus")),
        serial_ports=ports,
    )
