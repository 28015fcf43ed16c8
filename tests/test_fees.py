"""Fee estimate: statute threshold, bracket boundaries, dated criteria, households, unknown tables."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.conversation import fee_answers, more
from bot.domain.content import Content, Criteria, Criterion, FeeBracket, Fees, FeeTable, Text
from bot.domain.fees import FeeInputError, estimate_fee, find_bracket, table_in_force
from bot.i18n import tr

D = Decimal
DAY = date(2026, 11, 23)
CONTENT = Path(__file__).resolve().parent.parent / "content"

CRITERIA = Criteria(
    criteria=(
        Criterion(effective_from=date(2018, 10, 1), single=D(701), per_person=D(528), source="test"),
        Criterion(effective_from=date(2022, 1, 1), single=D(776), per_person=D(600), source="test"),
        Criterion(effective_from=date(2025, 1, 1), single=D(1010), per_person=D(823), source="test"),
    )
)


def brackets(*rows: tuple[int, int | None, int]) -> tuple[FeeBracket, ...]:
    return tuple(
        FeeBracket(above_percent=D(a), up_to_percent=None if b is None else D(b), fee_percent=D(f))
        for a, b, f in rows
    )


WODZISLAW_BRACKETS = brackets((0, 100, 0), (100, 130, 40), (130, 150, 60), (150, 170, 80), (170, None, 100))


def table(
    rows: tuple[FeeBracket, ...] = WODZISLAW_BRACKETS,
    effective_from: date = date(2009, 2, 26),
    basis: str = "single",
) -> FeeTable:
    return FeeTable.model_validate(
        {
            "effective_from": effective_from,
            "resolution": "uchwała Nr XXXII/315/09",
            "basis": basis,
            "brackets": rows,
            "source": "test",
        }
    )


def fees(*tables: FeeTable, full_fee: Decimal | None = None, limit: Decimal | None = None) -> Fees:
    return Fees(
        resolution=Text(pl="uchwała", uk="рішення", en="resolution"),
        tables=tables,
        full_fee_amount=full_fee,
        admission_limit_percent=limit,
        source="test",
    )


WODZISLAW = fees(table(), limit=D(200))
GLIWICE = fees()  # LII/1090/2023: the table above the criterion is not published


# --- the Wodzisław table on 2026-11-23 (criterion 1010 zł) -----------------------------------


@pytest.mark.parametrize(
    ("income", "status", "fee"),
    [
        ("0", "free", "0"),
        ("950", "free", "0"),
        ("1010.00", "free", "0"),
        ("1010.01", "bracket", "40"),
        ("1250", "bracket", "40"),
        ("1313.00", "bracket", "40"),
        ("1313.01", "bracket", "60"),
        ("1515.00", "bracket", "60"),
        ("1515.01", "bracket", "80"),
        ("1650", "bracket", "80"),
        ("1717.00", "bracket", "80"),
        ("1717.01", "bracket", "100"),
        ("1900", "bracket", "100"),
        ("1000000", "bracket", "100"),
    ],
)
def test_boundaries(income: str, status: str, fee: str) -> None:
    estimate = estimate_fee(WODZISLAW, CRITERIA, D(income), DAY)
    assert estimate.status == status
    assert estimate.fee_percent == D(fee)
    assert estimate.criterion_amount == D(1010)
    assert estimate.income == D(income)
    assert estimate.household == 1
    assert estimate.amount == (D("0.00") if status == "free" else None)  # the full fee is not published


def test_bracket_details() -> None:
    estimate = estimate_fee(WODZISLAW, CRITERIA, D("1010.01"), DAY)
    assert estimate.bracket == WODZISLAW_BRACKETS[1]
    assert estimate.table == WODZISLAW.tables[0]
    assert estimate.criterion == CRITERIA.criteria[2]
    assert estimate.percent == D("100.00")  # display rounding; the bracket is decided exactly


def test_free_shows_the_agreeing_first_bracket() -> None:
    estimate = estimate_fee(WODZISLAW, CRITERIA, D(950), DAY)
    assert estimate.bracket == WODZISLAW_BRACKETS[0]
    assert estimate.percent == D("94.06")


def test_statute_beats_a_table_that_charges_below_the_criterion() -> None:
    greedy = fees(table(brackets((0, 50, 0), (50, 100, 10), (100, None, 100))))
    estimate = estimate_fee(greedy, CRITERIA, D(900), DAY)
    assert estimate.status == "free"
    assert estimate.fee_percent == 0
    assert estimate.bracket is None


def test_percent_rounds_half_up() -> None:
    # 1262.50 / 1010 = 125.0 %; 1010.05 / 1010 = 100.00495... % -> 100.00
    assert estimate_fee(WODZISLAW, CRITERIA, D("1262.50"), DAY).percent == D("125.00")
    assert estimate_fee(WODZISLAW, CRITERIA, D("1010.05"), DAY).percent == D("100.00")
    # 1010.0505 / 1010 = 100.005 % exactly -> 100.01
    assert estimate_fee(WODZISLAW, CRITERIA, D("1010.0505"), DAY).percent == D("100.01")


def test_admission_limit() -> None:
    assert not estimate_fee(WODZISLAW, CRITERIA, D("2020.00"), DAY).admission_exceeded
    assert estimate_fee(WODZISLAW, CRITERIA, D("2020.01"), DAY).admission_exceeded
    assert not estimate_fee(GLIWICE, CRITERIA, D(5000), DAY).admission_exceeded  # no limit published


# --- dates ---------------------------------------------------------------------------------------


def test_same_income_on_different_days() -> None:
    old = estimate_fee(WODZISLAW, CRITERIA, D(900), date(2024, 6, 10))
    assert old.criterion_amount == D(776)
    assert old.status == "bracket"
    assert old.fee_percent == D(40)
    new = estimate_fee(WODZISLAW, CRITERIA, D(900), DAY)
    assert new.criterion_amount == D(1010)
    assert new.status == "free"


def test_criterion_changes_at_midnight() -> None:
    assert estimate_fee(WODZISLAW, CRITERIA, D(900), date(2024, 12, 31)).status == "bracket"
    assert estimate_fee(WODZISLAW, CRITERIA, D(900), date(2025, 1, 1)).status == "free"


def test_no_criterion_before_the_first_row() -> None:
    estimate = estimate_fee(WODZISLAW, CRITERIA, D(500), date(2010, 1, 1))
    assert estimate.status == "no_criterion"
    assert estimate.criterion is None
    assert estimate.fee_percent is None
    assert estimate.amount is None


def test_table_not_yet_in_force() -> None:
    future = fees(table(effective_from=date(2027, 1, 1)))
    assert estimate_fee(future, CRITERIA, D(1100), DAY).status == "above_unknown"
    assert estimate_fee(future, CRITERIA, D(1100), date(2027, 1, 1)).status == "bracket"


def test_newer_table_replaces_the_older() -> None:
    old = table()
    new = table(brackets((0, 100, 0), (100, None, 50)), effective_from=date(2026, 1, 1))
    both = fees(new, old)  # order in the file does not matter
    assert table_in_force(both, date(2025, 12, 31)) == old
    assert table_in_force(both, DAY) == new
    assert estimate_fee(both, CRITERIA, D(1900), DAY).fee_percent == D(50)
    assert estimate_fee(both, CRITERIA, D(1900), date(2025, 6, 1)).fee_percent == D(100)


# --- households ----------------------------------------------------------------------------------


def test_household_below_per_person_criterion() -> None:
    estimate = estimate_fee(WODZISLAW, CRITERIA, D(2400), DAY, household=3)
    assert estimate.status == "free"
    assert estimate.income == D(800)
    assert estimate.criterion_amount == D(823)
    assert estimate.percent == D("97.21")  # 2400 / 2469 = 97.205...


def test_household_at_and_above_per_person_criterion() -> None:
    per_person = fees(table(basis="per_person"))
    assert estimate_fee(per_person, CRITERIA, D(2469), DAY, household=3).status == "free"  # 823.00
    above = estimate_fee(per_person, CRITERIA, D("2469.01"), DAY, household=3)  # 823.0033...
    assert above.status == "bracket"
    assert above.fee_percent == D(40)


def test_single_table_is_not_applied_to_a_family() -> None:
    # The Wodzisław table is for a person living alone; a family above the criterion is sent to the centre.
    estimate = estimate_fee(WODZISLAW, CRITERIA, D(2000), DAY, household=2)
    assert estimate.status == "above_unknown"
    assert estimate.table is None
    assert estimate.fee_percent is None


def test_per_person_table_is_not_applied_to_one_person() -> None:
    per_person = fees(table(basis="per_person"))
    assert estimate_fee(per_person, CRITERIA, D(1100), DAY).status == "above_unknown"


def test_same_date_tables_for_one_person_and_for_families() -> None:
    single = table()
    family = table(brackets((0, 100, 0), (100, None, 30)), basis="per_person")
    both = fees(single, family)
    assert estimate_fee(both, CRITERIA, D(1900), DAY).fee_percent == D(100)
    assert estimate_fee(both, CRITERIA, D(1900), DAY, household=2).fee_percent == D(30)


# --- no published table (Gliwice) --------------------------------------------------------------


def test_no_table() -> None:
    free = estimate_fee(GLIWICE, CRITERIA, D(900), DAY)
    assert free.status == "free"
    assert free.fee_percent == 0
    assert free.table is None
    unknown = estimate_fee(GLIWICE, CRITERIA, D(1100), DAY)
    assert unknown.status == "above_unknown"
    assert unknown.fee_percent is None
    assert unknown.amount is None
    assert unknown.bracket is None
    assert unknown.criterion_amount == D(1010)
    assert unknown.percent == D("108.91")


# --- full fee ------------------------------------------------------------------------------------


def test_amount_with_a_published_full_fee() -> None:
    priced = fees(table(), full_fee=D("1111.11"))
    assert estimate_fee(priced, CRITERIA, D(1250), DAY).amount == D("444.44")  # 40 %
    assert estimate_fee(priced, CRITERIA, D(1400), DAY).amount == D("666.67")  # 60 %, 666.666
    assert estimate_fee(priced, CRITERIA, D(1900), DAY).amount == D("1111.11")
    assert estimate_fee(priced, CRITERIA, D(900), DAY).amount == D("0.00")


# --- invalid input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("income", "household", "code"),
    [
        (D("-0.01"), 1, "negative"),
        (D(-200), 1, "negative"),
        (D("-Infinity"), 1, "negative"),
        (D("1000000.01"), 1, "too_large"),
        (D("Infinity"), 1, "too_large"),
        (D("NaN"), 1, "invalid"),
        (D(1000), 0, "household"),
        (D(1000), -1, "household"),
        (D(1000), 21, "household"),
    ],
)
def test_invalid_input(income: Decimal, household: int, code: str) -> None:
    with pytest.raises(FeeInputError) as caught:
        estimate_fee(WODZISLAW, CRITERIA, income, DAY, household=household)
    assert caught.value.code == code
    assert isinstance(caught.value, ValueError)
    assert str(income) not in str(caught.value)  # no income in a message that may be logged


def test_limits_are_inclusive() -> None:
    assert estimate_fee(WODZISLAW, CRITERIA, D(1_000_000), DAY).fee_percent == D(100)
    assert estimate_fee(WODZISLAW, CRITERIA, D(0), DAY, household=20).status == "free"


# --- properties ----------------------------------------------------------------------------------

incomes = st.decimals(min_value=D(0), max_value=D(1_000_000), places=2)
days = st.dates(min_value=date(2018, 10, 1), max_value=date(2030, 12, 31))


@st.composite
def fee_tables(draw: st.DrawFn) -> FeeTable:
    """A valid table: contiguous brackets from 0 %, fees that never decrease, the last unbounded."""
    bounds = sorted(draw(st.sets(st.decimals(D(1), D(400), places=2), min_size=0, max_size=6)))
    size = len(bounds) + 1
    fee_values = sorted(draw(st.lists(st.integers(0, 100), min_size=size, max_size=size)))
    lows = [D(0), *bounds]
    highs: list[Decimal | None] = [*bounds, None]
    rows = tuple(
        FeeBracket(above_percent=low, up_to_percent=high, fee_percent=D(fee))
        for low, high, fee in zip(lows, highs, fee_values, strict=True)
    )
    return table(rows, basis=draw(st.sampled_from(["single", "per_person"])))


@given(a=incomes, b=incomes, day=days)
def test_fee_never_decreases_as_income_grows(a: Decimal, b: Decimal, day: date) -> None:
    low, high = sorted((a, b))
    fee_low = estimate_fee(WODZISLAW, CRITERIA, low, day).fee_percent
    fee_high = estimate_fee(WODZISLAW, CRITERIA, high, day).fee_percent
    assert fee_low is not None
    assert fee_high is not None
    assert fee_low <= fee_high


@given(t=fee_tables(), a=incomes, b=incomes, household=st.integers(1, 20))
def test_fee_never_decreases_for_any_table(t: FeeTable, a: Decimal, b: Decimal, household: int) -> None:
    low, high = sorted((a, b))
    estimates = [estimate_fee(fees(t), CRITERIA, x, DAY, household=household) for x in (low, high)]
    fee_low, fee_high = (e.fee_percent for e in estimates)
    if fee_low is not None and fee_high is not None:
        assert fee_low <= fee_high
    else:  # the table's basis does not fit this household: only the statute's answer is known
        assert fee_high is None


@given(t=fee_tables(), income=incomes, household=st.integers(1, 20))
def test_every_income_falls_in_exactly_one_bracket(t: FeeTable, income: Decimal, household: int) -> None:
    base = D(823) if household > 1 else D(1010)
    # An independent oracle in exact fractions: the income as a percentage of the criterion.
    share = Fraction(income) / household / Fraction(base) * 100
    holding = [
        b
        for i, b in enumerate(t.brackets)
        if (i == 0 or share > Fraction(b.above_percent))
        and (b.up_to_percent is None or share <= Fraction(b.up_to_percent))
    ]
    assert len(holding) == 1
    assert find_bracket(t, income, base, household) == holding[0]


@given(t=fee_tables(), income=incomes, full=st.decimals(D("0.01"), D(10_000), places=2))
def test_amount_is_the_fee_percent_of_the_full_fee(t: FeeTable, income: Decimal, full: Decimal) -> None:
    household = 1 if t.basis == "single" else 2
    estimate = estimate_fee(fees(t, full_fee=full), CRITERIA, income, DAY, household=household)
    assert estimate.fee_percent is not None
    expected = (full * estimate.fee_percent / 100).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    assert estimate.amount == expected


@given(income=incomes, day=days, household=st.integers(1, 20))
def test_statute_threshold(income: Decimal, day: date, household: int) -> None:
    criterion = CRITERIA.in_force(day)
    assert criterion is not None
    base = criterion.single if household == 1 else criterion.per_person
    estimate = estimate_fee(GLIWICE, CRITERIA, income, day, household=household)
    assert (estimate.status == "free") == (income <= base * household)


# --- the shipped content -----------------------------------------------------------------------


@pytest.mark.skipif(
    not (CONTENT / "wodzislaw" / "fees.yaml").exists(), reason="content/wodzislaw/fees.yaml not written yet"
)
def test_shipped_content() -> None:
    from bot.domain.loader import load_content

    content = load_content(CONTENT)
    wodzislaw = content.centres["wodzislaw"].fees
    for income, fee in (("950", "0"), ("1010.00", "0"), ("1010.01", "40"), ("1250", "40"), ("1313.01", "60"),
                        ("1650", "80"), ("1717.00", "80"), ("1717.01", "100"), ("1900", "100")):  # fmt: skip
        assert estimate_fee(wodzislaw, content.criteria, D(income), DAY).fee_percent == D(fee), income
    assert estimate_fee(wodzislaw, content.criteria, D(900), date(2024, 6, 10)).fee_percent == D(40)
    assert estimate_fee(wodzislaw, content.criteria, D(2400), DAY, household=3).status == "free"
    gliwice = content.centres["gliwice"].fees
    assert estimate_fee(gliwice, content.criteria, D(900), DAY).status == "free"
    assert estimate_fee(gliwice, content.criteria, D(1100), DAY).status == "above_unknown"
    assert "LII/1090/2023" in gliwice.resolution.pl


# --- issue 11: households per person, and what families are told ------------------------------


def _shipped() -> Content:
    from tests.data import shipped_content

    return shipped_content()


def test_two_people_with_1500_are_750_per_person_and_free() -> None:
    content = _shipped()
    result = estimate_fee(content.centres["gliwice"].fees, content.criteria, D(1500), DAY, household=2)
    assert (result.income, result.criterion_amount, result.status) == (D(750), D(823), "free")


@pytest.mark.parametrize("centre", ["gliwice", "wodzislaw"])
def test_three_people_with_3000_are_1000_per_person_above_823_so_the_centre_decides(centre: str) -> None:
    content = _shipped()
    result = estimate_fee(content.centres[centre].fees, content.criteria, D(3000), DAY, household=3)
    assert (result.income, result.criterion_amount) == (D(1000), D(823))
    # Above the family criterion: Gliwice publishes no table, Wodzisław's is for one person only.
    assert result.status == "above_unknown" and result.fee_percent is None


def _first_and_more(centre: str, household: int, income: int, lang: str = "pl") -> tuple[str, str]:
    content = _shipped()
    result = estimate_fee(content.centres[centre].fees, content.criteria, D(income), DAY, household)
    t = tr(lang)
    first = fee_answers.fee_estimate(t, content.centres[centre], result)
    details = more.details(t, content, content.centres[centre], more.fee_key(result), DAY)
    assert details is not None
    return first, details


def test_a_family_free_of_charge_sees_the_result_and_both_per_person_numbers_first() -> None:
    first, details = _first_and_more("gliwice", 2, 1500)
    lines = first.splitlines()
    assert lines[0] == "Pobyt jest bezpłatny. Nie płacisz nic."
    assert "750,00" in lines[1] and "823,00" in lines[1]
    assert "÷" not in first and "1500,00 zł ÷ 2 = 750,00" in details.replace("\u00a0", " ")


def test_a_wodzislaw_family_hears_the_table_is_for_one_person_and_gets_the_phone_with_its_caveat() -> None:
    first, details = _first_and_more("wodzislaw", 3, 3000)
    assert "Opublikowana tabela jest dla osoby samotnej. Dla rodziny opłatę ustala ośrodek." in first
    assert "1000,00" in first and "823,00" in first
    assert "32 455 62 00 (numer ze strony ośrodka, może być nieaktualny)" in first
    assert "Nie znam" not in first and "nie mam" not in first.lower()  # the table is published
    assert first.count("32 455 62 00") == 1
    assert "3000,00 zł ÷ 3 = 1000,00" in details.replace("\u00a0", " ")


def test_gliwice_above_the_criterion_names_the_resolution_and_the_phone_once() -> None:
    first, details = _first_and_more("gliwice", 1, 1250)
    assert "LII/1090/2023" in first and first.count("32 335 96 30") == 1
    assert "%" in first and "40%" not in first  # its share of the criterion, but no guessed bracket
    assert "art. 97" not in first and "rozporządzenie Rady Ministrów z 12 lipca 2024 r." in details


def test_wodzislaw_bracket_result_line_first_then_the_table_and_sources_behind_more() -> None:
    first, details = _first_and_more("wodzislaw", 1, 1250)
    assert first.splitlines()[0] == "Płacisz 40% pełnej opłaty. Kwotę poda ośrodek w decyzji."
    assert len(first.split()) <= 30
    assert "ponad 100% do 130%: 40% pełnej opłaty" in details
    assert "XXXII/315/09" in details and "facts.md" not in details


def test_the_wodzislaw_table_claims_no_date_of_entry_into_force() -> None:
    """Audit: 2009-02-26 is the day the resolution was adopted; no source says it came into force then."""
    table_row = _shipped().centres["wodzislaw"].fees.tables[0]
    assert table_row.effective_from is None
    assert table_in_force(_shipped().centres["wodzislaw"].fees, date(2026, 1, 1)) is table_row
