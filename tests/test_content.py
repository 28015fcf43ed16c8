"""The content loader: the shipped YAML loads, and every kind of mistake is reported as `file:line: message`.

Broken variants are made on a copy of the real content (tmp_path), one mistake at a time, so each
test shows that exactly that mistake is found, in the right file, on the right line.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Mapping
from datetime import date
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
    """Every model, tuple item and mapping value inside `value`, depth first."""
    yield value
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from walk(getattr(value, name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from walk(item)
    elif isinstance(value, Mapping):  # Content.centres is a read-only mapping (bot.domain.centres)
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


def test_aliases_that_expand_without_end_are_refused(root: Path) -> None:
    path = root / "gliwice" / "faq.yaml"
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 9)]
    path.write_text("\n".join(levels) + "\n", encoding="utf-8")  # 9**9 values once expanded
    file, line, message = only_problem(root)
    assert (file, line) == (str(path), 1)
    assert "too many aliases" in message


def test_an_ampersand_in_a_text_is_only_a_character(root: Path) -> None:
    path = root / "gliwice" / "centre.yaml"
    replace_once(path, 'city: "Gliwice"\n', 'city: "Gliwice & okolice"\n')
    assert load_content(root, cache=None).centres["gliwice"].centre.city == "Gliwice & okolice"


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


# --- issue 11: corrections from the audit of content against the sources ------------------------
# Each test fails on the text the audit found (quoted in its docstring).


def _texts(content: Content, centre: str, lang: str = "pl") -> list[str]:
    """Every user-facing text of a centre in one language (entries, their More, flats, groups, fees)."""
    bundle = content.centres[centre]
    found: list[str] = []
    for value in walk(bundle):
        if isinstance(value, Text):
            found.append(value.get(lang))
    return found


def _entry(content: Content, centre: str, section: str, entry_id: str) -> Entry:
    return next(e for e in getattr(content.centres[centre], section) if e.id == entry_id)


def _rendered_wodzislaw() -> list[str]:
    from tests.test_readability import rendered

    return [r.first + "\n" + (r.more or "") for r in rendered() if r.centre == "wodzislaw"]


def test_wodzislaw_claims_no_number_of_flats(content: Content) -> None:
    """Old: "MOPS ... prowadzi 1 mieszkanie" – no source gives a count."""
    assert content.centres["wodzislaw"].centre.flats_counted is False
    assert not [
        t for t in _rendered_wodzislaw() if re.search(r"prowadzi 1 mieszkanie|runs 1 flat|має 1 кварт", t)
    ]


def test_addiction_therapy_is_named_as_the_seed_does_with_zwlaszcza(content: Content) -> None:
    """Old: "kontynuowanie terapii odwykowej" as a condition for everyone (the seed: "zwłaszcza")."""
    with_therapy = [t for t in _texts(content, "wodzislaw") if "terapi" in t]
    assert with_therapy
    assert all("zwłaszcza" in t for t in with_therapy), with_therapy


def test_who_may_live_in_wodzislaw_and_its_200_percent_limit_keep_przede_wszystkim(content: Content) -> None:
    """Old: the conditions and the 200% limit stated without the seed's "przede wszystkim"."""
    for entry_id in ("who", "income_limit"):
        text = _entry(content, "wodzislaw", "recruitment", entry_id).text.pl
        assert "przede wszystkim" in text and "200%" in text


def test_supported_flats_are_in_particular_not_mainly_for_people_with_disabilities(content: Content) -> None:
    """Old: "przede wszystkim" / "mainly" (facts.md: "in particular")."""
    for centre in ("gliwice", "wodzislaw"):
        item = _entry(content, centre, "legal", "what_is_supported")
        assert "w szczególności" in item.text.pl and "in particular" in item.text.en
        assert "przede wszystkim" not in item.text.pl and "mainly" not in item.text.en


def test_days_the_page_does_not_list_are_not_stated_as_closed(content: Content) -> None:
    """Old: "W święta jest nieczynne", "W soboty i niedziele jest nieczynny".

    The seed lists only the days it is open."""
    everything = [t for c in content.centres for t in _texts(content, c)]
    assert not [t for t in everything if "nieczynn" in t]
    from tests.test_readability import rendered

    hours = [
        r.first for r in rendered() if r.lang == "pl" and r.origin == "m:hours" and r.centre == "gliwice"
    ]
    assert hours and all("nie podaje godzin" in h and "W święta jest nieczynne" not in h for h in hours)


