"""Serial readers: real frames through a pty pair, and the frame decoder's rules."""

import os
import threading
import time

import pytest
from box_testing import wait_for
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


# Swipes as magstripe readers send them (one line, CR), and what the box makes of each:
# the card number, or the reason the swipe is dropped. ISO/IEC 7811 number-only tracks,
# ISO/IEC 7813 bank-card tracks, ISO 4909 track 3, LRC characters after the end sentinel.
SWIPES = [
    (b";800000000011?\r", "800000000011"),
    (b";800000000011=?\r", "800000000011"),
    (b"%B800000000011^MEMBER/LI^?\r", "800000000011"),
    (b"%800000000011?\r", "800000000011"),
    (b";0012345678?\r", "0012345678"),
    (b"+800000000011?\r", "800000000011"),
    (b";6009123412341234=49121010000?\r", "6009123412341234"),
    (
        b"%B6009123412341234^DOE/JANE^49121010000000000000?;6009123412341234=4912101?\r",
        "6009123412341234",
    ),
    (b"%B800000000011^MEMBER/LI^?;800000000011?\r", "800000000011"),
    (b"%B800000000011^MEMBER/LI^?;800000000011?+800000000011?\r", "800000000011"),
    (b";800000000011?:\r", "800000000011"),  # LRC character after the end sentinel
    (
        b";6009123412341234=4912101?;016009123412341234=724724100000000000030300?\r",
        "6009123412341234",
    ),
    (b"+016009123412341234=724724100000000000030300?\r", "6009123412341234"),
    (b"%E?;800000000011?\r", "800000000011"),
    (b"%E?;E?\r", "dropped: unreadable track (the reader sent E)"),
    (b";E?\r", "dropped: unreadable track (the reader sent E)"),
    (b"%E?;E?+E?\r", "dropped: unreadable track (the reader sent E)"),
    (b"6274010000123456\r", "dropped: no card number on a magnetic-stripe track"),
    (b"%MEMBER/LI^?\r", "dropped: no card number on a magnetic-stripe track"),
    (b"%B1111^X Y^2912101?;2222=2912101?\r", "dropped: the tracks disagree on the card number"),
]


@pytest.mark.parametrize(("line", "expected"), SWIPES)
def test_magstripe_swipes_over_a_pty(pty_reader, box_log, line, expected):
    """Each swipe goes over a real serial line (a pty) into the magstripe reader."""
    reads, master = pty_reader("magstripe")
    os.write(master, line)
    if expected.startswith("dropped: "):
        reason = expected.removeprefix("dropped: ")
        assert wait_for(lambda: reason in box_log.text), box_log.text
        assert reads == []
    else:
        assert wait_for(lambda: reads), box_log.text
        assert [read.uid for read in reads] == [expected]


def test_swipe_split_across_serial_reads_is_one_number():
    decoder = FrameDecoder(PROTOCOLS["magstripe"])
    assert decoder.feed(b"%B800000000011^MEM") == []
    assert decoder.feed(b"BER/LI^?;8000000000") == []
    assert decoder.feed(b"11?\r\n") == ["800000000011"]
    assert decoder.dropped == []


def test_missing_port_is_not_supported():
    reader = SerialReader(lambda read: None, "/dev/ttyUSB-does-not-exist")
    assert not reader.supported()
