"""Serial readers: real frames through a pty pair, and the frame decoder's rules."""

import os
import threading
import time

import pytest
from box_testing import wait_for
from iot_reader_box.card_codes import CardCodeError, StripeLayout, is_swipe, swipe_number
from iot_reader_box.events import Debouncer
from iot_reader_box.serial_frames import PROTOCOLS, FrameDecoder, SerialReader


def em4100_frame(hex10, checksum=None):
    data = bytes.fromhex(hex10)
    if checksum is None:
        checksum = 0
        for byte in data:
            checksum ^= byte
    return b"\x02" + hex10.upper().encode() + f"{checksum:02X}".encode() + b"\x03"


TAG = "1A007B9C3D"


@pytest.fixture
def pty_reader(box_log):
    """A SerialReader on the slave end of a pty; the test writes to the master end."""

    def start(protocol="em4100", window=1.0):
        master, slave = os.openpty()
        reads = []
        reader = SerialReader(reads.append, os.ttyname(slave), protocol, 9600, Debouncer(window))
        stop = threading.Event()
        thread = threading.Thread(target=reader.run, args=(stop,), daemon=True)
        thread.start()
        assert wait_for(lambda: "reading" in box_log.text), "the serial reader did not open"
        started.append((stop, thread, master, slave))
        return reads, master

    started = []
    yield start
    for stop, thread, master, slave in started:
        stop.set()
        thread.join(2)
        os.close(master)
        os.close(slave)


def test_good_frame_over_a_pty_is_one_read(pty_reader):
    reads, master = pty_reader()
    os.write(master, em4100_frame(TAG))
    assert wait_for(lambda: reads)
    assert reads[0].uid == TAG
    assert reads[0].reader.startswith("serial:/dev/pts/")


def test_repeated_frames_while_the_tag_stays_are_debounced(pty_reader):
    reads, master = pty_reader(window=0.5)
    for _ in range(5):  # the reader repeats the frame every ~220 ms while the tag is there
        os.write(master, em4100_frame(TAG))
        time.sleep(0.1)
    assert wait_for(lambda: reads)
    time.sleep(0.7)  # the tag left: more than the debounce window without a frame
    os.write(master, em4100_frame(TAG))
    assert wait_for(lambda: len(reads) == 2)
    time.sleep(0.2)
    assert len(reads) == 2


def test_bad_checksum_truncated_and_noise_are_dropped_with_reasons(pty_reader, box_log):
    reads, master = pty_reader()
    os.write(master, em4100_frame(TAG, checksum=0x00))
    os.write(master, b"\x02" + b"1A007B" + b"\x03")
    os.write(master, b"garbage!")
    os.write(master, b"\x02" + b"1A00" + em4100_frame("0102030405"))
    assert wait_for(lambda: reads)
    assert [read.uid for read in reads] == ["0102030405"]
    assert "checksum 00 != " in box_log.text
    assert "truncated frame (6 of 12 bytes)" in box_log.text
    assert "bytes of noise" in box_log.text
    assert "truncated frame (a new frame started before its end)" in box_log.text


def test_barcode_lines_over_a_pty(pty_reader):
    reads, master = pty_reader("barcode")
    os.write(master, b"MBR-000123\r")
    os.write(master, b"https://example.com/m/42\r\n")
    assert wait_for(lambda: len(reads) == 2)
    assert [read.uid for read in reads] == ["MBR-000123", "https://example.com/m/42"]


def test_frame_split_across_reads_is_reassembled():
    decoder = FrameDecoder(PROTOCOLS["em4100"])
    frame = em4100_frame(TAG)
    assert decoder.feed(frame[:5]) == []
    assert decoder.feed(frame[5:]) == [TAG]
    assert decoder.dropped == []


def test_non_hex_frame_is_dropped():
    decoder = FrameDecoder(PROTOCOLS["em4100"])
    assert decoder.feed(b"\x02" + b"1A007B9C3DZZ" + b"\x03") == []
    assert decoder.dropped == ["not hexadecimal: '1A007B9C3DZZ'"]


