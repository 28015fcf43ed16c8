"""The rooms of the house: the domain and the engine never import a door (README, Architecture)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
DOORS = ("telegram", "starlette", "uvicorn", "jinja2", "httpx")
ENGINE = [
    "dialogue.py",
    "free_text.py",
    "outcome.py",
    "answers.py",
    "menus.py",
    "fee_flow.py",
    "fee_answers.py",
]


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


@pytest.mark.parametrize("path", sorted((BOT / "domain").glob("*.py")), ids=lambda p: p.name)
def test_the_domain_imports_no_door_no_storage_and_no_engine(path: Path) -> None:
    names = imported(path)
    assert not roots(names) & {*DOORS, "storage", "aiosqlite"}, path.name
    assert not {n for n in names if n.startswith("bot.") and not n.startswith("bot.domain")}, path.name


@pytest.mark.parametrize("name", [n for n in ENGINE if (BOT / n).exists()])
def test_the_engine_imports_no_door(name: str) -> None:
    names = imported(BOT / name)
    assert not roots(names) & set(DOORS), name
    assert not {n for n in names if n.startswith("bot.channels")}, name
