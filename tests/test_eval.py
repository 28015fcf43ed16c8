"""Answer quality on question sets, scored in process with the rules of ../shared/eval/score.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.content import Content
from tests.evaluation import EVAL_SET, load_items, run

PUBLIC_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "dev_questions.yaml"

# Issue 3: the own set (misspellings, no diacritics, colloquial, 3 languages) must stay at 95% or more.
OWN_SET_FLOOR = 0.95


def _failures(content: Content, path: Path) -> tuple[int, list[str]]:
    results = run(content, load_items(path))
    failed = [
        f"{r.item['id']}: missing={r.missing} forbidden={r.present} answer={r.answer[:160]!r}"
        for r in results
        if not r.ok
    ]
    return len(results), failed


@pytest.mark.skipif(not PUBLIC_SET.exists(), reason="the shared public set sits beside the repository")
def test_public_set_is_fully_answered(content: Content) -> None:
    total, failed = _failures(content, PUBLIC_SET)
    assert not failed, "\n".join(failed)
    assert total >= 40


def test_own_set_stays_above_floor(content: Content) -> None:
    total, failed = _failures(content, EVAL_SET)
    assert total >= 150
    ratio = (total - len(failed)) / total
    assert ratio >= OWN_SET_FLOOR, f"{ratio:.1%} < {OWN_SET_FLOOR:.0%}\n" + "\n".join(failed)


def test_off_topic_questions_fall_back(content: Content) -> None:
    items = [item for item in load_items() if item["id"].startswith("off-")]
    results = run(content, items)
    assert len(items) >= 20
    passed = sum(r.ok for r in results)
    assert passed / len(items) >= 0.85, [r.item["id"] for r in results if not r.ok]


def test_crisis_messages_get_help_numbers_first(content: Content) -> None:
    items = [item for item in load_items() if item["id"].startswith("crisis-")]
    results = run(content, items)
    assert items
    assert all(r.ok for r in results), [r.item["id"] for r in results if not r.ok]
    assert all(r.answer.splitlines()[0] for r in results)
    assert all("112" in r.answer.split("\n\n")[0] for r in results)
