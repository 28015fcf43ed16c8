"""The rooms of the house: the domain and the engine never import a door, SQL and transactions stay
in storage/ (README, Architecture)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BOT = Path(__file__).resolve().parent.parent / "bot"
DOORS = ("telegram", "starlette", "uvicorn", "jinja2", "httpx")
README = BOT.parent / "README.md"
# Shared by every package (README, Architecture: "the core modules").
CORE = {"bot.flows", "bot.callbacks", "bot.replies", "bot.clock", "bot.settings", "bot.outgoing", "bot.i18n"}
# The channel-free packages and the packages of bot/ each may import besides its own modules, the core
# modules and storage/ (the README's list says the same in words; a test below holds them together).
FEATURES: dict[str, set[str]] = {
    "domain": set(),
    "conversation": {"domain"},
    "residents": {"domain"},
    "broadcasts": {"staff"},
    "handover": {"staff", "domain"},
    "staff": {"conversation", "domain"},
    "editor": {"staff", "domain"},
}


def imported(path: Path) -> set[str]:
    """Every module the file imports (absolute names; `from a import b` counts as `a` and `a.b`)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names.add("." * node.level + (node.module or ""))
    return names


def roots(names: set[str]) -> set[str]:
    return {name.split(".")[0] for name in names}


def package_files(package: str) -> list[Path]:
    return sorted((BOT / package).rglob("*.py"))


@pytest.mark.parametrize(
    "path",
    [path for package in FEATURES for path in package_files(package)],
    ids=lambda p: str(p.relative_to(BOT)),
)
def test_feature_packages_never_import_telegram_or_another_door(path: Path) -> None:
    names = imported(path)
    assert not roots(names) & {*DOORS, "aiosqlite"}, f"{path.relative_to(BOT)} imports a door library"
    assert not {n for n in names if n.startswith("bot.channels")}, f"{path.relative_to(BOT)} imports a door"
    assert not {n for n in names if n.startswith(".")}, "absolute imports only (so this check sees them)"


@pytest.mark.parametrize("package", sorted(FEATURES))
def test_each_feature_package_imports_only_what_the_readme_allows(package: str) -> None:
    allowed = CORE | {f"bot.{name}" for name in {package, *FEATURES[package]}}
    wrong = {
        f"{path.relative_to(BOT)}: {name}"
        for path in package_files(package)
        for name in imported(path)
        if name.startswith("bot.") and ".".join(name.split(".")[:2]) not in allowed
    }
    assert sorted(wrong) == []
    if package == "domain":  # pure: no storage either
        assert all("storage" not in roots(imported(path)) for path in package_files(package))


def test_the_telegram_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    """The check itself: both spellings of importing telegram are found."""
    module = tmp_path / "m.py"
    module.write_text("import telegram\nfrom telegram.ext import Application\n", encoding="utf-8")
    assert roots(imported(module)) == {"telegram"}


def architecture_section() -> str:
    text = README.read_text(encoding="utf-8")
    return text[text.index("## Architecture") : text.index("\n## ", text.index("## Architecture") + 1)]


def test_the_readme_names_every_package_and_only_packages_that_exist() -> None:
    named = set(re.findall(r"`bot/([\w/]+?)/`", architecture_section()))
    existing = {str(init.parent.relative_to(BOT)) for init in BOT.rglob("__init__.py") if init.parent != BOT}
    assert named - existing == set(), "the README names a package that is not there"
    assert existing - named == set(), "a package the README's architecture section does not name"


def test_the_readme_says_what_each_feature_package_may_import() -> None:
    """Each package's line begins "`bot/<name>/` — imports …": the same set as FEATURES above."""
    section = architecture_section()
    for package, others in FEATURES.items():
        line = re.search(rf"^- `bot/{package}/` — imports (.+?)[.;]", section, re.M | re.S)
        assert line is not None, f"bot/{package}/ has no 'imports' line in the README"
        said = set(re.findall(r"`bot/(\w+)/`", line[1])) - {package}
        if package == "domain":
            assert "only `bot/domain/`" in line[0] and "no storage" in section
        else:
            said -= {"i18n"}  # a core module, named for the reader
            assert said == others, f"bot/{package}/: the README says {said}, the test {others}"
            assert "the core modules" in " ".join(line[1].split()) and "`storage/`" in line[1]


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
