"""The forms for money: a centre's fees.yaml (resolution, notes, fee tables with their brackets) and
the payment block of its rules.yaml (the due day that drives the payment reminders).

Form fields are the dotted paths of the YAML (`tables.0.brackets.2.fee_percent`), so a problem the
loader reports at a path is shown at the field of that path. Lists are shown with one empty item
more (a new note, a new table, two new brackets); an item left empty is not written. Numbers are
written quoted, as the files write them, so they stay exact decimals.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.editor.texts import LANGS, set_text, text_value

FEES_ENTRY = "fees"  # the pseudo entry id of fees.yaml: the whole file is one form
PAYMENT_ENTRY = "_payment"  # the payment block of rules.yaml (never an entry id: ids start a-z0-9)
FEE_TEXTS = ("resolution", "short")
BASES = ("single", "per_person")
BRACKET_KEYS = ("above_percent", "up_to_percent", "fee_percent")
TABLE_PLAIN = ("effective_from", "resolution", "basis", "source")
NEW_BRACKETS = 2  # empty bracket rows offered under a table
_INDEX = re.compile(r"^(?P<list>notes|tables)\.(?P<n>\d+)\.(?:brackets\.(?P<m>\d+)\.)?")


@dataclass(frozen=True)
class FeesLayout:
    """Which numbered items the fees form shows: notes, and tables with their bracket rows."""

    notes: list[int]
    tables: list[tuple[int, list[int]]]


def layout(values: Mapping[str, str]) -> FeesLayout:
    """The items named by the form's fields (the blank ones included), in order."""
    notes: set[int] = set()
    tables: dict[int, set[int]] = {}
    for key in values:
        match = _INDEX.match(key)
        if match is None:
            continue
        n = int(match["n"])
        if match["list"] == "notes":
            notes.add(n)
        else:
            rows = tables.setdefault(n, set())
            if match["m"] is not None:
                rows.add(int(match["m"]))
    return FeesLayout(sorted(notes), [(n, sorted(rows)) for n, rows in sorted(tables.items())])


def _number(value: str) -> str | None:
    """A number as typed ("12,5" too); None for empty. Validation says when it is not a number."""
    value = value.strip().replace(",", ".").removesuffix("%").strip()
    return DoubleQuotedScalarString(value) if value else None


def _day(value: str) -> date | str | None:
    """A date as YAML writes one (2024-01-31, unquoted); other text stays text, so validation names it."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        text: str = DoubleQuotedScalarString(value)
        return text


def _texts(node: object, name: str) -> dict[str, str]:
    return {f"{name}.{lang}": str(node.get(lang, "")) if isinstance(node, Mapping) else "" for lang in LANGS}


def _count(values: Mapping[str, str], prefix: str) -> int:
    found = [int(m["n"]) for k in values if (m := _INDEX.match(k)) and m["list"] == prefix]
    return max(found, default=-1) + 1


# --- fees.yaml -----------------------------------------------------------------------------------


def fees_values(tree: CommentedMap) -> dict[str, str]:
    """Every field of the fees form as the file is now, with one blank note, table and bracket rows."""
    values: dict[str, str] = {}
    for key in FEE_TEXTS:
        values |= _texts(tree.get(key), key)
    notes: list[object] = list(tree.get("notes") or []) if isinstance(tree.get("notes"), list) else []
    for n, note in enumerate([*notes, None]):
        values |= _texts(note, f"notes.{n}")
    for key in ("full_fee_amount", "admission_limit_percent", "admission_source", "source"):
        values[key] = "" if tree.get(key) is None else str(tree.get(key))
    tables: list[object] = list(tree.get("tables") or []) if isinstance(tree.get("tables"), list) else []
    for n, found in enumerate([*tables, None]):
        table: Mapping[str, object] = found if isinstance(found, Mapping) else {}
        for key in TABLE_PLAIN:
            values[f"tables.{n}.{key}"] = "" if table.get(key) is None else str(table.get(key))
        raw = table.get("brackets")
        brackets: list[object] = list(raw) if isinstance(raw, list) else []
        for m, row in enumerate([*brackets, *([None] * NEW_BRACKETS)]):
            bracket: Mapping[str, object] = row if isinstance(row, Mapping) else {}
            for key in BRACKET_KEYS:
                value = bracket.get(key)
                values[f"tables.{n}.brackets.{m}.{key}"] = "" if value is None else str(value)
    return values


def apply_fees(tree: CommentedMap, values: Mapping[str, str]) -> None:
    """fees.yaml from the form: texts, notes, the published amounts and the tables."""
    set_text(tree, "resolution", values, required=True)
    set_text(tree, "short", values, required=False)
    old_notes = tree.get("notes") if isinstance(tree.get("notes"), CommentedSeq) else CommentedSeq()
    notes = []
    for n in range(_count(values, "notes")):
        kept = n < len(old_notes) and isinstance(old_notes[n], CommentedMap)
        note = old_notes[n] if kept else CommentedMap()
        set_text(note, "", values, required=False, prefix=f"notes.{n}")
        if note:
            notes.append(note)
    _replace_items(tree, "notes", old_notes, notes)
    for key in ("full_fee_amount", "admission_limit_percent"):
        tree[key] = _number(values.get(key, ""))
    source = values.get("admission_source", "").strip()
    if source:
        tree["admission_source"] = text_value(source, tree.get("admission_source"))
    else:
        tree.pop("admission_source", None)
    tree["source"] = text_value(values.get("source", ""), tree.get("source"))
    old_tables = tree.get("tables") if isinstance(tree.get("tables"), CommentedSeq) else CommentedSeq()
    tables = []
    for n in range(_count(values, "tables")):
        old = old_tables[n] if n < len(old_tables) and isinstance(old_tables[n], CommentedMap) else None
        table = _table(values, n, old)
        if table is not None:
            tables.append(table)
    _replace_items(tree, "tables", old_tables, tables)


def _replace_items(tree: CommentedMap, key: str, old: CommentedSeq, items: list[CommentedMap]) -> None:
    """The list's items replaced in place, so comments around the list stay where they were."""
    del old[:]
    old.extend(items)
    if not items:
        old.fa.set_flow_style()  # `tables: []`, as the files write an empty list
    else:
        old.fa.set_block_style()
    tree[key] = old


