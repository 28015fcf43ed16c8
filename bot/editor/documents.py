"""Content files as round-trip YAML documents: read, version, list entries, apply an edit, dump.

ruamel.yaml keeps comments, key order and quoting, so a file edited in the panel differs from the
one on disk only where the staff member changed something (the history's diff shows exactly that).
HTTP-free: the panel and the command line both use these functions.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from bot.editor import money_forms as money
from bot.editor.texts import LANGS, set_text, text_value

__all__ = ["LANGS"]  # with everything defined here: the editor's modules read the languages from here
ENTRY_FILES = ("faq", "rules", "recruitment", "legal")  # files holding a list of `entries`
ENTRY_TEXTS = ("title", "text", "more")  # the translated texts of an entry (more is optional)
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CENTRE_TEXTS = ("name", "unit", "contact_note", "phone_note", "hours_note")
CENTRE_PLAIN = ("address", "phone", "source")
CENTRE_ENTRY = "centre"  # the pseudo entry id of centre.yaml: the whole file is one form
FEES_ENTRY, PAYMENT_ENTRY = money.FEES_ENTRY, money.PAYMENT_ENTRY
WHOLE_FILE = (CENTRE_ENTRY, FEES_ENTRY)  # pseudo entries that are a whole file (history: no entry)


def whole_entry(path: str) -> str:
    """The pseudo entry of a file edited as one form (fees.yaml; centre.yaml and shared files)."""
    return FEES_ENTRY if path.endswith("/fees.yaml") else CENTRE_ENTRY


def _yaml() -> YAML:
    yaml = YAML()  # round-trip mode
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the author wrote on one
    yaml.indent(mapping=2, sequence=4, offset=2)
    # The files write an absent value as `null`; ruamel's default would leave it blank.
    yaml.representer.add_representer(type(None), _null)
    return yaml


def _null(representer: Any, _: None) -> Any:
    return representer.represent_scalar("tag:yaml.org,2002:null", "null")


def version_of(data: bytes) -> str:
    """A file's version: changes whenever a byte changes, so a stale save can be recognised."""
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass
class Document:
    """One content file in memory: its relative path, the bytes read and the parsed tree."""

    path: str  # relative to the content folder, e.g. "gliwice/faq.yaml"
    original: bytes
    tree: Any

    @property
    def version(self) -> str:
        return version_of(self.original)

    def dump(self) -> str:
        out = io.StringIO()
        _yaml().dump(self.tree, out)
        return out.getvalue()


def read(root: Path, path: str) -> Document:
    data = (root / path).read_bytes()
    return parse(path, data)


def parse(path: str, data: bytes) -> Document:
    return Document(path, data, _yaml().load(data.decode("utf-8")))


def list_key(path: str) -> str:
    """The list a file's entries are in: flats.yaml's flats (its groups are edited as text), else entries."""
    return "flats" if path.endswith("/flats.yaml") else "entries"


def entries_of(doc: Document) -> list[CommentedMap]:
    raw = doc.tree.get(list_key(doc.path)) if isinstance(doc.tree, Mapping) else None
    return [e for e in raw if isinstance(e, CommentedMap)] if isinstance(raw, list) else []


def find_entry(doc: Document, entry_id: str) -> CommentedMap | None:
    """The entry with this id; for centre.yaml the whole document is the one entry."""
    whole = (entry_id == CENTRE_ENTRY and doc.path.endswith("/centre.yaml")) or (
        entry_id == FEES_ENTRY and doc.path.endswith("/fees.yaml")
    )
    if whole or (entry_id == PAYMENT_ENTRY and doc.path.endswith("/rules.yaml")):
        tree: CommentedMap = doc.tree  # the payment form works on rules.yaml's `payment` key
        return tree
    return next((e for e in entries_of(doc) if str(e.get("id")) == entry_id), None)


_text_value = text_value
_set_text = set_text


