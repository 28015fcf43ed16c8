"""Writing a form's text fields into round-trip YAML nodes, keeping the author's style."""

from __future__ import annotations

from collections.abc import Mapping

from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

LANGS = ("pl", "uk", "en")


def text_value(value: str, old: object) -> str:
    """Keep the author's style: a multi-line text as a `|-` block, a quoted line quoted."""
    value = value.replace("\r\n", "\n").strip()
    styled: str = value
    if "\n" in value:
        styled = LiteralScalarString(value)
    elif isinstance(old, LiteralScalarString | DoubleQuotedScalarString) or old is None:
        styled = DoubleQuotedScalarString(value)
    return styled


def _fill(text: CommentedMap, given: Mapping[str, str]) -> None:
    for lang in LANGS:
        if given[lang]:
            text[lang] = text_value(given[lang], text.get(lang))
        else:
            text.pop(lang, None)


def set_text(
    node: CommentedMap, key: str, values: Mapping[str, str], required: bool, prefix: str | None = None
) -> None:
    """Set a translated text from the fields `<prefix or key>.<lang>`; an empty language is removed,
    so validation names the missing one. `key` "" means `node` is itself the text (a list's item)."""
    name = prefix or key
    given = {lang: values.get(f"{name}.{lang}", "").strip() for lang in LANGS}
    if not key:
        _fill(node, given)
        return
    if not any(given.values()) and not required:
        node.pop(key, None)
        return
    text = node.get(key)
    if not isinstance(text, CommentedMap):
        text = CommentedMap()
        node[key] = text
    _fill(text, given)
