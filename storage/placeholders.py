"""SQLite-style placeholders (`?`, `:name`) as PostgreSQL's numbered ones (`$1`, `$2`, ...).

Storage SQL is written once, in SQLite's spelling. This is the one place that respells it for an
engine that numbers its parameters. Text inside string literals, quoted names and comments is
copied as it is, so `'why?'` or `-- see :note` never become parameters. A named parameter used
twice gets one number, as in SQLite. `::` (a PostgreSQL cast) is not a parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


@dataclass(frozen=True)
class Numbered:
    """The respelled SQL and, for named parameters, the name bound to $1, $2, ... in order."""

    sql: str
    names: tuple[str, ...] | None  # None: positional `?` (or no parameters at all)
    count: int

    def arguments(self, params: Sequence[Any] | Mapping[str, Any]) -> Sequence[Any]:
        """The values in $-number order, checked like sqlite3 checks them."""
        if self.names is None:
            if isinstance(params, Mapping):
                if self.count == 0 and not params:
                    return ()
                raise TypeError("this statement takes positional (?) parameters, not a mapping")
            if len(params) != self.count:
                raise TypeError(f"the statement has {self.count} parameters, {len(params)} supplied")
            return params
        if not isinstance(params, Mapping):
            raise TypeError("this statement takes named (:name) parameters: pass a mapping")
        missing = [name for name in self.names if name not in params]
        if missing:
            raise TypeError(f"no value supplied for the parameter :{missing[0]}")
        return [params[name] for name in self.names]


@lru_cache(maxsize=2048)
def numbered(sql: str) -> Numbered:
    """Respell `sql` once; the same text (storage queries are constants) is served from the cache."""
    out: list[str] = []
    names: dict[str, int] = {}
    positional = 0
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":
            end = _quoted_end(sql, i, char)
            out.append(sql[i:end])
            i = end
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end])
            i = end
        elif char == "?":
            positional += 1
            out.append(f"${positional}")
            i += 1
        elif char == ":" and sql.startswith("::", i):
            out.append("::")
            i += 2
        elif char == ":" and i + 1 < n and _starts_name(sql[i + 1]):
            end = i + 1
            while end < n and _in_name(sql[end]):
                end += 1
            name = sql[i + 1 : end]
            number = names.setdefault(name, len(names) + 1)
            out.append(f"${number}")
            i = end
        else:
            out.append(char)
            i += 1
    if positional and names:
        raise ValueError("a statement uses either ? or :name parameters, not both")
    if names:
        ordered = tuple(sorted(names, key=names.__getitem__))
        return Numbered("".join(out), ordered, len(ordered))
    return Numbered("".join(out), None, positional)


def _quoted_end(sql: str, start: int, quote: str) -> int:
    """Index just past the closing quote; a doubled quote ('' or "") is part of the text."""
    i = start + 1
    while True:
        i = sql.find(quote, i)
        if i < 0:
            return len(sql)
        if sql.startswith(quote * 2, i):
            i += 2
            continue
        return i + 1


def _starts_name(char: str) -> bool:
    return char.isalpha() or char == "_"


def _in_name(char: str) -> bool:
    return char.isalnum() or char == "_"
