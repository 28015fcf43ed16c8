"""The editor's forms for money and notes, through the whole app: a centre's fee table (fees.yaml),
the payment block of rules.yaml (the due day of the reminders), and the notes said after the phone
number and about the office hours. Same rules as every form: validation at the field with the files
unchanged, the preview as the bot answers, publish, history and restore. On a copy of content/."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from bot.domain.loader import load_content
from bot.editor import documents as docs
from tests.test_editor_web import client, form_of, post, root, snapshot
from tests.test_web_panel import MEMBER, OTHER_CENTRE, log_in
from tests.web_helpers import TestClient, csrf_of

__all__ = ["client", "root"]  # the editor tests' fixtures, used here by name

FEES = "/staff/content/wodzislaw/fees/fees"
PAYMENT_W = "/staff/content/wodzislaw/payment/_payment"
PAYMENT_G = "/staff/content/gliwice/payment/_payment"
CENTRE_W = "/staff/content/wodzislaw/centre/centre"
FEE_QUESTION = "I live alone and my income is 1200 zł, how much will I pay?"
SECOND = "tables.0.brackets.1.fee_percent"  # the bracket above 100% up to 130%: 40% of the full fee


def test_every_money_form_is_listed_and_round_trips_the_file_unchanged(
    client: TestClient, root: Path
) -> None:
    log_in(client, OTHER_CENTRE)
    listing = client.get("/staff/content/wodzislaw").text
    assert f'href="{FEES}"' in listing and f'href="{PAYMENT_W}"' in listing
    files = snapshot(root)
    for address in (FEES, PAYMENT_W, CENTRE_W):
        values = form_of(client.get(address).text)
        done = post(client, address, values | {"action": "publish"})
        assert done.status_code == 303, address
    assert snapshot(root) == files  # the form as shown writes back exactly the file it came from


def test_a_fee_bracket_edit_changes_the_preview_and_then_the_estimate(client: TestClient, root: Path) -> None:
    log_in(client, OTHER_CENTRE)
    page = client.get(FEES).text
    values = form_of(page)
    assert values[SECOND] == "40" and values["tables.0.basis"] == "single"
    assert 'for="f-tables-0-brackets-1-fee_percent" class="visually-hidden"' in page
    edited = values | {SECOND: "45"}
    asked = {"action": "preview", "question": FEE_QUESTION, "preview_lang": "en"}
    shown = post(client, FEES, edited | asked)
    today = re.search(r'id="reply-today">([^<]*)<', shown.text)
    after = re.search(r'id="reply-after">([^<]*)<', shown.text)
    assert today and after and "40%" in today.group(1) and "45%" in after.group(1)
    assert post(client, FEES, edited | {"action": "publish"}).status_code == 303
    table = load_content(root).centres["wodzislaw"].fees.tables[0]
    assert [str(b.fee_percent) for b in table.brackets] == ["0", "45", "60", "80", "100"]
    assert 'fee_percent: "45"' in (root / "wodzislaw/fees.yaml").read_text(encoding="utf-8")


def test_an_invalid_fee_table_is_refused_at_its_fields_and_nothing_is_written(
    client: TestClient, root: Path
) -> None:
    log_in(client, OTHER_CENTRE)
    files = snapshot(root)
    values = form_of(client.get(FEES).text)
    decreasing = post(client, FEES, values | {SECOND: "90", "action": "publish"})
    assert decreasing.status_code == 422
    assert re.search(r'<p class="field-error" role="alert">[^<]*must not decrease[^<]*</p>', decreasing.text)
    not_a_number = post(client, FEES, values | {"full_fee_amount": "dużo", "action": "publish"})
    assert not_a_number.status_code == 422
    field = 'id="f-full_fee_amount" name="full_fee_amount" value="dużo" maxlength="4000" aria-invalid="true"'
    assert field in not_a_number.text
    missing = post(client, FEES, values | {"notes.1.uk": "", "action": "publish"})
    assert missing.status_code == 422 and 'id="f-notes-1-uk-error"' in missing.text
    assert snapshot(root) == files


def test_a_new_fee_table_is_added_from_the_blank_one_and_restored_away(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    original = (root / "gliwice/fees.yaml").read_bytes()
    address = "/staff/content/gliwice/fees/fees"
    values = form_of(client.get(address).text)
    source = "seeds/000_5f04fe968ab39eec.txt; facts.md: Fees"
    table = {
        "tables.0.resolution": "uchwała Nr LII/1090/2023 Rady Miasta Gliwice", "tables.0.source": source,
        "tables.0.brackets.0.above_percent": "0", "tables.0.brackets.0.up_to_percent": "100",
        "tables.0.brackets.0.fee_percent": "0", "tables.0.brackets.1.above_percent": "100",
        "tables.0.brackets.1.fee_percent": "50",
    }  # fmt: skip
    files = snapshot(root)
    no_day = {"tables.0.effective_from": "2024-13-01", "action": "publish"}
    wrong_day = post(client, address, values | table | no_day)
    assert wrong_day.status_code == 422 and 'id="f-tables-0-effective_from-error"' in wrong_day.text
    assert snapshot(root) == files
    dated = table | {"tables.0.effective_from": "2024-01-01", "action": "publish"}
    assert post(client, address, values | dated).status_code == 303
    fees = load_content(root).centres["gliwice"].fees
    assert len(fees.tables) == 1 and fees.tables[0].brackets[-1].up_to_percent is None
    assert fees.tables[0].effective_from == date(2024, 1, 1)
    assert "effective_from: 2024-01-01\n" in (root / "gliwice/fees.yaml").read_text(encoding="utf-8")
    history = client.get("/staff/content/gliwice/history").text
    assert "Opłaty: uchwała i tabela opłat (publish)" in history
    change = re.search(r'action="(/staff/content/gliwice/history/\d+/restore)"', history)
    assert change is not None
    fields = {"csrf": csrf_of(history), "version": docs.read(root, "gliwice/fees.yaml").version}
    assert post(client, change.group(1), fields).headers["location"].endswith("done=restored")
    assert (root / "gliwice/fees.yaml").read_bytes() == original


def test_the_payment_due_day_is_edited_and_a_wrong_day_is_refused(client: TestClient, root: Path) -> None:
    log_in(client, OTHER_CENTRE)
    values = form_of(client.get(PAYMENT_W).text)
    assert values["due_day"] == "30" and values["text.pl"].startswith("Za pobyt płacisz do 30")
    files = snapshot(root)
    wrong = post(client, PAYMENT_W, values | {"due_day": "32", "action": "publish"})
    assert wrong.status_code == 422 and 'id="f-due_day-error"' in wrong.text
    assert snapshot(root) == files
    texts = {f"text.{lang}": values[f"text.{lang}"].replace("30", "25") for lang in ("pl", "uk", "en")}
    done = post(client, PAYMENT_W, values | texts | {"due_day": "25", "action": "publish"})
    assert done.status_code == 303 and done.headers["location"] == f"{PAYMENT_W}?done=published"
    payment = load_content(root).centres["wodzislaw"].payment
    assert payment is not None and payment.due_day == 25 and "25" in payment.text.pl
    assert load_content(root).centres["wodzislaw"].rules  # the entries of rules.yaml are all still there


def test_a_centre_without_reminders_gets_a_payment_rule_and_restoring_removes_it(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    original = (root / "gliwice/rules.yaml").read_bytes()
    values = form_of(client.get(PAYMENT_G).text)
    assert values["due_day"] == "" and values["text.pl"] == ""
    rule = {"due_day": "10", "remind_days_before": "2, 0", "send_at": "09:30", "source": "facts.md: Contacts"}
    rule |= {"text.pl": "Zapłać do 10.", "text.uk": "Сплати до 10-го.", "text.en": "Pay by the 10th."}
    assert post(client, PAYMENT_G, values | rule | {"action": "publish"}).status_code == 303
    payment = load_content(root).centres["gliwice"].payment
    assert payment is not None and payment.remind_days_before == (2, 0) and payment.send_at.hour == 9
    assert (root / "gliwice/rules.yaml").read_bytes().startswith(original)  # added at the end only
    # The payment form exists only at its own address, never as an entry of the rules.
    assert client.get("/staff/content/gliwice/rules/_payment").status_code == 404
    history = client.get("/staff/content/gliwice/history").text
    change = re.search(r'action="(/staff/content/gliwice/history/\d+/restore)"', history)
    assert change is not None
    fields = {"csrf": csrf_of(history), "version": docs.read(root, "gliwice/rules.yaml").version}
    assert post(client, change.group(1), fields).headers["location"].endswith("done=restored")
    assert (root / "gliwice/rules.yaml").read_bytes() == original
    assert load_content(root).centres["gliwice"].payment is None


def test_the_phone_and_hours_notes_are_edited_in_the_centre_form(client: TestClient, root: Path) -> None:
    log_in(client, OTHER_CENTRE)
    values = form_of(client.get(CENTRE_W).text)
    assert values["phone_note.en"] == "as published by the centre, may be out of date"
    assert values["hours_note.pl"].startswith("Strona ośrodka nie podaje godzin")
    edited = values | {"phone_note.en": "as published by the centre in 2017", "action": "publish"}
    assert post(client, CENTRE_W, edited).status_code == 303
    centre = load_content(root).centres["wodzislaw"].centre
    assert centre.phone_note is not None and centre.phone_note.en == "as published by the centre in 2017"
    files = snapshot(root)
    half = form_of(client.get(CENTRE_W).text) | {"hours_note.uk": "", "action": "publish"}  # no Ukrainian
    refused = post(client, CENTRE_W, half)
    assert refused.status_code == 422 and 'id="f-hours_note-uk-error"' in refused.text
    assert snapshot(root) == files
    cleared = form_of(client.get(CENTRE_W).text)
    cleared |= {f"hours_note.{lang}": "" for lang in ("pl", "uk", "en")} | {"action": "publish"}
    assert post(client, CENTRE_W, cleared).status_code == 303
    assert load_content(root).centres["wodzislaw"].centre.hours_note is None
