"""A new centre without code: a valid folder whose sections say "not yet described — call the centre".

The folder is built and validated (with check-content's loader) on a copy of the content first,
then written under a dot-name (never read as a centre) and renamed into place in one step, so a
crash leaves either no centre or a whole, valid one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bot.domain.loader import load_content
from bot.editor.files import CENTRE_ID

RESERVED = ("new-centre", "shared")  # the editor's own addresses under /staff/content/
SOURCE = "given by an administrator in the staff panel; not yet described"
NOT_DESCRIBED = {
    "pl": "Tego jeszcze nie opisano — zadzwoń do ośrodka{phone}.",
    "uk": "Цього ще не описано — зателефонуй до центру{phone}.",
    "en": "This is not yet described — call the centre{phone}.",
}
TITLE = {"pl": "Jeszcze nie opisano", "uk": "Ще не описано", "en": "Not yet described"}
RESOLUTION = {
    "pl": "uchwała rady gminy (jeszcze nie opisana — zadzwoń do ośrodka)",
    "uk": "ухвала ради гміни (ще не описана — зателефонуй до центру)",
    "en": "the council's resolution (not yet described — call the centre)",
}
PHONE = {"pl": ": tel. {phone}", "uk": ": тел. {phone}", "en": ": phone {phone}"}


@dataclass(frozen=True)
class NewCentre:
    id: str
    name: str
    city: str
    address: str
    phone: str = ""
    hours: dict[str, list[str]] = field(default_factory=dict)  # "mon": ["08:00-13:00"]


def _q(value: str) -> str:
    """A YAML double-quoted scalar (JSON's string escapes are YAML's too)."""
    return json.dumps(value, ensure_ascii=False)


def _text(values: dict[str, str], indent: str) -> str:
    return "".join(f"\n{indent}{lang}: {_q(values[lang])}" for lang in ("pl", "uk", "en"))


def _said(centre: NewCentre) -> dict[str, str]:
    phone = {lang: PHONE[lang].format(phone=centre.phone) if centre.phone else "" for lang in PHONE}
    return {lang: NOT_DESCRIBED[lang].format(phone=phone[lang]) for lang in NOT_DESCRIBED}


def _entries(centre: NewCentre, section: str) -> str:
    return (
        f"# {section}: not yet described; replace this entry in the staff panel.\nentries:\n"
        f"  - id: not-described\n    title:{_text(TITLE, '      ')}\n"
        f"    text:{_text(_said(centre), '      ')}\n"
        f"    source: {_q(SOURCE)}\n"
    )


def files_of(centre: NewCentre) -> dict[str, str]:
    """The seven files of the centre's folder as YAML text."""
    said, name = _said(centre), {lang: centre.name for lang in ("pl", "uk", "en")}
    hours = "".join(f"\n  {day}: [{', '.join(_q(s) for s in spans)}]" for day, spans in centre.hours.items())
    phone = f"phone: {_q(centre.phone)}\n" if centre.phone else ""
    return {
        "centre.yaml": (
            f"# {centre.name}: created in the staff panel; describe it there.\nid: {centre.id}\n"
            f"name:{_text(name, '  ')}\ncity: {_q(centre.city)}\naddress: {_q(centre.address)}\n{phone}"
            f"hours:{hours or ' null'}\nflats_counted: false\nsource: {_q(SOURCE)}\n"
        ),
        "flats.yaml": (
            f"groups:\n  - id: not-described\n    name:{_text(TITLE, '      ')}\n    source: {_q(SOURCE)}\n"
            f"flats:\n  - id: not-described\n    kind: training\n    groups: [not-described]\n"
            f"    address: {_q(centre.address)}\n    note:{_text(said, '      ')}\n    source: {_q(SOURCE)}\n"
        ),
        "fees.yaml": f"resolution:{_text(RESOLUTION, '  ')}\nsource: {_q(SOURCE)}\n",
        **{f"{s}.yaml": _entries(centre, s) for s in ("recruitment", "rules", "legal", "faq")},
    }


def create_centre(root: Path, centre: NewCentre) -> None:
    """Write the new centre's folder; ValueError for a bad or taken id, ContentError when invalid."""
    taken = centre.id in RESERVED or (root / centre.id).exists()
    if not CENTRE_ID.match(centre.id) or len(centre.id) > 32 or taken:
        raise ValueError(centre.id)
    texts = files_of(centre)
    with tempfile.TemporaryDirectory(prefix="content-new-") as scratch:
        copy = Path(scratch) / "content"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".*"))
        _write(copy / centre.id, texts)
        load_content(copy)  # raises ContentError with every problem, as check-content would
    building = Path(tempfile.mkdtemp(prefix=f".new-{centre.id}-", dir=root))
    try:
        _write(building, texts)
        os.rename(building, root / centre.id)  # one step: no half-made centre is ever loaded
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise


def _write(folder: Path, texts: dict[str, str]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        with open(folder / name, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
