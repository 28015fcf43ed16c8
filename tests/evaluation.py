"""Scoring a question set in process, with the same matching rules as ../shared/eval/score.py."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.channels.console import ask_one
from bot.clock import FixedClock, SystemClock, parse_moment
from bot.conversation.dialogue import Engine
from bot.domain.content import Content
from bot.domain.understanding import FUSION, Fusion

EVAL_SET = Path(__file__).parent / "eval" / "questions.yaml"


def fold(text: str) -> str:
    text = text.replace("ł", "l").replace("Ł", "L")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    return re.sub(r"\s+", " ", text)


def matches(answer: str, group: str | list[str]) -> bool:
    options = [group] if isinstance(group, str) else group
    folded = fold(answer)
    return any(fold(str(option)) in folded for option in options)


@dataclass
class Result:
    item: dict[str, Any]
    answer: str
    missing: list[Any]
    present: list[Any]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.present


def load_items(path: Path = EVAL_SET) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]
    return items


def run(content: Content, items: list[dict[str, Any]]) -> list[Result]:
    return run_with(content, items, FUSION)


def run_with(content: Content, items: list[dict[str, Any]], fusion: Fusion) -> list[Result]:
    clock = FixedClock(SystemClock().now())
    engine = Engine(content, clock, fusion=fusion)
    real_now = clock.now()
    results = []
    for item in items:
        clock.set(parse_moment(item["now"]) if item.get("now") else real_now)
        answer = ask_one(engine, item["centre"], item.get("lang", "pl"), item["q"])
        missing = [g for g in item.get("expect", []) if not matches(answer, g)]
        present = [g for g in item.get("forbid", []) if matches(answer, g)]
        results.append(Result(item, answer, missing, present))
    return results
