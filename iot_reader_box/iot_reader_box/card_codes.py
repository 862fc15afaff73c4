"""What a card reader sends, turned into what identifies the card: one module for every path.

The reader box (serial magstripe decoders, chip readers) and the Odoo server (codes typed
into the till by keyboard-wedge readers) both read cards with these functions. Standard
library only: the box runs without Odoo, and the membership addon links this very file
(``membership_loyalty/tools/card_codes.py``) instead of keeping a copy.

Magnetic stripes (ISO/IEC 7811 layout, ISO/IEC 7813 bank cards, ISO 4909 track 3):
track 1 ``%<format letter><number>^<name>^...?``, track 2 ``;<number>[=<data>]?``,
track 3 ``+...?`` (or a second ``;...?``). A swipe may hold several tracks, each possibly
followed by its LRC character; a track the reader could not read comes as ``E``. Where a
card keeps its number is a ``StripeLayout`` (set per card type in Odoo): which track, which
field (fields are separated by ``^`` on track 1 and ``=`` on tracks 2 and 3) and, if the
number is only part of the field, from which character and how long.

Chip and 125 kHz UIDs: a tag may be printed or typed as hex, with its bytes reversed, as
10 decimal digits (its low 32 bits) or as Wiegand-26 (8-bit facility, 16-bit number).
"""

import re
from dataclasses import dataclass

START_SENTINELS = "%;+"
MAX_NUMBER_DIGITS = 19  # ISO/IEC 7812

_HEX = re.compile(r"[0-9A-Fa-f]+")
_TRACK = re.compile(r"([%;+])([^%;+?]*)\?")
_NUMBER = re.compile(r"\d{1,19}")
_TRACK1_NUMBER = re.compile(r"[A-Z]?(\d{1,19})(?:\^.*)?")
_TRACK2_NUMBER = re.compile(r"(\d{1,19})(?:=.*)?")
_ISO4909_TRACK3 = re.compile(r"\d{2}(\d{1,19})=.+")
_DECIMAL_UID = re.compile(r"\d{10}")
_WIEGAND26 = re.compile(r"(\d{3}),?(\d{5})")


class CardCodeError(ValueError):
    """A read that identifies no card: ``reason`` is one of ``unreadable``, ``disagree``,
    ``no_track`` (then ``track`` says which), ``no_number`` (for a translated message) and
    the message says why, for a log."""

    def __init__(self, reason, message, track=None):
        super().__init__(message)
        self.reason = reason
        self.track = track


@dataclass(frozen=True)
class StripeLayout:
    """Where a card keeps its number on the stripe.

    ``track``: 1, 2 or 3, or 0 for any track (track 2 first, then 1, then 3; tracks that
    carry a number must agree). ``field``: the field of the track, 1 being the start of
    the track. ``start``/``length``: only part of the field, from its ``start``-th
    character (1 = the first, as written on the stripe) and ``length`` characters long
    (0 = to the end of the field); both 0 = the whole field. The default layout (any
    track, field 1, whole) reads number-only tracks and the bank-card layout.
    """

    track: int = 0
    field: int = 1
    start: int = 0
    length: int = 0

    def is_default(self):
        return self == DEFAULT_LAYOUT

    def __str__(self):
        text = f"track {self.track}" if self.track else "any track"
        text += f", field {self.field}"
        if self.start or self.length:
            text += f", from character {max(self.start, 1)}"
            text += f", {self.length} long" if self.length else ""
        return text


DEFAULT_LAYOUT = StripeLayout()


def is_swipe(code):
    """True when ``code`` is a magnetic-stripe swipe: it starts with a track's start
    sentinel and holds an end sentinel (``+32 470...`` is a phone number, not track 3)."""
    return bool(code) and code.strip()[:1] in START_SENTINELS and "?" in code


def _tracks(text):
    """[(track number, body)] of a swipe, in order; what follows an end sentinel up to the
    next start sentinel (the LRC, a line end) is dropped."""
    found = []
    semicolons = 0
    for sentinel, body in _TRACK.findall(text):
        if sentinel == "%":
            found.append((1, body))
        elif sentinel == "+":
            found.append((3, body))
        else:
            semicolons += 1
            found.append((2 if semicolons == 1 else 3, body))
    return found


def _track_number(track, body):
    """The card number of a track in the default layout (the number alone, before ``=`` or
    ``^``, after track 1's format letter or ISO 4909's format code), or None."""
    if track == 1:
        match = _TRACK1_NUMBER.fullmatch(body)
    elif track == 3 and _ISO4909_TRACK3.fullmatch(body):
        match = _ISO4909_TRACK3.fullmatch(body)
    else:
        match = _TRACK2_NUMBER.fullmatch(body)
    return match.group(1) if match else None


def _layout_number(track, body, layout):
    """The card number ``layout`` finds in one track, or None."""
    if layout.field == 1 and not (layout.start or layout.length):
        return _track_number(track, body)
    fields = body.split("^" if track == 1 else "=")
    if layout.field > len(fields):
        return None
    value = fields[layout.field - 1]
    if layout.start or layout.length:
        first = max(layout.start, 1) - 1
        value = value[first : first + layout.length] if layout.length else value[first:]
        if layout.length and len(value) != layout.length:
            return None
    return value if _NUMBER.fullmatch(value) else None