def test_the_wodzislaw_flat_is_not_called_a_training_flat_formerly_protected(content: Content) -> None:
    """Old: "Mieszkanie treningowe (dawniej: chronione)" – chronione were replaced by two kinds."""
    for lang in ("pl", "uk", "en"):
        texts = _texts(content, "wodzislaw", lang)
        assert not [
            t for t in texts if re.search(r"dawniej: chronione|раніше: chronione|formerly: chronione", t)
        ]


def test_the_fee_resolution_has_no_invented_date_of_entry_into_force() -> None:
    """Old: effective_from 2009-02-26 (the day the resolution was adopted, not when it came into force)."""
    fees = (CONTENT_DIR / "wodzislaw" / "fees.yaml").read_text(encoding="utf-8")
    assert "effective_from: 2009-02-26" not in fees and "effective_from: null" in fees


def test_the_february_deadline_says_what_the_seed_says(content: Content) -> None:
    """Old: February's deadline moved to the 28th; the seed says "do 30-tego"."""
    payment = content.centres["wodzislaw"].payment
    assert payment is not None and payment.due_day == 30
    assert "30-tego" in payment.text.pl and "Luty ma mniej dni" in payment.text.pl
    assert "28" not in payment.text.pl
    assert "Luty ma mniej dni" in _entry(content, "wodzislaw", "rules", "payment_deadline").text.pl


def test_no_gender_keywords_lead_to_the_sieminskiego_flat_and_no_appeal_to_the_director(
    content: Content,
) -> None:
    """Old: "kobieta"/"women" found the Siemińskiego flat (the seed names no gender); "odwołanie"
    led to the director (the seed covers disputes, not appeals)."""
    violence = content.centres["gliwice"].group("violence").keywords
    words = [w.casefold() for lang in ("pl", "uk", "en") for w in violence.get(lang)]
    assert not [w for w in words if re.search(r"kobiet|women|woman|жінк", w)]
    complaints = _entry(content, "wodzislaw", "rules", "complaints").keywords.pl
    assert "odwołanie" not in complaints


def test_the_wodzislaw_phone_always_comes_with_its_caveat() -> None:
    """Old: "tel. 32 455 62 00." without "as published by the centre, may be out of date" (3 places)."""
    bare = []
    for text in _rendered_wodzislaw():
        for match in re.finditer(r"32 455 62 00", text):
            after = text[match.end() : match.end() + 60]
            if not re.search(r"nieaktualn|застаріл|out of date", after):
                bare.append(text[max(0, match.start() - 60) : match.end() + 60])
    assert not bare, bare


def test_catalog_fixes_ukrainian_fee_header_and_polish_weekday_grammar() -> None:
    """Old: the Ukrainian fee-table header with Polish mixed in and the text twice; "w każdy środa"."""
    from babel.messages.pofile import read_po

    locale = CONTENT_DIR.parent / "bot" / "i18n" / "locale"
    with (locale / "uk" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        uk = read_po(handle)
    header = uk["Income as a percentage of the criterion → fee as a percentage of the full fee:"].string
    assert "odpłatności" not in header and "kryterium" not in header and header.count("Дохід") == 1
    with (locale / "pl" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        pl = read_po(handle)
    assert "w każdy" not in pl["every {weekday} at {time}"].string


def test_missing_facts_are_there(content: Content) -> None:
    """The Wodzisław regulation's title, the criterion regulation's full title, 2026 unchanged."""
    house = _entry(content, "wodzislaw", "rules", "house_rules")
    assert house.more is not None
    assert "Regulamin mieszkań chronionych dla osób bezdomnych na terenie Wodzisławia Śl." in house.more.pl
    row = content.criteria.in_force(date(2026, 11, 24))
    assert row is not None and row.law is not None
    assert "w sprawie zweryfikowanych kryteriów dochodowych oraz kwot świadczeń pieniężnych" in row.law.pl
    assert (
        content.criteria.note is not None
        and "1 stycznia 2026 r. kwoty się nie zmieniły" in content.criteria.note.pl
    )


def test_glossary_terms_and_source_names_load(content: Content) -> None:
    assert content.glossary.source_names("seeds/000_5f04fe968ab39eec.txt; facts.md: Law", "pl") == [
        "strona OPS Gliwice o mieszkaniach",
        "ustawa o pomocy społecznej",
    ]


def test_ukrainian_has_no_calques_from_polish(content: Content) -> None:
    """Old: "Наші джерела не подають…" (from "nasze źródła nie podają") and "опікун" for the flat's
    social worker (in Ukrainian a legal guardian)."""
    texts = [t for c in content.centres for t in _texts(content, c, "uk")]
    assert not [t for t in texts if "джерела не подають" in t]
    assert not [t for t in texts if re.search(r"(?<!\w)опікун", t)]
