"""Interface strings (gettext catalogs via Babel) and locale-aware money, dates and times.

Message ids are natural English sentences used with `.format()`; counts go through `ngettext`.
Catalogs are compiled by the Makefile; when a `.mo` is missing or stale the committed `.po` is
compiled in memory, so `python -m bot` works straight from a checkout too.
"""

from __future__ import annotations

import gettext
from datetime import date, datetime, time
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.dates import format_date, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGS = ("pl", "uk", "en")
BABEL_LOCALE = {"pl": "pl_PL", "uk": "uk_UA", "en": "en_GB"}
DOMAIN = "messages"


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    if po.exists():
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        buffer = BytesIO()
        write_mo(buffer, catalog, use_fuzzy=True)
        buffer.seek(0)
        return Translations(buffer, domain=DOMAIN)
    return gettext.NullTranslations()


class Tr:
    """Everything language-dependent about the interface for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGS else "pl"
        self.locale = Locale.parse(BABEL_LOCALE[self.lang])
        self._catalog = _catalog(self.lang)

    def _(self, message: str) -> str:
        """The translated sentence (extracted by pybabel as `_`)."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """The right plural form for `count` in this language."""
        return self._catalog.ngettext(singular, plural, count)

    def money(self, amount: Decimal) -> str:
        """`1010,00 zł` in Polish and Ukrainian, `1010.00 zł` in English: the sign people see on bills.

        Polish and Ukrainian typography leave four-digit numbers ungrouped (CLDR's minimum
        grouping digits is 2 there), which Babel does not apply by itself.
        """
        # Ungrouped below 10 000 in every language, as the centres' documents write the criterion.
        grouped = abs(amount) >= 10_000
        if self.lang == "pl":
            return format_currency(amount, "PLN", locale=self.locale, group_separator=grouped)
        number = format_decimal(amount, format="#,##0.00", locale=self.locale, group_separator=grouped)
        return f"{number}\u00a0zł"

    def number(self, value: Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def percent(self, value: Decimal) -> str:
        """A percentage as people write it: `116,34%`, whole numbers without decimals."""
        text = format_decimal(
            value.normalize() if value == value.to_integral() else value, locale=self.locale
        )
        return f"{text}%"

    def long_date(self, day: date | datetime) -> str:
        """`23 listopada 2026` style long date."""
        return format_date(day, format="long", locale=self.locale)

    def weekday_date(self, day: date | datetime) -> str:
        """`wtorek, 24 listopada` style."""
        return format_date(day, format="EEEE, d MMMM", locale=self.locale)

    def clock(self, moment: time | datetime) -> str:
        """`8:00` style, 24-hour clock in every language."""
        return format_time(moment, format="H:mm", locale=self.locale)

    def weekday(self, index: int) -> str:
        """Weekday name for `date.weekday()` numbering, as a standalone word (`poniedziałek`)."""
        names = get_day_names("wide", context="stand-alone", locale=self.locale)
        return str(names[index])


@cache
def tr(lang: str) -> Tr:
    """The shared translator for a language (unknown codes get Polish)."""
    return Tr(lang)