def swipe_number(text, layout=DEFAULT_LAYOUT):
    """The card number of a magnetic-stripe swipe (one or more tracks), read with ``layout``.

    Raises CardCodeError when the layout's track is missing or unreadable, when it holds no
    number there, or (any track) when the tracks disagree or every track is unreadable.
    """
    tracks = _tracks(text or "")
    if layout.track:
        bodies = [body for track, body in tracks if track == layout.track]
        if not bodies:
            raise CardCodeError("no_track", f"no track {layout.track} on the swipe", layout.track)
        if bodies[0] == "E":
            raise CardCodeError("unreadable", "unreadable track (the reader sent E)")
        number = _layout_number(layout.track, bodies[0], layout)
        if number is None:
            raise CardCodeError("no_number", f"no card number in {layout}")
        return number
    numbers, unreadable = {}, False
    for track, body in tracks:
        if body == "E":
            unreadable = True
            continue
        number = _layout_number(track, body, layout)
        if number is not None:
            numbers.setdefault(track, number)
    if len(set(numbers.values())) > 1:
        raise CardCodeError("disagree", "the tracks disagree on the card number")
    for track in (2, 1, 3):
        if track in numbers:
            return numbers[track]
    if unreadable:
        raise CardCodeError("unreadable", "unreadable track (the reader sent E)")
    if layout.is_default():
        raise CardCodeError("no_number", "no card number on a magnetic-stripe track")
    raise CardCodeError("no_number", f"no card number in {layout}")


def relayed_swipe(text):
    """The tracks of a swipe as a reader box relays them to Odoo, which reads the number
    with the layouts of its card types: sentinels kept, LRC, line ends and noise between
    tracks dropped. Raises CardCodeError for what no layout can read: no track, every
    track unreadable, no digit on any track."""
    tracks = _TRACK.findall(text or "")
    if not tracks:
        raise CardCodeError("no_number", "no card number on a magnetic-stripe track")
    readable = [body for _sentinel, body in tracks if body != "E"]
    if not readable:
        raise CardCodeError("unreadable", "unreadable track (the reader sent E)")
    if not any(char.isdigit() for body in readable for char in body):
        raise CardCodeError("no_number", "no card number on a magnetic-stripe track")
    return "".join(f"{sentinel}{body}?" for sentinel, body in tracks)


def card_code(code, layout=DEFAULT_LAYOUT):
    """What to look a card up by: the number of a swipe, else the code as read."""
    code = (code or "").strip()
    return swipe_number(code, layout) if is_swipe(code) else code


def encode_stripe(number, layout=DEFAULT_LAYOUT):
    """The track an encoder writes for a card number so that ``layout`` reads it back
    (default: track 2, number only, ``;<number>?``): empty fields before the number's
    field, zeros before its first character. None when the number is not ``length`` long.
    """
    if not number or (layout.length and len(number) != layout.length):
        return None
    track = layout.track or 2
    separators = ("^" if track == 1 else "=") * (layout.field - 1)
    padding = "0" * max(layout.start - 1, 0)
    return f"{START_SENTINELS[track - 1]}{separators}{padding}{number}?"


def normalise_hex(code):
    """Upper-case hex without separators (``04:a2-1b 3c`` -> ``04A21B3C``), or None."""
    cleaned = re.sub(r"[\s:\-]", "", code or "")
    if not cleaned or len(cleaned) % 2 or not _HEX.fullmatch(cleaned):
        return None
    return cleaned.upper()


def aliases(code):
    """The printed forms of a hex UID, first the canonical one; a non-hex code is its own."""
    canonical = normalise_hex(code)
    if canonical is None:
        return [code.strip()] if code and code.strip() else []
    data = bytes.fromhex(canonical)
    found = [canonical, data[::-1].hex().upper()]
    low32 = data[-4:]
    if len(low32) == 4:
        big = int.from_bytes(low32, "big")
        little = int.from_bytes(low32, "little")
        found += [f"{big:010d}", f"{little:010d}"]
        low24 = big & 0xFFFFFF
        facility, number = low24 >> 16, low24 & 0xFFFF
        found += [f"{facility:03d}{number:05d}", f"{facility:03d},{number:05d}"]
    return list(dict.fromkeys(found))


def uid_endings(code):
    """The reverse of ``aliases`` for decimal forms: the hex endings a chip UID has when
    ``code`` is its 10-digit (low 32 bits, either byte order) or Wiegand-26 form."""
    code = (code or "").strip()
    endings = []
    if _DECIMAL_UID.fullmatch(code) and int(code) <= 0xFFFFFFFF:
        value = int(code)
        endings += [
            value.to_bytes(4, "big").hex().upper(),
            value.to_bytes(4, "little").hex().upper(),
        ]
    wiegand = _WIEGAND26.fullmatch(code)
    if wiegand and int(wiegand.group(1)) <= 0xFF and int(wiegand.group(2)) <= 0xFFFF:
        low24 = int(wiegand.group(1)) << 16 | int(wiegand.group(2))
        endings.append(f"{low24:06X}")
    return list(dict.fromkeys(endings))
