"""The numbers page's question charts: questions per topic and the share answered per week, counted
from what people really typed in a door (here the web chat), each chart with its table beside it.
Only counts are stored: no question text, no user, no exact time."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.clock import FixedClock
from bot.domain.content import Content
from bot.settings import Settings
from tests.test_web_panel import ADMIN, MEMBER, add_member, log_in, run
from tests.web_helpers import TestClient, csrf_of, send, web_client

ANSWERED = ["godziny otwarcia", "kiedy jesteście otwarci", "czy mogę mieć kota"]
UNANSWERED = "ile kosztuje bilet na samolot do Australii"


@pytest.fixture
def client(content: Content, clock: FixedClock, tmp_path: Path) -> Iterator[TestClient]:
    database = tmp_path / "bot.sqlite3"
    settings = Settings(database=database, staff_admin_ids=frozenset({ADMIN}))
    with web_client(content, clock, database, settings=settings) as found:
        run(found, add_member, MEMBER, "gliwice")
        yield found


def rows_of(html: str, heading: str) -> list[tuple[str, str]]:
    """The (label, value) rows of the table in the section under `heading`."""
    start = html.index(f">{heading}</h2>")
    section = html[start : html.index("</section>", start)]
    assert '<img class="chart" src="/staff/numbers/' in section and f'alt="{heading}"' in section
    return re.findall(r'<tr><th scope="row">([^<]*)</th><td class="num">([^<]*)</td></tr>', section)


def test_questions_are_counted_per_topic_and_the_answered_share_per_week(client: TestClient) -> None:
    csrf = csrf_of(client.get("/chat/gliwice?lang=pl").text)
    for text in [*ANSWERED, UNANSWERED]:
        send(client, csrf, text=text, lang="pl")
    log_in(client, MEMBER)
    numbers = client.get("/staff/numbers").text
    topics = dict(rows_of(numbers, "Pytania według tematu (ostatnie 12 tygodni)"))
    assert topics["Nie ma odpowiedzi"] == "1"
    assert sum(int(n) for n in topics.values()) == 4 and max(int(n) for n in topics.values()) == 2
    shares = rows_of(numbers, "Pytania z odpowiedzią, tygodniowo (%)")
    assert [share for _, share in shares] == ["75%"]
    stored = run(client, lambda db: db.fetch_all("SELECT * FROM question_counts"))
    assert all(UNANSWERED not in str(tuple(row)) for row in stored)
    assert {tuple(row)[2] for row in stored} >= {"fallback"}


def test_an_administrator_sees_every_centre_named(client: TestClient) -> None:
    send(client, csrf_of(client.get("/chat/gliwice?lang=pl").text), text=ANSWERED[0], lang="pl")
    log_in(client, ADMIN)
    topics = rows_of(client.get("/staff/numbers").text, "Pytania według tematu (ostatnie 12 tygodni)")
    assert topics and all(label.startswith("Gliwice: ") for label, _ in topics)


def test_each_chart_is_an_svg_image_of_the_tables_numbers_drawn_once(client: TestClient) -> None:
    csrf = csrf_of(client.get("/chat/gliwice?lang=pl").text)
    for text in [*ANSWERED, UNANSWERED]:
        send(client, csrf, text=text, lang="pl")
    assert client.get("/staff/numbers/by_topic.svg", follow_redirects=False).status_code == 303  # no session
    log_in(client, MEMBER)
    numbers = client.get("/staff/numbers").text
    heading = "Pytania według tematu (ostatnie 12 tygodni)"
    table = rows_of(numbers, heading)
    src = re.search(r'<img class="chart" src="(/staff/numbers/by_topic\.svg\?v=\w+)"', numbers)
    assert src is not None
    first = client.get(src.group(1))
    assert first.headers["content-type"].startswith("image/svg+xml")
    drawn = first.content.decode()
    values = re.findall(r'<text[^>]*class="value">([^<]*)<', drawn)  # the numbers printed at the bars
    assert sorted(v.strip() for v in values) == sorted(value for _, value in table)  # as the table
    assert all(label[:20] in drawn for label, _ in table)  # and the same labels (pygal may shorten)
    assert client.get(src.group(1)).content == first.content  # kept: drawn once (pygal ids differ per draw)
