"""Validate an edited file with exactly `check-content`'s loader, on a copy of the content folder.

The real folder is never touched: the whole content is copied to a temporary folder, the edited
file written there, and `load_content` run on it. Its `file:line: message` problems are then
placed on the form field whose line they name, so the staff member sees them where they typed.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bot.domain.content import Content
from bot.domain.loader import ContentError, load_content
from bot.editor.documents import FEES_ENTRY, LANGS, PAYMENT_ENTRY, Document, entry_span, field_lines

PROBLEM = re.compile(r"^(?P<file>.*?):(?P<line>\d+): (?P<message>.*)$", re.DOTALL)
MISSING = re.compile(r"^missing translation '(?P<lang>\w+)'$")


@dataclass(frozen=True)
class Problem:
    """One validation problem: the form field it belongs to ("" for the entry or file as a whole)."""

    field: str
    message: str
    where: str = ""  # another file's relative path, when the problem is not in the edited file


def load_with(root: Path, path: str, text: str) -> Content:
    """All content as it would be with `path` holding `text`; raises ContentError like check-content."""
    with tempfile.TemporaryDirectory(prefix="content-edit-") as scratch:
        copy = Path(scratch) / "content"
        # Dot-files are the editor's own temporary files of an unfinished write; never content.
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".*"))
        (copy / path).parent.mkdir(parents=True, exist_ok=True)
        (copy / path).write_text(text, encoding="utf-8")
        try:
            return load_content(copy)
        except ContentError as exc:
            raise ContentError([_relative(p, copy) for p in exc.problems]) from None


def _relative(problem: str, copy: Path) -> str:
    """Problems name files inside the scratch copy; show them relative to the content folder."""
    return problem.replace(f"{copy}/", "").replace(str(copy), ".")


def place(problems: list[str], doc: Document, entry_id: str) -> list[Problem]:
    """Each `file:line: message` on the field of the edited entry at that line, when it is there."""
    lines = field_lines(doc, entry_id)
    span = entry_span(doc, entry_id)
    placed: list[Problem] = []
    for raw in problems:
        match = PROBLEM.match(raw)
        if match is None:
            placed.append(Problem("", raw))
            continue
        file, line, message = match["file"], int(match["line"]), match["message"]
        if file != doc.path:
            placed.append(Problem("", message, where=file))
            continue
        inside = span is not None and span[0] <= line <= span[1]
        field = _field_at(lines, line) if inside else ""
        located = _located(message, entry_id) if inside else None
        if located:
            field = located  # the loader's own path names the field exactly (fees, payment)
        missing = MISSING.match(message)
        if missing and field:
            # The loader points at the text's first language; the missing one is named in the message.
            parts = field.split(".")
            text = parts[:-1] if parts[-1] in LANGS else parts
            field = ".".join([*text, missing["lang"]])
        shown = _shorter(message) if field else f"{line}: {message}"  # no field: the line helps
        placed.append(Problem(field, shown, where="" if inside else file))
    return placed


def _located(message: str, entry_id: str) -> str | None:
    """The field a dotted location names (`tables.0.brackets.1.fee_percent: ...`), for the forms whose
    fields are those paths; None for the others (their lines place the problem)."""
    prefix = {FEES_ENTRY: "", PAYMENT_ENTRY: "payment."}.get(entry_id)
    head, sep, _ = message.partition(": ")
    if prefix is None or not sep or not re.fullmatch(r"[\w.]+", head) or not head.startswith(prefix):
        return None
    return head[len(prefix):] or None


def _field_at(lines: list[tuple[int, str]], line: int) -> str:
    """The last field starting at or before `line` (a multi-line text spans the lines after its key)."""
    found = ""
    for start, field in lines:
        if start > line:
            break
        found = field
    return found


def _shorter(message: str) -> str:
    """Drop the loader's dotted location (`entries.3.text.pl: ...`): the field shows where it is."""
    head, sep, rest = message.partition(": ")
    return rest if sep and re.fullmatch(r"[\w.]+", head) and "." in head else message
