"""Interface sentences of the content editor pages (in the panel's language)."""

from __future__ import annotations

from bot.i18n import tr


def editor_ui(lang: str) -> dict[str, str]:
    t = tr(lang)
    return {
        "content": t._("Content"),
        "centres": t._("Centres"),
        "sections": t._("Sections"),
        "centre_details": t._("Centre: contact and office hours"),
        "faq": t._("Questions and answers"),
        "rules": t._("Rules"),
        "recruitment": t._("Recruitment"),
        "legal": t._("Law"),
        "add_faq": t._("Add a question and answer"),
        "flats": t._("Flats"),
        "note": t._("Note about the flat (optional)"),
        "kind": t._("Kind of flat"),
        "kind_training": t._("training"),
        "kind_supported": t._("supported"),
        "kind_protected": t._("protected"),
        "groups": t._("For whom (group short names, separated by commas):"),
        "history": t._("History of changes"),
        "new_centre": t._("Add a centre"),
        "shared": t._("Shared by all centres (administrators)"),
        "criteria": t._("Income criterion"),
        "crisis": t._("Help numbers and danger signals"),
        "missing_mark": t._("translation missing"),
        "older_mark": t._("older than the Polish text"),
        "entry_id": t._("Short name (letters a-z, digits, dashes)"),
        "title": t._("Title"),
        "text": t._("Answer"),
        "more": t._("More details (optional)"),
        "keywords": t._("Words people use, separated by commas"),
        "source": t._("Source"),
        "choose_source": t._("Choose the source"),
        "name": t._("Name"),
        "unit": t._("Department"),
        "contact_note": t._("Contact note"),
        "phone_note": t._("Said right after the phone number (optional), e.g. that it may be out of date"),
        "hours_note": t._("About the office hours (optional), e.g. when no hours are published"),
        "fees": t._("Fees: the resolution and the fee table"),
        "payment": t._("Payment deadline and reminders"),
        "resolution": t._("The resolution on fees (full name)"),
        "short": t._("Its short name (optional)"),
        "fee_note": t._("Note {number}"),
        "fee_note_new": t._("A new note (optional)"),
        "full_fee_amount": t._("Full monthly fee in zł (empty: not published)"),
        "admission_limit_percent": t._(
            "Admission up to this percentage of the income criterion (empty: not known)"
        ),
        "admission_source": t._("Source of the admission limit"),
        "fee_table": t._("Fee table {number}"),
        "fee_table_new": t._("A new fee table (optional)"),
        "table_resolution": t._("The resolution this table is in"),
        "effective_from": t._("In force from (like 2024-01-31; empty: no source gives the date)"),
        "basis": t._("The percentages refer to"),
        "basis_single": t._("the criterion for a person living alone"),
        "basis_per_person": t._("the criterion per person in a family"),
        "brackets": t._(
            "Income as a percentage of the criterion, and the fee as a percentage of the full fee"
            " (empty rows are left out)"
        ),
        "above_percent": t._("Income above %"),
        "up_to_percent": t._("Up to % (empty: no upper limit)"),
        "fee_percent": t._("Fee %"),
        "bracket_field": t._("Row {number}: {what}"),
        "payment_text": t._("What the reminder says"),
        "payment_help": t._(
            "Residents get a reminder before the day of payment. Leave every field empty for no reminders."
        ),
        "due_day": t._("Day of the month to pay by (1-31)"),
        "remind_days_before": t._("Remind this many days before, separated by commas (empty: 3, 0)"),
        "send_at": t._("Time of the reminder, like 10:00 (empty: 10:00)"),
        "address": t._("Address"),
        "phone": t._("Phone"),
        "hours": t._("Office hours, like 08:00-13:00 (several separated by commas; empty: closed)"),
        "preview": t._("Preview"),
        "question": t._("A question to try"),
        "preview_lang": t._("Language of the question"),
        "show_preview": t._("Show the reply"),
        "today": t._("Today's reply"),
        "after": t._("The reply after publishing"),
        "publish": t._("Publish"),
        "published": t._("Published: both doors answer with the new text now."),
        "restored": t._("Restored: both doors answer with the earlier text now."),
        "invalid": t._("Nothing was saved: please correct the marked fields."),
        "stale": t._(
            "Changed by someone else in the meantime: nothing was saved. Here is the new version; "
            "make your change again on it."
        ),
        "elsewhere": t._("A problem elsewhere in the content"),
        "when": t._("When"),
        "who": t._("Who"),
        "what": t._("What"),
        "change": t._("Change"),
        "restore": t._("Restore the version before this change"),
        "no_history": t._("No changes yet."),
        "centre_id": t._("Centre id (letters a-z, digits, dashes; it becomes part of the address)"),
        "city": t._("City"),
        "create": t._("Create the centre"),
        "created": t._("The centre was created; its sections say to call the centre until described."),
        "exists": t._("A centre with this id already exists, or the id is not valid."),
        "langs_pl": t._("Polish"),
        "langs_uk": t._("Ukrainian"),
        "langs_en": t._("English"),
        "day_mon": t._("Monday"),
        "day_tue": t._("Tuesday"),
        "day_wed": t._("Wednesday"),
        "day_thu": t._("Thursday"),
        "day_fri": t._("Friday"),
        "day_sat": t._("Saturday"),
        "day_sun": t._("Sunday"),
    }


def problem_text(lang: str, message: str) -> str:
    """The loader's most common messages in the staff member's language; others as the loader says."""
    t = tr(lang)
    if message.startswith("missing translation"):
        return t._("This translation is missing.")
    if message.startswith("missing key") or "at least 1 character" in message:
        return t._("This field is required.")
    if message.startswith("duplicate id"):
        return t._("Another entry already has this short name.")
    return message
