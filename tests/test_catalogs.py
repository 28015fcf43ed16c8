"""The gettext catalogs compile cleanly: `make` refuses a catalog babel finds an error in (a
translation whose %-placeholders differ from its msgid), which would stop every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

LOCALES = Path(__file__).resolve().parents[1] / "bot" / "i18n" / "locale"


@pytest.mark.parametrize("po", sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")), ids=lambda p: p.parts[-3])
def test_every_catalog_passes_babels_checks(po: Path) -> None:
    with po.open("rb") as handle:
        catalog = read_po(handle)
    problems = [
        f"{po.parts[-3]}: {message.id!r}: {error}" for message, errors in catalog.check() for error in errors
    ]
    assert problems == []