def _words(value: str) -> CommentedSeq:
    words = CommentedSeq(DoubleQuotedScalarString(w.strip()) for w in value.split(",") if w.strip())
    words.fa.set_flow_style()
    return words


def apply_entry(entry: CommentedMap, values: Mapping[str, str]) -> None:
    """An FAQ/rules/recruitment/legal entry from form values: `title.pl`, `keywords.uk`, `source`..."""
    for key in ENTRY_TEXTS:
        _set_text(entry, key, values, required=key != "more")
    keywords = entry.get("keywords")
    if not isinstance(keywords, CommentedMap):
        keywords = CommentedMap()
    for lang in LANGS:
        if values.get(f"keywords.{lang}", "").strip():
            keywords[lang] = _words(values[f"keywords.{lang}"])
        else:
            keywords.pop(lang, None)
    if keywords:
        entry["keywords"] = keywords
    else:
        entry.pop("keywords", None)
    entry["source"] = _text_value(values.get("source", ""), entry.get("source"))


def apply_centre(centre: CommentedMap, values: Mapping[str, str]) -> None:
    """centre.yaml from form values: name, unit, contact note, address, phone, hours per day, source."""
    for key in CENTRE_TEXTS:
        _set_text(centre, key, values, required=key == "name")
    for key in CENTRE_PLAIN:
        value = values.get(key, "").strip()
        if value or key != "phone":
            centre[key] = _text_value(value, centre.get(key))
        else:
            centre.pop(key, None)
    hours = CommentedMap()
    for day in DAYS:
        spans = [s.strip() for s in values.get(f"hours.{day}", "").split(",") if s.strip()]
        if spans:
            hours[day] = CommentedSeq(DoubleQuotedScalarString(s) for s in spans)
            hours[day].fa.set_flow_style()
    old = centre.get("hours")
    if old is None and not hours:
        return  # "hours: null" (not published) stays as it was
    if isinstance(old, CommentedMap):
        old.clear()
        old.update(hours)
    else:
        centre["hours"] = hours


FLAT_KINDS = ("training", "supported", "protected")


def apply_flat(flat: CommentedMap, values: Mapping[str, str]) -> None:
    """A flat from form values: kind, groups (ids separated by commas), address, note, source."""
    flat["kind"] = values.get("kind", "").strip()
    groups = CommentedSeq(g.strip() for g in values.get("groups", "").split(",") if g.strip())
    groups.fa.set_flow_style()
    flat["groups"] = groups
    flat["address"] = _text_value(values.get("address", ""), flat.get("address"))
    _set_text(flat, "note", values, required=False)
    flat["source"] = _text_value(values.get("source", ""), flat.get("source"))


def flat_values(flat: CommentedMap) -> dict[str, str]:
    note = flat.get("note")
    values = {f"note.{lang}": str(note.get(lang, "")) if isinstance(note, Mapping) else "" for lang in LANGS}
    groups = flat.get("groups")
    values["groups"] = ", ".join(str(g) for g in groups) if isinstance(groups, list) else ""
    for key in ("kind", "address", "source"):
        values[key] = str(flat.get(key) or "")
    return values


def values_of(path: str, node: CommentedMap, entry: str = "") -> dict[str, str]:
    """The form's fields of an entry of this file as they are now."""
    if entry == PAYMENT_ENTRY:
        return money.payment_values(node)
    if path.endswith("/fees.yaml"):
        return money.fees_values(node)
    if path.endswith("/flats.yaml"):
        return flat_values(node)
    return form_values(node, path.endswith("/centre.yaml"))


def apply(path: str, node: CommentedMap, values: Mapping[str, str], entry: str = "") -> None:
    if entry == PAYMENT_ENTRY:
        money.apply_payment(node, values)
    elif path.endswith("/fees.yaml"):
        money.apply_fees(node, values)
    elif path.endswith("/flats.yaml"):
        apply_flat(node, values)
    elif path.endswith("/centre.yaml"):
        apply_centre(node, values)
    else:
        apply_entry(node, values)


