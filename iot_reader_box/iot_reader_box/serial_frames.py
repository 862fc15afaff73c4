"""Serial readers: 125 kHz EM4100/RDM6300 frames, magstripe lines, barcode/QR lines.

Magstripe lines are relayed as their tracks (``card_codes.relayed_swipe``): Odoo reads the
number with the stripe layout of each card type, as it does for a swipe typed at the till.
The box drops only what no layout can read (no track, every track unreadable, no digit).

Each protocol is described as data (``PROTOCOLS``): framing bytes, body length, checksum
and the parser of a complete frame. ``FrameDecoder`` turns a byte stream into codes and
drops malformed input with a logged reason; ``SerialReader`` reads a port with pyserial.
"""

import logging
import os
import re
from dataclasses import dataclass

import serial

from .card_codes import CardCodeError, relayed_swipe
from .events import CardRead
from .reader import Reader

_logger = logging.getLogger(__name__)

STX, ETX, CR, LF = b"\x02", b"\x03", b"\r", b"\n"


class FrameError(ValueError):
    """A frame that must be dropped; the message is the logged reason."""


def _xor_hex_checksum(body):
    """EM4100/RDM6300: 10 hex data chars + 2 hex chars, the XOR of the 5 data bytes."""
    text = body.decode("ascii", "replace")
    if not re.fullmatch(r"[0-9A-Fa-f]{12}", text):
        raise FrameError(f"not hexadecimal: {text!r}")
    data = bytes.fromhex(text[:10])
    expected = 0
    for byte in data:
        expected ^= byte
    given = int(text[10:], 16)
    if given != expected:
        raise FrameError(f"checksum {given:02X} != {expected:02X}")
    return text[:10].upper()


def _magstripe(body):
    """The tracks of a swipe, for Odoo to read the number with its card types' layouts."""
    try:
        return relayed_swipe(body.decode("ascii", "replace"))
    except CardCodeError as error:
        raise FrameError(str(error)) from error


def _text_line(body):
    text = body.decode("ascii", "replace").strip()
    if not text:
        raise FrameError("empty line")
    if not text.isprintable() or "\ufffd" in text:
        raise FrameError("non-printable characters in line")
    if len(text) > 128:
        raise FrameError("line longer than 128 characters")
    return text


@dataclass(frozen=True)
class Protocol:
    """How one family of serial readers frames a read.

    ``start`` empty means line mode: a frame is everything up to ``end`` (CR or LF).
    """

    name: str
    start: bytes
    end: bytes
    body_length: int | None
    parse: object
    baudrate: int = 9600
    max_length: int = 256


PROTOCOLS = {
    "em4100": Protocol("em4100", STX, ETX, 12, _xor_hex_checksum, 9600),
    "magstripe": Protocol("magstripe", b"", CR, None, _magstripe, 9600),
    "barcode": Protocol("barcode", b"", CR, None, _text_line, 9600),
}


class FrameDecoder:
    """Feed bytes, get complete codes back; malformed frames are dropped and logged."""

    def __init__(self, protocol, source="serial"):
        self.protocol = protocol
        self.source = source
        self.buffer = b""
        self.dropped = []  # reasons, newest last (kept short), for tests and diagnostics

    def _drop(self, reason):
        _logger.warning("%s: %s frame dropped: %s", self.source, self.protocol.name, reason)
        self.dropped = [*self.dropped[-49:], reason]

    def feed(self, data):
        self.buffer += data
        if self.protocol.start:
            return self._feed_framed()
        return self._feed_lines()

    def _feed_framed(self):
        proto, codes = self.protocol, []
        while self.buffer:
            start = self.buffer.find(proto.start)
            if start < 0:
                self._drop(f"{len(self.buffer)} bytes of noise outside a frame")
                self.buffer = b""
                break
            if start > 0:
                self._drop(f"{start} bytes of noise before a frame")
                self.buffer = self.buffer[start:]
            end = self.buffer.find(proto.end, 1)
            restart = self.buffer.find(proto.start, 1)
            if restart >= 0 and (end < 0 or restart < end):
                self._drop("truncated frame (a new frame started before its end)")
                self.buffer = self.buffer[restart:]
                continue
            if end < 0:
                if len(self.buffer) > proto.body_length + 1:
                    self._drop("frame too long, no end byte")
                    self.buffer = b""
                break  # wait for more bytes
            body, self.buffer = self.buffer[1:end], self.buffer[end + 1 :]
            if len(body) != proto.body_length:
                self._drop(f"truncated frame ({len(body)} of {proto.body_length} bytes)")
                continue
            try:
                codes.append(proto.parse(body))
            except FrameError as error:
                self._drop(str(error))
        return codes

    def _feed_lines(self):
        codes = []
        # Either CR or LF ends a line; a CR LF pair gives one empty line, skipped quietly.
        lines = re.split(rb"[\r\n]", self.buffer)
        self.buffer = lines.pop()
        if len(self.buffer) > self.protocol.max_length:
            self._drop("line too long without a terminator")
            self.buffer = b""
        for line in lines:
            if not line:
                continue
            try:
                codes.append(self.protocol.parse(line))
            except FrameError as error:
                self._drop(str(error))
        return codes


class SerialReader(Reader):
    """One serial port speaking one protocol (port, baud and protocol come from the config)."""

    def __init__(self, emit, port, protocol="em4100", baudrate=None, debouncer=None):
        super().__init__(emit, debouncer)
        self.port = port
        self.protocol = PROTOCOLS[protocol]
        self.baudrate = baudrate or self.protocol.baudrate
        self.name = f"serial:{port}"

    def supported(self):
        return "://" in self.port or os.path.exists(self.port)

    def run(self, stop_event):
        decoder = FrameDecoder(self.protocol, self.name)
        with serial.serial_for_url(self.port, baudrate=self.baudrate, timeout=0.2) as port:
            _logger.info(
                "%s: reading %s frames at %s baud", self.name, self.protocol.name, self.baudrate
            )
            while not stop_event.is_set():
                data = port.read(port.in_waiting or 1)
                if not data:
                    continue
                for code in decoder.feed(data):
                    self._emit_debounced(CardRead(uid=code, reader=self.name))
