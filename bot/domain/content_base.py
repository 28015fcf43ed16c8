"""The building blocks of content models: the base model, texts in every language, keywords."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

LANGS: tuple[str, ...] = ("pl", "uk", "en")
Lang = Literal["pl", "uk", "en"]
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=32)]


class Model(BaseModel):
    """Base for content: immutable, strict about unknown keys, no silent type coercion of text."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=False)


class Text(Model):
    """One text in every supported language; Polish is the authoritative version."""

    pl: NonEmpty
    uk: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        """The text in `lang`, Polish when the language is unknown."""
        value: str = getattr(self, lang, self.pl)
        return value


class Keywords(Model):
    """Extra words and paraphrases people use for a topic, per language (optional)."""

    pl: tuple[NonEmpty, ...] = ()
    uk: tuple[NonEmpty, ...] = ()
    en: tuple[NonEmpty, ...] = ()
    ru: tuple[NonEmpty, ...] = ()  # read, never shown: people in Ukraine often write in Russian

    def get(self, lang: str) -> tuple[str, ...]:
        value: tuple[str, ...] = getattr(self, lang, ())
        return value
