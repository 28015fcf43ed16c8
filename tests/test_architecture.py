"""The rooms of the house: the domain and the engine never import a door, SQL and transactions stay
in storage/ (README, Architecture)."""

from __future__ import annotations

import ast
import re
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


# --- the database: SQL only in storage/, transactions only in units of work ----------------------

ROOT = BOT.parent
STORAGE = ROOT / "storage"
# The query interface itself, and the migrations (which run on the raw connection before it exists).
# The engines implement units of work (and migrations); every other storage module joins them.
TRANSACTION_OWNERS = {"database.py", "db.py", "postgres.py"}
SQL = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM")
TRANSACTION_CONTROL = re.compile(r"\bcommit\(|\brollback\(|\bBEGIN\b")


def strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string literal in the module that is not a docstring (f-strings too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize(
    "path",
    sorted(p for p in STORAGE.glob("*.py") if p.name not in TRANSACTION_OWNERS),
    ids=lambda p: p.name,
)
def test_storage_functions_never_commit_roll_back_or_begin(path: Path) -> None:
    """A storage function joins the caller's unit of work (`db.transaction()`), never ends one."""
    found = [
        f"{path.name}:{number}: {line.strip()}"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if TRANSACTION_CONTROL.search(line.split("#")[0])
    ]
    assert found == []
    assert "lastrowid" not in path.read_text(encoding="utf-8"), "new ids come from INSERT ... RETURNING id"


@pytest.mark.parametrize("path", sorted(BOT.rglob("*.py")), ids=lambda p: str(p.relative_to(BOT)))
def test_no_sql_and_no_transaction_control_outside_storage(path: Path) -> None:
    """bot/ calls storage functions; it writes no SQL and ends no transaction by hand."""
    sql = [f"{number}: {text[:60]!r}" for number, text in strings(path) if any(word in text for word in SQL)]
    assert sql == [], f"SQL in {path.relative_to(ROOT)}: move it into a storage function"
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"\.(commit|rollback)\(\s*\)", text), "use `async with db.transaction():`"
    assert "BEGIN" not in [value.strip().split(" ")[0] for _, value in strings(path)]
    assert "aiosqlite" not in roots(imported(path)), "bot/ talks to storage.database.Database"