def _table(values: Mapping[str, str], n: int, old: CommentedMap | None) -> CommentedMap | None:
    """One fee table from the form, or None when every field of it was left empty."""
    prefix = f"tables.{n}."
    given = {k: v.strip() for k, v in values.items() if k.startswith(prefix) and v.strip()}
    if not given or set(given) == {f"{prefix}basis"}:
        return None  # a blank table (its basis select always sends a value)
    table = old if old is not None else CommentedMap()
    table["effective_from"] = _day(values.get(f"{prefix}effective_from", ""))
    table["resolution"] = text_value(values.get(f"{prefix}resolution", ""), table.get("resolution"))
    table["basis"] = values.get(f"{prefix}basis", "single").strip() or "single"
    rows = table.get("brackets") if isinstance(table.get("brackets"), CommentedSeq) else CommentedSeq()
    brackets = []
    m = 0
    while any(f"{prefix}brackets.{m}.{key}" in values for key in BRACKET_KEYS):
        typed = {key: values.get(f"{prefix}brackets.{m}.{key}", "") for key in BRACKET_KEYS}
        if any(v.strip() for v in typed.values()):
            bracket = rows[m] if m < len(rows) and isinstance(rows[m], CommentedMap) else CommentedMap()
            for key in BRACKET_KEYS:
                bracket[key] = _number(typed[key])
            brackets.append(bracket)
        m += 1
    del rows[:]
    rows.extend(brackets)
    table["brackets"] = rows
    table["source"] = text_value(values.get(f"{prefix}source", ""), table.get("source"))
    return table


# --- the payment block of rules.yaml -----------------------------------------------------------


def payment_values(tree: CommentedMap) -> dict[str, str]:
    payment = tree.get("payment") if isinstance(tree.get("payment"), Mapping) else {}
    values = _texts(payment.get("text"), "text")
    days = payment.get("remind_days_before")
    values["due_day"] = "" if payment.get("due_day") is None else str(payment.get("due_day"))
    values["remind_days_before"] = ", ".join(str(d) for d in days) if isinstance(days, list) else ""
    values["send_at"] = "" if payment.get("send_at") is None else str(payment.get("send_at"))
    values["source"] = "" if payment.get("source") is None else str(payment.get("source"))
    return values


def _whole(value: str) -> int | str:
    """A whole number as a YAML int; anything else stays text, so validation names the field."""
    value = value.strip()
    return int(value) if value.isdigit() else value


def apply_payment(tree: CommentedMap, values: Mapping[str, str]) -> None:
    """The payment rule from the form; all fields empty removes it (no payment reminders)."""
    if not any(values.get(k, "").strip() for k in ("due_day", "source", *(f"text.{lang}" for lang in LANGS))):
        tree.pop("payment", None)
        return
    payment = tree.get("payment")
    if not isinstance(payment, CommentedMap):
        payment = CommentedMap()
        tree["payment"] = payment
    payment["due_day"] = _whole(values.get("due_day", ""))
    days = [_whole(d) for d in values.get("remind_days_before", "").split(",") if d.strip()]
    if days:
        seq = CommentedSeq(days)
        seq.fa.set_flow_style()
        payment["remind_days_before"] = seq
    else:
        payment.pop("remind_days_before", None)  # the default: three days before and on the day
    send_at = values.get("send_at", "").strip()
    if send_at:
        payment["send_at"] = DoubleQuotedScalarString(send_at)
    else:
        payment.pop("send_at", None)
    set_text(payment, "text", values, required=True)
    payment["source"] = text_value(values.get("source", ""), payment.get("source"))