# Swipes as magstripe readers send them (one line, CR). The box relays a swipe's tracks and
# Odoo reads the number with the stripe layout of each card type (the same card_codes
# function). Each row: the line, a card type's layout (None: the default, any track, field
# 1), and the number that layout reads, "refused: <why>" (relayed, the layout reads no
# number) or "dropped: <why>" (no layout could read it: the box drops it and logs why).
# ISO/IEC 7811 number-only tracks, ISO/IEC 7813 bank-card tracks, ISO 4909 track 3, LRC
# characters after the end sentinel.
TRACK3 = StripeLayout(track=3)
FIELD2 = StripeLayout(field=2)
SWIPES = [
    (b";800000000011?\r", None, "800000000011"),
    (b";800000000011=?\r", None, "800000000011"),
    (b"%B800000000011^MEMBER/LI^?\r", None, "800000000011"),
    (b"%800000000011?\r", None, "800000000011"),
    (b";0012345678?\r", None, "0012345678"),
    (b"+800000000011?\r", None, "800000000011"),
    (b";6009123412341234=49121010000?\r", None, "6009123412341234"),
    (
        b"%B6009123412341234^DOE/JANE^49121010000000000000?;6009123412341234=4912101?\r",
        None,
        "6009123412341234",
    ),
    (b"%B800000000011^MEMBER/LI^?;800000000011?\r", None, "800000000011"),
    (b"%B800000000011^MEMBER/LI^?;800000000011?+800000000011?\r", None, "800000000011"),
    (b";800000000011?:\r", None, "800000000011"),  # LRC character after the end sentinel
    (
        b";6009123412341234=4912101?;016009123412341234=724724100000000000030300?\r",
        None,
        "6009123412341234",
    ),
    (b"+016009123412341234=724724100000000000030300?\r", None, "6009123412341234"),
    (b"%E?;800000000011?\r", None, "800000000011"),
    (b"%E?;E?\r", None, "dropped: unreadable track (the reader sent E)"),
    (b";E?\r", None, "dropped: unreadable track (the reader sent E)"),
    (b"%E?;E?+E?\r", None, "dropped: unreadable track (the reader sent E)"),
    (b"6274010000123456\r", None, "dropped: no card number on a magnetic-stripe track"),
    (b"%MEMBER/LI^?\r", None, "dropped: no card number on a magnetic-stripe track"),
    (b"%B1111^X Y^2912101?;2222=2912101?\r", None, "refused: the tracks disagree"),
    # Membership stripes whose number only a card type's layout finds: track 2 carries the
    # shop's code, track 3 the member; or the member number is the field after "=".
    (b";6280019999?+800000000011?\r", TRACK3, "800000000011"),
    (b";6280019999?+800000000011?\r", None, "refused: the tracks disagree"),
    (b"%B6280019999^LI/MEI^?;6280019999?;800000000011?\r", TRACK3, "800000000011"),
    (b";628001=800000000011?\r", FIELD2, "800000000011"),
    (b";628001=800000000011?\r", None, "628001"),  # the default finds the shop's code
    (b"%B628001^LI/MEI^800000000011?\r", StripeLayout(track=1, field=3), "800000000011"),
    (b";628001800000000011?\r", StripeLayout(start=7, length=12), "800000000011"),
    # ... and refuses a stripe that does not have the number where the layout says.
    (b";800000000011?\r", TRACK3, "refused: no track 3 on the swipe"),
    (b";800000000011?+E?\r", TRACK3, "refused: unreadable track"),
    (b";800000000011?\r", FIELD2, "refused: no card number in any track, field 2"),
    (b";628001=MEMBER?\r", FIELD2, "refused: no card number in any track, field 2"),
    (b";62800180000000001?\r", StripeLayout(start=7, length=12), "refused: no card number"),
]


@pytest.mark.parametrize(("line", "layout", "expected"), SWIPES)
def test_magstripe_swipes_over_a_pty(pty_reader, box_log, line, layout, expected):
    """Each swipe goes over a real serial line (a pty) into the magstripe reader; what it
    relays is read as Odoo reads it, with the card type's layout."""
    reads, master = pty_reader("magstripe")
    os.write(master, line)
    if expected.startswith("dropped: "):
        reason = expected.removeprefix("dropped: ")
        assert wait_for(lambda: reason in box_log.text), box_log.text
        assert reads == []
        return
    assert wait_for(lambda: reads), box_log.text
    [read] = reads
    assert is_swipe(read.uid) and not set(read.uid) & set("\r\n"), read.uid
    if expected.startswith("refused: "):
        with pytest.raises(CardCodeError, match=expected.removeprefix("refused: ")):
            swipe_number(read.uid, layout or StripeLayout())
    else:
        assert swipe_number(read.uid, layout or StripeLayout()) == expected


def test_the_box_relays_the_tracks_without_lrc_line_ends_or_noise():
    decoder = FrameDecoder(PROTOCOLS["magstripe"])
    assert decoder.feed(b"%B800000000011^LI/MEI^?:;800000000011?5 +E?\r\n") == [
        "%B800000000011^LI/MEI^?;800000000011?+E?"
    ]


def test_swipe_split_across_serial_reads_is_one_read():
    decoder = FrameDecoder(PROTOCOLS["magstripe"])
    assert decoder.feed(b"%B800000000011^MEM") == []
    assert decoder.feed(b"BER/LI^?;8000000000") == []
    assert decoder.feed(b"11?\r\n") == ["%B800000000011^MEMBER/LI^?;800000000011?"]
    assert decoder.dropped == []


def test_missing_port_is_not_supported():
    reader = SerialReader(lambda read: None, "/dev/ttyUSB-does-not-exist")
    assert not reader.supported()
