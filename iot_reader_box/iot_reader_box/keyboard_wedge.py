"""Keyboard-wedge readers: no daemon needed.

A USB reader that types the card number (125 kHz "HID" readers, magstripe wedges, most
barcode scanners) is a keyboard. Plug it into the till itself: Odoo's POS barcode service
treats keystrokes arriving at most 150 ms apart and ending with Enter (or Tab) as a scan,
and the membership addon's barcode rule turns the scanned code into a member lookup. The
daemon would only add latency and a second path for the same read, so it has no wedge
reader. Configure the reader to send a suffix of Enter; a magstripe wedge may send its
tracks with their sentinels (the server reads them with ``card_codes`` and the stripe layout
of each card type, as it reads the tracks this box relays).

On a till whose keyboard layout is not US, a wedge that assumes US scancodes types ``;``
and digits as other characters: set the reader (most have a layout setting) or the till's
layout for that device to US. Reading the evdev device with a fixed US scancode map, as
Odoo's IoT keyboard driver does, would need the reader plugged into this box instead: not
worth it while the POS path works, so it is not built.
"""