def group_ids(doc: Document) -> list[str]:
    """The target groups flats.yaml defines (a flat may name only these)."""
    raw = doc.tree.get("groups") if isinstance(doc.tree, Mapping) else None
    return [str(g.get("id")) for g in raw if isinstance(g, Mapping)] if isinstance(raw, list) else []


def form_values(entry: CommentedMap, centre_file: bool) -> dict[str, str]:
    """The form's fields of an entry as they are now (the inverse of apply_*)."""
    values: dict[str, str] = {}
    for key in CENTRE_TEXTS if centre_file else ENTRY_TEXTS:
        text = entry.get(key)
        for lang in LANGS:
            values[f"{key}.{lang}"] = str(text.get(lang, "")) if isinstance(text, Mapping) else ""
    if centre_file:
        for key in CENTRE_PLAIN:
            values[key] = str(entry.get(key) or "")
        hours = entry.get("hours")
        for day in DAYS:
            spans = hours.get(day) if isinstance(hours, Mapping) else None
            values[f"hours.{day}"] = ", ".join(str(s) for s in spans) if isinstance(spans, list) else ""
    else:
        keywords = entry.get("keywords")
        for lang in LANGS:
            words = keywords.get(lang) if isinstance(keywords, Mapping) else None
            values[f"keywords.{lang}"] = ", ".join(str(w) for w in words) if isinstance(words, list) else ""
        values["source"] = str(entry.get("source") or "")
    return values


def field_lines(doc: Document, entry_id: str) -> list[tuple[int, str]]:
    """(1-based line, form field) of every field of the entry as dumped, to place a problem's line.

    The document is parsed again from its dump, so the lines are those the validator will see.
    """
    again = parse(doc.path, doc.dump().encode("utf-8"))
    entry = find_entry(again, entry_id)
    if entry is None:
        return []
    if entry_id == PAYMENT_ENTRY:
        entry = entry.get("payment")
        if not isinstance(entry, CommentedMap):
            return []
    found: list[tuple[int, str]] = [(entry.lc.line + 1, "")]
    _lines(entry, "", found)
    return sorted(found)


def _lines(node: CommentedMap, prefix: str, found: list[tuple[int, str]]) -> None:
    """Every key as a dotted field (`text.pl`, `tables.0.brackets.1.fee_percent`) with its line."""
    for key, value in node.items():
        name = f"{prefix}{key}"
        found.append((node.lc.key(key)[0] + 1, name))
        if isinstance(value, CommentedMap):
            _lines(value, f"{name}.", found)
        elif isinstance(value, CommentedSeq):
            for index, item in enumerate(value):
                if isinstance(item, CommentedMap):  # a list of scalars is one field (keywords, groups)
                    found.append((value.lc.item(index)[0] + 1, f"{name}.{index}"))
                    _lines(item, f"{name}.{index}.", found)


def entry_span(doc: Document, entry_id: str) -> tuple[int, int] | None:
    """The first and last line (1-based, inclusive) of an entry in the dumped document."""
    again = parse(doc.path, doc.dump().encode("utf-8"))
    if entry_id in WHOLE_FILE:
        return (1, 10**9)
    if entry_id == PAYMENT_ENTRY:
        keys = list(again.tree) if isinstance(again.tree, CommentedMap) else []
        if "payment" not in keys:
            return None
        at = keys.index("payment")
        end = again.tree.lc.key(keys[at + 1])[0] if at + 1 < len(keys) else 10**9
        return (again.tree.lc.key("payment")[0] + 1, end)
    items = entries_of(again)
    for i, entry in enumerate(items):
        if str(entry.get("id")) == entry_id:
            end = items[i + 1].lc.line if i + 1 < len(items) else 10**9
            return (entry.lc.line + 1, end)
    return None
