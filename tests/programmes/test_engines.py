"""Business days with Korean holidays, registration-number check digits, upload sniffing, the hash chain."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from epiaid.programmes.engine import brn, chain, filetypes
from epiaid.programmes.engine.businessdays import SEOUL, add_business_days, is_business_day, review_deadline


@pytest.mark.parametrize(
    ("submitted", "due"),
    [
        (dt.datetime(2020, 3, 13, 20, 0), dt.date(2020, 3, 18)),  # Friday evening: Mon, Tue, Wed
        (dt.datetime(2020, 4, 14, 9, 0), dt.date(2020, 4, 20)),  # the 15 April election day does not count
        (dt.datetime(2020, 9, 29, 11, 0), dt.date(2020, 10, 7)),  # Chuseok 30 Sep-2 Oct and 3 Oct (a Saturday)
        (dt.datetime(2020, 8, 13, 11, 0), dt.date(2020, 8, 19)),  # 15 Aug (Sat) and the 17 Aug temporary holiday
        (
            dt.datetime(2020, 3, 1, 12, 0),
            dt.date(2020, 3, 4),
        ),  # on a Sunday holiday (삼일절; no substitute day in 2020)
    ],
)
def test_a_3_business_day_deadline_skips_weekends_and_korean_holidays(submitted: dt.datetime, due: dt.date) -> None:
    deadline = review_deadline(submitted.replace(tzinfo=SEOUL), 3)
    assert deadline == dt.datetime.combine(due, dt.time(18, 0), tzinfo=SEOUL)


def test_business_days() -> None:
    assert not is_business_day(dt.date(2020, 1, 27))  # substitute holiday for Seollal
    assert is_business_day(dt.date(2020, 1, 28))
    assert add_business_days(dt.date(2020, 12, 24), 1) == dt.date(2020, 12, 28)
    with pytest.raises(ValueError, match="timezone-aware"):
        review_deadline(dt.datetime(2020, 3, 2), 3)


def test_business_registration_numbers_are_checked_by_their_check_digit() -> None:
    assert brn.normalise("220-81-62517") == "220-81-62517"  # a well-known valid number
    assert brn.normalise("2208162517") == "220-81-62517"
    with pytest.raises(brn.InvalidBRN, match="check digit"):
        brn.normalise("220-81-62518")
    with pytest.raises(brn.InvalidBRN, match="10 digits"):
        brn.normalise("220-81-6251")
    assert brn.normalise(brn.make("123456789")).startswith("123-45-6789")


def _zip(name: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(name, "<x/>")
    return buf.getvalue()


def test_attachments_are_typed_by_their_content_not_their_name() -> None:
    big = 1024
    assert filetypes.sniff(b"%PDF-1.7\n...", "plan.pdf", max_bytes=big).mime == "application/pdf"
    assert filetypes.sniff(_zip("word/document.xml"), "plan.docx", max_bytes=big).extension == ".docx"
    assert filetypes.sniff(filetypes.OLE_MAGIC + b"\0" * 8, "계획서.hwp", max_bytes=big).mime == "application/x-hwp"
    for data, name, code in [
        (b"MZ\x90\x00" + b"\0" * 60, "plan.pdf", "wrong_type"),  # a Windows executable named .pdf
        (b"<html><script>alert(1)</script>", "plan.pdf", "wrong_type"),
        (_zip("word/document.xml"), "plan.pdf", "wrong_type"),  # a real DOCX that says it is a PDF
        (_zip("evil.sh"), "data.zip", "wrong_type"),  # a plain archive
        (b"", "empty.pdf", "empty"),
        (b"%PDF-" + b"x" * 2000, "big.pdf", "too_large"),
    ]:
        with pytest.raises(filetypes.RejectedFile) as caught:
            filetypes.sniff(data, name, max_bytes=big)
        assert caught.value.code == code, name


def test_the_hash_chain_breaks_where_a_record_was_edited() -> None:
    rows, prev = [], chain.GENESIS
    for seq in range(1, 5):
        payload = {"seq": seq, "kind": "approved", "granted": str(seq * 10)}
        digest = chain.link(prev, payload)
        rows.append((seq, prev, digest, payload))
        prev = digest
    assert chain.verify(rows) is None
    edited = [*rows[:2], (3, rows[2][1], rows[2][2], {**rows[2][3], "granted": "9999"}), rows[3]]
    assert chain.verify(edited) == chain.Broken(3, "its content does not match its hash (edited)")
    assert chain.verify([rows[0], rows[2], rows[3]]) == chain.Broken(3, "record 2 is missing (found 3)")
