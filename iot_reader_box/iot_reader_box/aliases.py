"""Every way a card's number may have been printed or enrolled, from the UID the reader gives.

125 kHz tags are often sold with the low 32 bits printed as 10 decimal digits, or as
Wiegand-26 (8-bit facility code + 16-bit card number); some readers give chip UIDs in
reverse byte order. Odoo's card lookup normalises the same way, so a card matches however
it was enrolled.
"""

import re

_HEX = re.compile(r"^[0-9A-Fa-f]+$")


def normalise_hex(code):
    """Upper-case hex without separators (``04:a2-1b 3c`` -> ``04A21B3C``), or None."""
    cleaned = re.sub(r"[\s:\-]", "", code or "")
    if not cleaned or len(cleaned) % 2 or not _HEX.match(cleaned):
        return None
    return cleaned.upper()


def aliases(code):
    """The aliases of a hex UID, first the canonical one; a non-hex code is its own alias."""
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
    unique = []
    for alias in found:
        if alias not in unique:
            unique.append(alias)
    return unique
