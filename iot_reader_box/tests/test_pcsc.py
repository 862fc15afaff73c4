"""pyscard -> pcscd -> vpcd -> the project's virtual card, read by the daemon's PC/SC reader."""

import threading

import pytest
from box_testing import wait_for
from iot_reader_box.events import Debouncer
from iot_reader_box.pcsc import PcscReader
from iot_reader_box.supervisor import Supervisor
from virtual_card import VirtualCard

UID = "04A21B3C5D6E80"


@pytest.fixture
def pcsc_reader(pcscd, box_log):
    reads = []
    reader = PcscReader(reads.append, Debouncer(1.0), poll_ms=100)
    stop = threading.Event()
    errors = []

    def run():
        try:
            reader.run(stop)
        except Exception as error:  # surfaced by the test below, not swallowed
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert wait_for(lambda: "appeared" in box_log.text), "the reader never listed Virtual PCD"
    yield reads, pcscd
    stop.set()
    thread.join(3)
    assert not errors, errors


@pytest.fixture
def tap(pcsc_reader, box_log):
    """Insert a card; ``card.remove()`` waits until the daemon saw it leave the field, so the
    next test's card is not mistaken for this one by vpcd (which notices a gone card late)."""
    _reads, port = pcsc_reader
    inserted = []

    def insert(uid=UID, status="9000"):
        card = VirtualCard(port, uid, status).insert()
        card.removed = False
        remove = card.remove

        def remove_and_wait():
            if card.removed:
                return
            card.removed = True
            before = box_log.text.count("card removed")
            remove()
            wait_for(lambda: box_log.text.count("card removed") > before)

        card.remove = remove_and_wait
        inserted.append(card)
        return card

    yield insert
    for card in inserted:
        card.remove()


def test_reader_appearing_is_noticed(pcsc_reader, box_log, tap):
    assert "pcsc: reader Virtual PCD 00 00 appeared" in box_log.text
    assert "pcsc: reader Virtual PCD 00 01 appeared" in box_log.text


def test_card_uid_reaches_the_daemon_once_per_presence(pcsc_reader, box_log, tap):
    reads, _port = pcsc_reader
    card = tap()
    try:
        assert wait_for(lambda: reads), "no read for the inserted card"
        assert reads[0].uid == UID
        assert reads[0].reader == "Virtual PCD 00 00"
        assert card.apdus[0] == bytes.fromhex("FFCA000000")
        # held on the reader: still one read
        assert not wait_for(lambda: len(reads) > 1, timeout=0.8)
    finally:
        card.remove()
    assert wait_for(lambda: "card removed from Virtual PCD 00 00" in box_log.text)
    again = tap()
    try:
        assert wait_for(lambda: len(reads) == 2), "a second tap after removal must read again"
        assert reads[1].uid == UID
        assert reads[1].event_id != reads[0].event_id
    finally:
        again.remove()


def test_wrong_le_is_retried_with_the_length_the_card_asks(pcsc_reader, tap):
    reads, _port = pcsc_reader
    card = tap(status="6C")
    try:
        assert wait_for(lambda: reads)
        assert reads[0].uid == UID
        assert [apdu.hex().upper() for apdu in card.apdus[:2]] == ["FFCA000000", "FFCA000007"]
    finally:
        card.remove()


def test_short_uid_with_6282_is_accepted(pcsc_reader, tap):
    reads, _port = pcsc_reader
    card = tap(uid="A1B2C3D4", status="6282")
    try:
        assert wait_for(lambda: reads)
        assert reads[0].uid == "A1B2C3D4"
    finally:
        card.remove()


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("6300", "63 00: the reader could not read the UID"),
        ("6A81", "6A 81: GET DATA not supported"),
    ],
)
def test_error_status_words_give_no_read_and_a_reason(pcsc_reader, box_log, tap, status, reason):
    reads, _port = pcsc_reader
    card = tap(status=status)
    try:
        assert wait_for(lambda: reason in box_log.text), box_log.text
        assert reads == []
    finally:
        card.remove()


def test_random_uid_is_refused(pcsc_reader, box_log, tap):
    reads, _port = pcsc_reader
    card = tap(uid="08123456")
    try:
        assert wait_for(lambda: "random UID" in box_log.text)
        assert reads == []
    finally:
        card.remove()


def test_daemon_survives_pcscd_going_away_and_reads_again(pcscd_process, box_log):
    """pcscd stops (the readers vanish): the PC/SC reader fails, the supervisor keeps the
    daemon up and restarts it once pcscd is back; a tap then reads as before."""
    if pcscd_process.proc is None:
        pytest.skip("the system's pcscd serves this machine: the test cannot restart it")
    reads = []
    reader = PcscReader(reads.append, Debouncer(1.0), poll_ms=100)
    supervisor = Supervisor([reader], period=0.1, max_backoff=0.5)
    stop = threading.Event()
    thread = threading.Thread(target=supervisor.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: box_log.text.count("Virtual PCD 00 00 appeared") == 1)
        pcscd_process.stop()
        assert wait_for(lambda: "pcsc failed" in box_log.text), box_log.text
        pcscd_process.start()
        assert wait_for(lambda: box_log.text.count("Virtual PCD 00 00 appeared") == 2, 10)
        assert supervisor.restarts >= 1
        card = VirtualCard(pcscd_process.port, UID).insert()
        try:
            assert wait_for(lambda: reads)
            assert reads[0].uid == UID
        finally:
            card.remove()
            wait_for(lambda: "card removed" in box_log.text)
    finally:
        stop.set()
        thread.join(5)


SELECT = "00A4040007F0535452454144"
READ = "00B0000008"


@pytest.mark.parametrize(
    ("read_answer", "expected"),
    [("4D42520000012345" + "9000", "4D42520000012345"), ("6982", None)],
)
def test_configured_application_file_is_read_instead_of_the_uid(
    pcscd, box_log, read_answer, expected
):
    reads = []
    reader = PcscReader(
        reads.append,
        Debouncer(1.0),
        poll_ms=100,
        apdus=[bytes.fromhex(SELECT), bytes.fromhex(READ)],
    )
    stop = threading.Event()
    thread = threading.Thread(target=reader.run, args=(stop,), daemon=True)
    thread.start()
    try:
        assert wait_for(lambda: "00 00 appeared" in box_log.text)
        card = VirtualCard(pcscd, UID, files={SELECT: "9000", READ: read_answer}).insert()
        try:
            if expected:
                assert wait_for(lambda: reads)
                assert reads[0].uid == expected
            else:
                assert wait_for(lambda: "answered 69 82: no code read" in box_log.text)
                assert reads == []
            assert [apdu.hex().upper() for apdu in card.apdus] == [SELECT, READ]
        finally:
            card.remove()
            wait_for(lambda: "card removed" in box_log.text)
    finally:
        stop.set()
        thread.join(3)
