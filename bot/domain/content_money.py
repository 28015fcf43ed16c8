"""Content models of money: payment deadlines, fee tables of a council resolution, the criterion."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from bot.domain.content_base import Model, NonEmpty, Text


class PaymentRule(Model):
    """When residents must pay; drives the payment reminders."""

    due_day: int = Field(ge=1, le=31)  # a month without this day has no deadline (see domain.reminders)
    remind_days_before: tuple[Annotated[int, Field(ge=0, le=27)], ...] = (3, 0)
    send_at: time = time(10, 0)
    text: Text
    source: NonEmpty

    @field_validator("send_at", mode="before")
    @classmethod
    def _send_at(cls, value: object) -> object:
        if isinstance(value, int):
            raise ValueError('write the time in quotes, like "10:00"')
        return value


class FeeBracket(Model):
    """Income above `above_percent` and up to `up_to_percent` of the criterion pays `fee_percent`."""

    above_percent: Decimal = Field(ge=0)
    up_to_percent: Decimal | None = None  # None: no upper bound
    fee_percent: Decimal = Field(ge=0, le=100)


class FeeTable(Model):
    """A council resolution's table, in force from a date (None: no source gives that date)."""

    effective_from: date | None  # None applies on every day; never shown as a date of entry into force
    resolution: NonEmpty
    basis: Literal["single", "per_person"] = "single"  # which criterion the percentages refer to
    brackets: tuple[FeeBracket, ...] = Field(min_length=1)
    source: NonEmpty

    @model_validator(mode="after")
    def _contiguous(self) -> FeeTable:
        if self.brackets[0].above_percent != 0:
            raise ValueError("the first bracket must start at 0%")
        for prev, nxt in zip(self.brackets, self.brackets[1:], strict=False):
            if prev.up_to_percent is None:
                raise ValueError("only the last bracket may have no upper bound")
            if nxt.above_percent != prev.up_to_percent:
                raise ValueError(
                    f"brackets must be contiguous: {prev.up_to_percent}% is followed by "
                    f"a bracket above {nxt.above_percent}%"
                )
            if nxt.fee_percent < prev.fee_percent:
                raise ValueError("the fee must not decrease as income grows")
        for bracket in self.brackets:
            if bracket.up_to_percent is not None and bracket.up_to_percent <= bracket.above_percent:
                raise ValueError(f"bracket above {bracket.above_percent}% ends before it starts")
        if self.brackets[-1].up_to_percent is not None:
            raise ValueError("the last bracket must have no upper bound (up_to_percent: null)")
        return self


class Fees(Model):
    """Fee rules of a centre: the resolution, tables if published, and what is not known."""

    resolution: Text  # the resolution's name, e.g. "uchwała Nr LII/1090/2023 Rady Miasta Gliwice ..."
    short: Text | None = None  # its short name for a first message ("uchwała Nr LII/1090/2023 ...")
    tables: tuple[FeeTable, ...] = ()  # empty: the table above the criterion is not published
    full_fee_amount: Decimal | None = None  # monthly full fee in zł, only when published
    admission_limit_percent: Decimal | None = None  # admission normally up to this % of criterion
    admission_source: NonEmpty | None = None
    notes: tuple[Text, ...] = ()
    source: NonEmpty


class Criterion(Model):
    """The statutory income criterion in force from a date (art. 8 ustawy o pomocy społecznej)."""

    effective_from: date
    single: Decimal = Field(gt=0)  # person living alone
    per_person: Decimal = Field(gt=0)  # per person in a family
    law: Text | None = None  # the regulation in words people understand (shown to users)
    source: NonEmpty


class Criteria(Model):
    """The whole criterion table, oldest first, so any date picks the row in force."""

    criteria: tuple[Criterion, ...] = Field(min_length=1)
    note: Text | None = None

    def in_force(self, day: date) -> Criterion | None:
        """The row in force on `day`, None before the first row."""
        current = None
        for row in self.criteria:
            if row.effective_from <= day:
                current = row
        return current
