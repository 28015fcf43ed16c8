"""The content loader: the shipped YAML loads, and every kind of mistake is reported as `file:line: message`.

Broken variants are made on a copy of the real content (tmp_path), one mistake at a time, so each
test shows that exactly that mistake is found, in the right file, on the right line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.cli import main
from bot.domain.content import Content, Entry, Flat, Group, Text
from bot.domain.loader import ContentError, load_content
from tests.data import GLIWICE_STREETS

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
PROBLEM = re.compile(r"^(?P<file>.+?\.yaml):(?P<line>\d+): (?P<message>\S.*)$")


# --- helpers ----------------------------------------------------------------------------------


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A private copy of the shipped content to break."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


def replace_once(path: Path, old: str, new: str) -> int:
    """Replace the first `old` in the file; return the 1-based line where the new text starts."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    at = text.index(old)
    path.write_text(text[:at] + new + text[at + len(old) :], encoding="utf-8")
    return text[:at].count("\n") + 1


def line_of(path: Path, needle: str, after: int = 0) -> int:
    """The 1-based number of the first line after line `after` that contains `needle`."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if number > after and needle in line:
            return number
    raise AssertionError(f"{needle!r} not found in {path}")


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        load_content(root)
    problems = info.value.problems
    assert problems, "ContentError without problems"
    assert str(info.value) == "\n".join(problems)
    for problem in problems:
        assert PROBLEM.match(problem), f"not 'file:line: message': {problem!r}"
    return problems


def parse(problem: str) -> tuple[str, int, str]:
    match = PROBLEM.match(problem)
    assert match, problem
    return match["file"], int(match["line"]), match["message"]


def only_problem(root: Path) -> tuple[str, int, str]:
    """The single problem of a copy with one mistake: (file, line, message)."""
    problems = problems_of(root)
    assert len(problems) == 1, problems
    return parse(problems[0])


def walk(value: object) -> Iterator[object]:
    """Every model, tuple item and dict value inside `value`, depth first."""
    yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from walk(item)


# --- the shipped content ----------------------------------------------------------------------


def test_shipped_content_has_both_centres(content: Content) -> None:
    assert set(content.centres) == {"gliwice", "wodzislaw"}
    assert content.centre("gliwice") is not None
    assert content.centre("krakow") is None
    for centre_id, centre in content.centres.items():
        assert centre.centre.id == centre_id


def test_gliwice_has_its_ten_flats(content: Content) -> None:
    flats = content.centres["gliwice"].flats
    assert len(flats) == 10
    assert len({f.id for f in flats}) == 10
    addresses = " ".join(f.address for f in flats)
    for street in GLIWICE_STREETS:
        assert street in addresses


def test_wodzislaw_has_a_flat_and_a_fee_table(content: Content) -> None:
    centre = content.centres["wodzislaw"]
    assert centre.flats
    assert centre.fees.tables
    assert centre.payment is not None
    assert centre.centre.hours is None  # the sources give no office hours
    assert centre.centre.hours_note is not None


def test_every_flat_refers_to_existing_groups(content: Content) -> None:
    for centre in content.centres.values():
        known = {g.id for g in centre.groups}
        for flat in centre.flats:
            assert flat.groups
            assert set(flat.groups) <= known, (centre.centre.id, flat.id)


def test_every_text_has_all_three_languages(content: Content) -> None:
    texts = [item for item in walk(content) if isinstance(item, Text)]
    assert len(texts) > 100  # the walk really went through the content
    for text in texts:
        for lang in ("pl", "uk", "en"):
            assert getattr(text, lang).strip(), text


def test_every_entry_flat_and_group_has_a_source(content: Content) -> None:
    items = [item for item in walk(content) if isinstance(item, Entry | Flat | Group)]
    assert len(items) > 40
    for item in items:
        assert item.source.strip(), item
    # And every other fact that carries a source has a non-empty one.
    for node in walk(content):
        source = getattr(node, "source", None) if isinstance(node, BaseModel) else None
        if source is not None:
            assert source.strip()


def test_entry_ids_are_unique_within_each_file(content: Content) -> None:
    for centre in content.centres.values():
        for section in (centre.recruitment, centre.rules, centre.legal, centre.faq):
            ids = [e.id for e in section]
            assert len(ids) == len(set(ids))


def test_criteria_rows_are_oldest_first(content: Content) -> None:
    dates = [row.effective_from for row in content.criteria.criteria]
    assert dates == sorted(dates)
    assert len(set(dates)) == len(dates)


def test_content_copy_loads_like_the_original(root: Path, content: Content) -> None:
    assert load_content(root) == content


# --- one mistake per rule -----------------------------------------------------------------------


def test_unknown_key_in_an_entry(root: Path) -> None:
    path = root / "gliwice" / "rules.yaml"
    after = line_of(path, "- id: house_rules")
    line = replace_once(path, "  - id: house_rules\n", "  - id: house_rules\n    colour: red\n") + 1
    assert line == after + 1
    assert only_problem(root) == (str(path), line, "unknown key 'colour'")


def test_unknown_key_at_the_top_of_a_file(root: Path) -> None:
    path = root / "wodzislaw" / "flats.yaml"
    line = replace_once(path, "groups:\n", "colour: red\ngroups:\n")
    assert only_problem(root) == (str(path), line, "unknown key 'colour'")


def test_unknown_key_in_the_centre(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, "city:", "colour: red\ncity:")
    assert only_problem(root) == (str(path), line, "unknown key 'colour'")


def test_missing_translation(root: Path) -> None:
    path = root / "gliwice" / "rules.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    title = next(i for i, line in enumerate(lines) if line.strip() == "title:")
    assert lines[title + 2].strip().startswith("uk:")
    del lines[title + 2]
    path.write_text("".join(lines), encoding="utf-8")
    file, line, message = only_problem(root)
    assert file == str(path)
    # The title block: its "title:" line or its first translation right below.
    assert line in (title + 1, title + 2)
    assert message == "missing translation 'uk'"


def test_missing_required_key(root: Path) -> None:
    path = root / "gliwice" / "flats.yaml"
    line = line_of(path, "- id: kopalniana")
    replace_once(path, "    kind: training\n    groups: [homeless_men]", "    groups: [homeless_men]")
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert message == "missing key 'kind'"


def test_flat_with_an_unknown_group(root: Path) -> None:
    path = root / "gliwice" / "flats.yaml"
    line = replace_once(path, "groups: [disability]", "groups: [nobody]")
    assert only_problem(root) == (str(path), line, "unknown group 'nobody'")


def test_hours_range_that_ends_before_it_starts(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'tue: ["08:00-13:00"]', 'tue: ["13:00-08:00"]')
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "tue" in message
    assert "ends (08:00) before it starts (13:00)" in message


def test_overlapping_hours_on_one_day(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'wed: ["08:00-13:00"]', 'wed: ["08:00-13:00", "12:00-15:00"]')
    file, reported, message = only_problem(root)
    assert file == str(path)
    # The week's hours as a whole are checked, so the problem points into the hours block.
    assert line_of(path, "hours:") <= reported <= line
    assert "wed" in message and "overlap" in message


def test_unquoted_time_in_hours(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'fri: ["08:00-12:00"]', "fri: [8:00]")
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "quotes" in message
    assert "YAML reads 8:00 as a number" in message


def test_unquoted_reminder_time(root: Path) -> None:
    path = root / "wodzislaw" / "rules.yaml"
    line = replace_once(path, "  due_day: 30\n", "  due_day: 30\n  send_at: 10:00\n") + 1
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "send_at" in message and "quotes" in message


def test_criterion_rows_out_of_order(root: Path) -> None:
    path = root / "criteria.yaml"
    line = replace_once(path, "effective_from: 2022-01-01", "effective_from: 2017-01-01")
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "overlap" in message
    assert "2017-01-01 is not after 2018-10-01" in message


def test_criterion_rows_with_the_same_date(root: Path) -> None:
    path = root / "criteria.yaml"
    line = replace_once(path, "effective_from: 2025-01-01", "effective_from: 2022-01-01")
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "overlap" in message


def test_duplicate_key(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'city: "Gliwice"\n', 'city: "Gliwice"\ncity: "Gliwice"\n') + 1
    assert only_problem(root) == (str(path), line, "duplicate key 'city'")


def test_invalid_yaml_syntax(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'city: "Gliwice"\n', "city: Gliwice: x\n")
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert message.startswith("not valid YAML")


def test_unclosed_bracket_points_near_the_mistake(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'city: "Gliwice"\n', "city: [Gliwice\n")
    file, reported, message = only_problem(root)
    assert file == str(path)
    assert reported in (line, line + 1)  # PyYAML notices on the next line
    assert message.startswith("not valid YAML")


def test_unknown_time_zone(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, 'timezone: "Europe/Warsaw"', 'timezone: "Europe/Gliwice"')
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), line)
    assert "unknown time zone 'Europe/Gliwice'" in message


def test_fee_brackets_with_a_gap(root: Path) -> None:
    path = root / "wodzislaw" / "fees.yaml"
    table = line_of(path, "- effective_from:")
    replace_once(path, 'above_percent: "130"', 'above_percent: "135"')
    file, reported, message = only_problem(root)
    # Problems of a table as a whole point at the table.
    assert (file, reported) == (str(path), table)
    assert "contiguous" in message
    assert "130% is followed by a bracket above 135%" in message


def test_fee_that_decreases_as_income_grows(root: Path) -> None:
    path = root / "wodzislaw" / "fees.yaml"
    table = line_of(path, "- effective_from:")
    replace_once(path, 'fee_percent: "60"', 'fee_percent: "30"')
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), table)
    assert "must not decrease" in message


def test_fee_table_without_an_open_last_bracket(root: Path) -> None:
    path = root / "wodzislaw" / "fees.yaml"
    table = line_of(path, "- effective_from:")
    replace_once(path, "up_to_percent: null", 'up_to_percent: "500"')
    file, reported, message = only_problem(root)
    assert (file, reported) == (str(path), table)
    assert "last bracket" in message


def test_missing_file_in_a_centre_folder(root: Path) -> None:
    path = root / "wodzislaw" / "faq.yaml"
    path.unlink()
    file, line, message = only_problem(root)
    assert (file, line) == (str(path), 1)
    assert "missing file" in message and "faq.yaml" in message


def test_centre_id_not_matching_its_folder(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    line = replace_once(path, "id: gliwice", "id: katowice")
    assert only_problem(root) == (str(path), line, "id 'katowice' must match the folder name")


def test_duplicate_entry_ids(root: Path) -> None:
    path = root / "gliwice" / "rules.yaml"
    line = replace_once(path, "- id: length_of_stay", "- id: house_rules")
    assert only_problem(root) == (str(path), line, "duplicate id 'house_rules'")


def test_duplicate_flat_ids(root: Path) -> None:
    path = root / "gliwice" / "flats.yaml"
    line = replace_once(path, "- id: lompy", "- id: drzymaly")
    assert only_problem(root) == (str(path), line, "duplicate id 'drzymaly'")


def test_file_that_is_not_utf8(root: Path) -> None:
    path = root / "gliwice" / "faq.yaml"
    # Saved by an editor in the Windows Polish code page: "ą" is the byte 0xB9, invalid in UTF-8.
    path.write_bytes(path.read_text(encoding="utf-8").encode("cp1250", errors="replace"))
    assert only_problem(root) == (str(path), 1, "the file is not UTF-8 text")


@pytest.mark.parametrize("name", ["gliwice/legal.yaml", "crisis.yaml"])
def test_empty_file(root: Path, name: str) -> None:
    path = root / name
    path.write_text("", encoding="utf-8")
    file, line, message = only_problem(root)
    assert (file, line) == (str(path), 1)
    assert "expected a mapping" in message


def test_text_given_as_a_plain_string_instead_of_translations(root: Path) -> None:
    path = root / "wodzislaw" / "centre.yaml"
    start = line_of(path, "name:")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    # name: {pl, uk, en} -> name: "MOPS"
    lines[start - 1 : start + 3] = ['name: "MOPS"\n']
    path.write_text("".join(lines), encoding="utf-8")
    file, line, message = only_problem(root)
    assert (file, line) == (str(path), start)
    assert message.startswith("name")


def test_several_problems_in_different_files_are_reported_together(root: Path) -> None:
    centre = root / "gliwice" / "centre.yaml"
    fees = root / "wodzislaw" / "fees.yaml"
    flats = root / "wodzislaw" / "flats.yaml"
    criteria = root / "criteria.yaml"
    zone_line = replace_once(centre, 'timezone: "Europe/Warsaw"', 'timezone: "Europe/Gliwice"')
    table_line = line_of(fees, "- effective_from:")
    replace_once(fees, 'fee_percent: "60"', 'fee_percent: "30"')
    key_line = replace_once(flats, "groups:\n", "colour: red\ngroups:\n")
    criteria_line = replace_once(criteria, "effective_from: 2022-01-01", "effective_from: 2017-01-01")
    reported = {(file, line) for file, line, _ in map(parse, problems_of(root))}
    assert reported == {
        (str(centre), zone_line),
        (str(fees), table_line),
        (str(flats), key_line),
        (str(criteria), criteria_line),
    }


def test_unreadable_files_in_different_places_are_reported_together(root: Path) -> None:
    faq = root / "gliwice" / "faq.yaml"
    legal = root / "wodzislaw" / "legal.yaml"
    crisis = root / "crisis.yaml"
    faq.write_bytes(b"entries: [\xff]\n")
    legal.unlink()
    crisis_line = replace_once(crisis, "source:", "source: [unclosed\nsource:")
    reported = {file for file, _, _ in map(parse, problems_of(root))}
    assert reported == {str(faq), str(legal), str(crisis)}
    assert crisis_line > 1


def test_missing_content_folder(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as info:
        load_content(tmp_path / "nowhere")
    assert len(info.value.problems) == 1
    assert "not found" in info.value.problems[0]


# --- python -m bot check-content ------------------------------------------------------------------


def test_check_content_accepts_the_shipped_content(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-content", str(CONTENT_DIR)]) == 0
    captured = capsys.readouterr()
    assert "content OK" in captured.out + captured.err
    assert "gliwice" in captured.out + captured.err


def test_check_content_lists_problems_as_file_line_message(
    root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    centre = root / "gliwice" / "centre.yaml"
    flats = root / "wodzislaw" / "flats.yaml"
    zone_line = replace_once(centre, 'timezone: "Europe/Warsaw"', 'timezone: "Europe/Gliwice"')
    key_line = replace_once(flats, "groups:\n", "colour: red\ngroups:\n")
    assert main(["check-content", str(root)]) == 1
    captured = capsys.readouterr()
    assert "content OK" not in captured.out + captured.err
    lines = captured.err.strip().splitlines()
    assert len(lines) == 2
    assert all(PROBLEM.match(line) for line in lines), lines
    assert any(line.startswith(f"{centre}:{zone_line}: ") and "time zone" in line for line in lines)
    assert f"{flats}:{key_line}: unknown key 'colour'" in lines
    assert "Traceback" not in captured.err


def test_check_content_on_a_missing_folder_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-content", str(tmp_path / "nowhere")]) == 1
    assert "not found" in capsys.readouterr().err
