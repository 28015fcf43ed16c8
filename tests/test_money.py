"""Amounts and household sizes read from free text in Polish, Ukrainian and English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import Amount, find_amounts, find_household_size

NBSP = "\u00a0"


def money(value: str, currency: bool = True) -> Amount:
    number = Decimal(value)
    return Amount(value=number, currency=currency, negative=number < 0)


# --- amounts that must be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 650,00 zł", "1650.00"),
        ("Mój dochód to 1 650,00 zł miesięcznie", "1650.00"),
        ("1.400 zł netto", "1400.00"),
        ("1,450 zloty", "1450.00"),  # comma + exactly 3 digits: thousands
        ("1,5 tys.", "1500.00"),
        ("1,5 tys", "1500.00"),
        ("1.5k", "1500.00"),
        ("mam 3 tysiące zł", "3000.00"),
        ("2 тис. злотих", "2000.00"),
        ("950 zł renty", "950.00"),
        ("Мій дохід 1250 злотих.", "1250.00"),
        ("1 250,50 zł", "1250.50"),
        ("1250zl", "1250.00"),
        ("1250 zł", "1250.00"),
        ("1250 PLN", "1250.00"),
        ("PLN 1300", "1300.00"),
        ("PLN1300", "1300.00"),
        ("1300,-", "1300.00"),
        ("2 000 000 zł", "2000000.00"),
        (f"1{NBSP}650,00{NBSP}zł", "1650.00"),
        ("1\u202f650,00 zł", "1650.00"),  # narrow no-break space
        ("1.450,50 zł", "1450.50"),
        ("1,450.50 zł", "1450.50"),
        ("1.400.000 zł", "1400000.00"),
        ("1,45 zł", "1.45"),
        ("dochod 1900 zl jaka oplata", "1900.00"),
        ("I earn 1250.50 PLN", "1250.50"),
        ("1 250 złotych", "1250.00"),
    ],
)
def test_amount_with_currency(text: str, expected: str) -> None:
    assert find_amounts(text) == [money(expected)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zarabiam 1250", "1250.00"),
        ("zarabiam 1 250", "1250.00"),
        ("dochód 1.400", "1400.00"),
        ("I get 1250.50 a month", "1250.50"),
        ("1 250,50", "1250.50"),
    ],
)
def test_amount_without_currency(text: str, expected: str) -> None:
    assert find_amounts(text) == [money(expected, currency=False)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-200 zł", "-200.00"),
        ("saldo: -1 250,50 zł", "-1250.50"),
        ("(\u2212200 zł)", "-200.00"),  # the minus sign
        ("PLN -300", "-300.00"),
    ],
)
def test_negative(text: str, expected: str) -> None:
    [amount] = find_amounts(text)
    assert amount.negative
    assert amount.value == Decimal(expected)
    assert amount.currency


@pytest.mark.parametrize("text", ["a-200 zł", "1000-200 zł", "-0 zł"])
def test_hyphen_is_not_a_minus(text: str) -> None:
    assert not any(a.negative or a.value < 0 for a in find_amounts(text))


def test_order_of_appearance() -> None:
    text = "renta 950 zł, zasiłek 300 zł i PLN 1 200"
    assert find_amounts(text) == [money("950.00"), money("300.00"), money("1200.00")]


def test_range_shares_its_currency() -> None:
    assert find_amounts("1000-1200 zł") == [money("1000.00"), money("1200.00")]
    assert find_amounts("1-1,5 tys.") == [money("1000.00"), money("1500.00")]


def test_currency_word_after_an_amount_is_not_a_prefix_of_the_next_number() -> None:
    assert find_amounts("1000 zł 3 osoby") == [money("1000.00"), money("3.00", currency=False)]


# --- things that are not amounts --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "30.11.2026",
        "do 30.11.2026 r.",
        "do 30-tego",
        "2024-06-10",
        "30/11/2026",
        "8:00",
        "16:30",
        "od 8:00 do 16:30",
        "8:00-16:30",
        "8.00-16.30",
        "32 335 96 30",
        "tel. 32 335 96 30",
        "323359630",
        "800 120 002",
        "+48 600 100 200",
        "tel. 116 123",
        "32-335-96-30",
        "130%",
        "130 %",
        "1,5%",
        "130 proc.",
        "101-130%",
        "tysiąc złotych",
        "kilka tysięcy",
        "rodzina 4-osobowa",
        "Lompy 6/6",
        "3ci",
        "5km",
        "1.5kg",
        "art97",
        "",
        "zł",
        "1,2,3",
        "1250,505 zł",
    ],
)
def test_not_an_amount(text: str) -> None:
    assert find_amounts(text) == []


def test_street_number_does_not_crash() -> None:
    assert find_amounts("ul. Lompy 6/6, Gliwice") == []
    assert find_amounts("ul. Lompy 6") == [money("6.00", currency=False)]  # the caller decides


def test_phone_next_to_an_income() -> None:
    text = "Zarabiam 1 650,00 zł, mój telefon 32 335 96 30, dzwonić 8:00-16:30"
    assert find_amounts(text) == [money("1650.00")]


def test_long_digit_run_with_currency_is_kept() -> None:
    # Too large for an income, but the caller must see it to say so.
    assert find_amounts("1 000 000 000 zł") == [money("1000000000.00")]


def test_absurdly_long_numbers_are_ignored() -> None:
    assert find_amounts("9" * 40 + " zł") == []
    assert find_amounts("1 " + "000 " * 30 + "zł") == []


# --- round trip --------------------------------------------------------------------------------


def polish(value: Decimal, separator: str) -> str:
    """Format like "1 234,56 zł" with `separator` between thousands."""
    whole, fraction = f"{value:.2f}".split(".")
    groups: list[str] = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    return separator.join(groups) + "," + fraction + " zł"


amounts = st.decimals(min_value=Decimal(0), max_value=Decimal("999999.99"), places=2)


@given(value=amounts, separator=st.sampled_from([" ", NBSP, "\u202f"]))
def test_round_trip_polish_format(value: Decimal, separator: str) -> None:
    assert find_amounts(polish(value, separator)) == [money(str(value))]


@given(value=amounts)
def test_round_trip_babel_format(value: Decimal) -> None:
    text = format_decimal(value, format="#,##0.00", locale="pl") + " zł"
    assert find_amounts(text) == [money(str(value))]


@given(value=amounts)
def test_round_trip_inside_a_sentence(value: Decimal) -> None:
    text = f"Mój dochód to {polish(value, NBSP)} miesięcznie, 30.11.2026 o 8:00."
    assert find_amounts(text) == [money(str(value))]


@given(st.text(max_size=200))
def test_never_crashes(text: str) -> None:
    for amount in find_amounts(text):
        assert amount.value == amount.value.quantize(Decimal("0.01"))
        assert amount.negative == (amount.value < 0)


# --- household size ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 osoby", 3),
        ("Jesteśmy rodziną, 3 osoby, dochód 2400 zł", 3),
        ("rodzina 4-osobowa", 4),
        ("rodzina 4 osobowa", 4),
        ("czteroosobowa rodzina", 4),
        ("gospodarstwo dwuosobowe", 2),
        ("jest nas 5", 5),
        ("nas jest troje", 3),
        ("mieszkamy we troje", 3),
        ("dla 2 osób", 2),
        ("we are 2", 2),
        ("We're a family of four", 4),
        ("household of 3", 3),
        ("3 people", 3),
        ("нас 3", 3),
        ("Нас троє", 3),
        ("нас є п’ятеро", 5),
        ("сім'я з 4 осіб", 4),
        ("2 особи", 2),
        ("0 osób", 0),  # returned so the caller can reject it
        ("50 osób", 50),
        ("1500 zł i 2 osoby", 2),
    ],
)
def test_household_size(text: str, expected: int) -> None:
    assert find_household_size(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "mieszkam z żoną i dzieckiem",
        "zarabiam 1250 zł",
        "mam 2 dzieci",
        "osoba samotna",
        "I live alone",
        "",
    ],
)
def test_no_household_size(text: str) -> None:
    assert find_household_size(text) is None


def test_first_household_size_wins() -> None:
    assert find_household_size("jest nas 3, a wcześniej były 4 osoby") == 3


@pytest.mark.parametrize("text", ["minus 500 zł", "mam Minus 500 zł", "мінус 500 злотих"])
def test_the_word_minus_makes_an_amount_negative(text: str) -> None:
    (amount,) = find_amounts(text)
    assert amount.negative
