"""The content version and the question counts on every engine (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

from storage import content_version, question_counts
from storage.database import Database

MONDAY = date(2026, 11, 23)


async def test_the_content_version_moves_only_with_a_committed_publish(database: Database) -> None:
    assert await content_version.current(database) == 0
    async with database.transaction():
        assert await content_version.bump(database) == 1
    try:
        async with database.transaction():
            await content_version.bump(database)
            raise RuntimeError("the publish failed after the bump")
    except RuntimeError:
        pass
    assert await content_version.current(database) == 1  # the failed unit took its bump with it


async def test_questions_are_counted_per_topic_and_week(database: Database) -> None:
    for centre, week, topic in [
        ("gliwice", MONDAY, "topic:hours"),
        ("gliwice", MONDAY, "topic:hours"),
        ("gliwice", MONDAY, question_counts.FALLBACK),
        ("gliwice", date(2026, 11, 30), "entry:faq:pets"),
        ("wodzislaw", MONDAY, "topic:fees"),
        ("gliwice", date(2026, 8, 3), "topic:fees"),  # before the period asked for
    ]:
        await question_counts.count_question(database, centre, week, topic)
    since = date(2026, 9, 1)
    assert await question_counts.by_topic(database, "gliwice", since) == [
        ("gliwice", "topic:hours", 2),
        ("gliwice", "entry:faq:pets", 1),
        ("gliwice", question_counts.FALLBACK, 1),
    ]
    assert len(await question_counts.by_topic(database, None, since)) == 4
    assert await question_counts.answered_by_week(database, "gliwice", since) == [
        ("2026-11-23", 2, 1),
        ("2026-11-30", 1, 0),
    ]
