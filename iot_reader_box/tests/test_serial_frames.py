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


@pytest.mark.parametrize(
    ("line", "code"),
    [
        (
            b"%B6274010000123456^DOE/JANE^29121010000000000000?;6274010000123456=29121010000?\r",
            "6274010000123456",
        ),
        (b";6274010000123456=2912101?\r", "6274010000123456"),
        (b"%B6274010000123456^DOE/JANE^2912101000?\r", "6274010000123456"),
        (b"%E?;6274010000123456=2912101?\r", "6274010000123456"),
    ],
)
def test_magstripe_tracks_give_the_card_number_only(line, code):
    decoder = FrameDecoder(PROTOCOLS["magstripe"])
    assert decoder.feed(line) == [code]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"%E?;E?\r", "unreadable track (the reader sent E)"),
        (b"6274010000123456\r", "no ISO 7813 track 1 or track 2 found"),
        (b"%B1111^X Y^2912101?;2222=2912101?\r", "track 1 and track 2 disagree on the card number"),
    ],
)
def test_bad_magstripe_swipes_are_dropped(line, reason):
    decoder = FrameDecoder(PROTOCOLS["magstripe"])
    assert decoder.feed(line) == []
    assert decoder.dropped == [reason]


def test_missing_port_is_not_supported():
    reader = SerialReader(lambda read: None, "/dev/ttyUSB-does-not-exist")
    assert not reader.supported()
