"""What a card reader sends, turned into what identifies the card: one module for every path.

The reader box (serial magstripe decoders, chip readers) and the Odoo server (codes typed
into the till by keyboard-wedge readers) both read cards with these functions. Standard
library only: the box runs without Odoo, and the membership addon links this very file
(``membership_loyalty/tools/card_codes.py``) instead of keeping a copy.

Magnetic stripes (ISO/IEC 7811 layout, ISO/IEC 7813 bank cards, ISO 4909 track 3):
track 1 ``%<format letter><number>^<name>^...?``, track 2 ``;<number>[=<data>]?``,
track 3 ``+...?`` (or a second ``;...?``). A swipe may hold several tracks, each possibly
followed by its LRC character; a track the reader could not read comes as ``E``.

Chip and 125 kHz UIDs: a tag may be printed or typed as hex, with its bytes reversed, as
10 decimal digits (its low 32 bits) or as Wiegand-26 (8-bit facility, 16-bit number).
"""

import re

START_SENTINELS = "%;+"
MAX_NUMBER_DIGITS = 19  # ISO/IEC 7812

_HEX = re.compile(r"[0-9A-Fa-f]+")
_TRACK = re.compile(r"([%;+])([^%;+?]*)\?")
_TRACK1_NUMBER = re.compile(r"[A-Z]?(\d{1,19})(?:\^.*)?")
_TRACK2_NUMBER = re.compile(r"(\d{1,19})(?:=.*)?")
_ISO4909_TRACK3 = re.compile(r"\d{2}(\d{1,19})=.+")
_DECIMAL_UID = re.compile(r"\d{10}")
_WIEGAND26 = re.compile(r"(\d{3}),?(\d{5})")


class CardCodeError(ValueError):
    """A read that identifies no card: ``reason`` is one of ``unreadable``, ``disagree``,
    ``no_number`` (for a translated message) and the message says why, for a log."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


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
    """The card number a track holds, or None when it holds none."""
    if track == 1:
        match = _TRACK1_NUMBER.fullmatch(body)
    elif track == 3 and _ISO4909_TRACK3.fullmatch(body):
        match = _ISO4909_TRACK3.fullmatch(body)
    else:
        match = _TRACK2_NUMBER.fullmatch(body)
    return match.group(1) if match else None


def swipe_number(text):
    """The card number of a magnetic-stripe swipe (one or more tracks).

    Track 2 wins, then track 1, then track 3; tracks that carry different numbers, a
    swipe whose every track is unreadable and text without a track raise CardCodeError.
    """
    numbers, unreadable = {}, False
    for track, body in _tracks(text or ""):
        if body == "E":
            unreadable = True
            continue
        number = _track_number(track, body)
        if number is not None:
            numbers.setdefault(track, number)
    if len(set(numbers.values())) > 1:
        raise CardCodeError("disagree", "the tracks disagree on the card number")
    for track in (2, 1, 3):
        if track in numbers:
            return numbers[track]
    if unreadable:
        raise CardCodeError("unreadable", "unreadable track (the reader sent E)")
    raise CardCodeError("no_number", "no card number on a magnetic-stripe track")


def card_code(code):
    """What to look a card up by: the number of a swipe, else the code as read."""
    code = (code or "").strip()
    return swipe_number(code) if is_swipe(code) else code


def encode_track2(number):
    """What an encoder writes on track 2 for a card number (number only, no data field)."""
    return f";{number}?"


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
