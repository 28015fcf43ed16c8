"""The staff panel through HTTP: one-time login links, sessions, the access matrix, tickets
answered from the panel into the web chat, unanswered questions and the numbers page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.channels.web.config import WebSettings
from bot.channels.web.panel_auth import COOKIE as STAFF_COOKIE
from bot.cli import main
from bot.clock import FixedClock, SystemClock
from bot.conversation.privacy import CONSENT_YES
from bot.domain.content import Content
from bot.settings import Settings
from storage import audit, panel_links, ticket_posts, web_tickets
from storage import staff as staff_store
from storage.open import open_database
from storage.ratings import record_rating
from storage.unanswered import record_unanswered
from tests.web_helpers import TestClient, bot_text, csrf_of, door, send, web_client

ADMIN, MEMBER, OUTSIDER, OTHER_CENTRE = 1, 2, 3, 4
PAGES = ["/staff/tickets", "/staff/tickets/1", "/staff/unanswered", "/staff/numbers", "/staff/broadcasts"]
FORMS = ["/staff/tickets/1/answer", "/staff/tickets/1/close", "/staff/tickets/1/assign", "/staff/broadcasts"]


@pytest.fixture
def client(content: Content, clock: FixedClock, database_target: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_target, staff_admin_ids=frozenset({ADMIN}))
    with web_client(content, clock, database_target, settings=settings) as found:
        run(found, add_member, MEMBER, "gliwice")
        run(found, add_member, OTHER_CENTRE, "wodzislaw")
        yield found


def run(client: TestClient, function: Callable[..., Awaitable[Any]], *args: Any) -> Any:
    """Call a storage function on the app's own connection, in the app's event loop."""

    async def call() -> Any:
        return await function(door(client).db, *args)

    return client.portal.call(call)  # type: ignore[union-attr]


async def add_member(db: Any, user_id: int, centre: str) -> None:
    code = staff_store.new_code()
    now = SystemClock().now()
    await staff_store.add_invite(db, code, centre, ADMIN, now, now + timedelta(days=1))
    await staff_store.redeem_invite(db, code, user_id, now)


def log_in(client: TestClient, user_id: int) -> None:
    code = run(client, panel_links.add_link, user_id, door(client).clock.now())
    page = client.get(f"/staff/login/{code}")
    assert page.status_code == 200 and f'value="{code}"' in page.text
    done = client.post("/staff/login", data={"code": code}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/staff/tickets"


def staff_csrf(client: TestClient, path: str) -> str:
    return csrf_of(client.get(path).text)


def open_web_ticket(client: TestClient, question: str) -> int:
    csrf = csrf_of(client.get("/chat/gliwice").text)
    send(client, csrf, button="m:ask")
    said = bot_text(send(client, csrf, text=question))
    match = re.search(r"#(\d+)", said)
    assert match is not None, said
    return int(match.group(1))


def test_staff_link_prints_a_one_time_link(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, database_target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_target)
    monkeypatch.setenv("WEB_PUBLIC_URL", "https://pomoc.example.pl")
    assert main(["staff-link", "7"]) == 0
    link = capsys.readouterr().out.strip()
    assert link.startswith("https://pomoc.example.pl/staff/login/")
    code = link.rsplit("/", 1)[1]

    async def spend() -> tuple[int | None, int | None, bool]:
        db = await open_database(database_target)
        try:
            now = SystemClock().now()
            first = await panel_links.use_link(db, code, now)
            second = await panel_links.use_link(db, code, now)
            row = await db.fetch_one("SELECT COUNT(*) FROM panel_links WHERE code_hash = ?", (code,))
            return first, second, row is not None and row[0] == 0
        finally:
            await db.close()

    assert asyncio.run(spend()) == (7, None, True)  # used once; the code itself is not stored


def test_a_link_works_once_and_for_ten_minutes(client: TestClient, clock: FixedClock) -> None:
    code = run(client, panel_links.add_link, MEMBER, clock.now())
    assert client.post("/staff/login", data={"code": code}, follow_redirects=False).status_code == 303
    client.cookies.clear()
    assert client.post("/staff/login", data={"code": code}).status_code == 403
    late = run(client, panel_links.add_link, MEMBER, clock.now())
    clock.set(clock.now() + timedelta(minutes=11))
    assert client.post("/staff/login", data={"code": late}).status_code == 403


def test_a_session_ends_after_eight_hours(client: TestClient, clock: FixedClock) -> None:
    log_in(client, MEMBER)
    cookie = client.cookies.get(STAFF_COOKIE)
    assert cookie and client.get("/staff/tickets").status_code == 200
    clock.set(clock.now() + timedelta(hours=8, minutes=1))
    gone = client.get("/staff/tickets", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/staff/login"


@pytest.mark.parametrize("who", [None, OUTSIDER, MEMBER, ADMIN])
def test_no_staff_page_without_a_valid_session_and_role(client: TestClient, who: int | None) -> None:
    """The access matrix: every page and form, for nobody, a non-staff user, staff and an admin."""
    open_web_ticket(client, "Czy mogę przyjść z psem?")
    if who is not None:
        log_in(client, who)
    for path in PAGES:
        status = client.get(path, follow_redirects=False).status_code
        expected = {None: 303, OUTSIDER: 403}.get(who, 200)
        assert status == expected, (who, path)
    for path in FORMS:
        status = client.post(path, data={"csrf": "x", "text": "hi"}, follow_redirects=False).status_code
        assert status == {None: 401}.get(who, 403), (who, path)  # staff without the CSRF token: 403 too
    if who is not None:
        trail = run(client, audit.entries, who)
        assert trail and all(e.outcome == ("denied" if who == OUTSIDER else "ok") for e in trail)


def test_a_ticket_from_the_web_chat_is_answered_in_the_panel(client: TestClient) -> None:
    ticket = open_web_ticket(client, "Czy mogę przyjść z psem?")
    log_in(client, MEMBER)
    listing = client.get("/staff/tickets").text
    assert f"/staff/tickets/{ticket}" in listing and "gliwice" in listing and "web" in listing
    page = client.get(f"/staff/tickets/{ticket}").text
    assert "Czy mogę przyjść z psem?" in page
    csrf = csrf_of(page)
    sent = client.post(f"/staff/tickets/{ticket}/answer", data={"csrf": csrf, "text": "Tak, <b>z psem</b>."})
    assert sent.status_code == 200 and "Odpowiedź została wysłana" in sent.text
    assert "&lt;b&gt;" in sent.text
    chat = client.get("/chat/gliwice").text
    assert "Tak, &lt;b&gt;z psem&lt;/b&gt;." in chat and f'value="k:close:{ticket}"' in chat
    assert "odpowiedziane" in client.get("/staff/tickets").text
    client.post(f"/staff/tickets/{ticket}/close", data={"csrf": csrf})
    closed = client.get(f"/staff/tickets/{ticket}").text
    assert "Czy mogę przyjść z psem?" not in closed  # the conversation is dropped on closing
    actions = [e.action for e in run(client, audit.entries, MEMBER)]
    assert "ticket_reply" in actions and "ticket_close" in actions


def test_an_answer_the_visitor_has_not_seen_survives_closing_the_ticket(client: TestClient) -> None:
    ticket = open_web_ticket(client, "Czy jest winda?")
    log_in(client, MEMBER)
    csrf = staff_csrf(client, f"/staff/tickets/{ticket}")
    client.post(f"/staff/tickets/{ticket}/answer", data={"csrf": csrf, "text": "Tak, jest winda."})
    client.post(f"/staff/tickets/{ticket}/close", data={"csrf": csrf})  # before the visitor looked
    kept = run(client, web_tickets.lines, ticket)
    assert [(line.author, line.text) for line in kept] == [("staff", "Tak, jest winda.")]  # question gone

    shown = client.get("/chat/gliwice/updates?after=0").json()["entries"]
    staff = [e for e in shown if e["author"] == "staff"]
    assert len(staff) == 1 and staff[0]["text"].endswith("Tak, jest winda.")
    assert run(client, web_tickets.lines, ticket) == []  # seen: now it goes too
    again = client.get(f"/chat/gliwice/updates?after={shown[-1]['number']}").json()["entries"]
    assert again == []  # shown once
    assert client.get("/chat/gliwice").text.count("Tak, jest winda.") == 1


def test_staff_of_another_centre_do_not_see_the_ticket(client: TestClient) -> None:
    ticket = open_web_ticket(client, "pytanie")
    log_in(client, OTHER_CENTRE)
    assert f"/staff/tickets/{ticket}" not in client.get("/staff/tickets").text
    assert client.get(f"/staff/tickets/{ticket}").status_code == 404


def test_a_staff_form_without_the_sessions_csrf_token_is_refused(client: TestClient) -> None:
    ticket = open_web_ticket(client, "pytanie")
    log_in(client, MEMBER)
    refused = client.post(f"/staff/tickets/{ticket}/answer", data={"csrf": "forged", "text": "x"})
    assert refused.status_code == 403
    assert "forged" not in client.get("/chat/gliwice").text and "Odpowiedź pracownika" not in (
        client.get("/chat/gliwice").text
    )


def test_unanswered_groups_similar_questions_and_numbers_have_charts(client: TestClient) -> None:
    now = door(client).clock.now()
    for text in ["czy mogę trzymać rybki", "czy mogę trzymać rybki", "czy mogę trzymać rybki w akwarium"]:
        run(client, record_unanswered, "gliwice", "pl", text, now)
    run(client, record_unanswered, "gliwice", "pl", "gdzie jest parking", now)
    run(client, record_unanswered, "wodzislaw", "pl", "tajne pytanie z innego ośrodka", now)
    log_in(client, MEMBER)
    unanswered = client.get("/staff/unanswered").text
    row = r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>gliwice</td><td>pl</td><td class=\"num\">(\d+)"
    rows = re.findall(row, unanswered)
    assert rows == [
        ("czy mogę trzymać rybki", "czy mogę trzymać rybki w akwarium", "3"),
        ("gdzie jest parking", "", "1"),
    ]
    assert "tajne pytanie" not in unanswered  # another centre's questions stay there
    assert "Odpowiedzi ocenione przez użytkowników" in unanswered and "Na razie nic." in unanswered
    send(client, csrf_of(client.get("/chat/gliwice").text), text="godziny")  # one web user
    numbers = client.get("/staff/numbers").text
    assert numbers.count('<img class="chart"') >= 3 and numbers.count("<table") >= 3
    assert "<script" not in numbers.split("</head>")[1] and "<svg" not in numbers  # charts are images
    [src] = re.findall(r'<img class="chart" src="(/staff/numbers/by_channel\.svg\?v=\w+)"', numbers)
    svg = client.get(src)
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in svg.content and b"web" in svg.content  # the door's bar, drawn by pygal
    assert "script-src" not in svg.headers["content-security-policy"]  # its own policy: style only
    assert client.get("/staff/numbers/nothing.svg").status_code == 404


def test_a_web_ticket_is_left_for_the_telegram_staff_chat(
    content: Content, clock: FixedClock, database_target: str
) -> None:
    settings = Settings(database_url=database_target, staff_chat_id=-100777)
    web = WebSettings(public_url="https://pomoc.example.pl")
    with web_client(content, clock, database_target, web=web, settings=settings) as client:
        ticket = open_web_ticket(client, "Czy jest winda?")
        send(client, csrf_of(client.get("/chat/gliwice").text), button="m:ask")
        send(client, csrf_of(client.get("/chat/gliwice").text), text="I czy jest parking?")
        waiting = run(client, ticket_posts.waiting)
    posted = [(p.ticket_id, p.header, p.body) for p in waiting if p.kind == "ticket" and p.chat_id is None]
    name = content.centres["gliwice"].centre.name.get("pl")  # the centre in words, never its id
    assert posted == [
        (
            ticket,
            f"Zgłoszenie #{ticket} z czatu na stronie ({name}, pl). Odpowiedz na tę wiadomość albo w panelu"
            f" pracownika: https://pomoc.example.pl/staff/tickets/{ticket}",
            "Czy jest winda?",
        ),
        (ticket, f"Zgłoszenie #{ticket}: użytkownik pisze:", "I czy jest parking?"),
    ]


def test_an_unanswered_web_question_kept_with_consent_reaches_the_panel(client: TestClient) -> None:
    csrf = csrf_of(client.get("/chat/gliwice").text)
    asked = send(client, csrf, text="czy na dachu mieszka bocian numer 12")
    consent = [b["data"] for e in asked for row in e["buttons"] for b in row]
    assert CONSENT_YES in consent  # the engine asks before keeping it; the web door only shows that
    send(client, csrf, button=CONSENT_YES)
    log_in(client, MEMBER)
    unanswered = client.get("/staff/unanswered").text
    assert "bocian" in unanswered and "12" not in unanswered.split("bocian")[1][:30]


def test_answers_rated_down_come_first_with_their_titles(client: TestClient) -> None:
    for helpful in (False, False, True):
        run(client, record_rating, "gliwice", "topic:fees", helpful)
    run(client, record_rating, "gliwice", "topic:hours", True)
    log_in(client, MEMBER)
    page = client.get("/staff/unanswered").text
    rows = re.findall(r'<tr><td>([^<]*)</td><td class="num">(\d+)</td><td class="num">(\d+)</td></tr>', page)
    assert rows == [("Opłaty", "2", "1"), ("Godziny i kontakt", "0", "1")]


def test_a_ticket_is_handed_to_a_colleague(content: Content, clock: FixedClock, database_target: str) -> None:
    settings = Settings(database_url=database_target, staff_admin_ids=frozenset({ADMIN}))
    with web_client(content, clock, database_target, settings=settings) as client:
        run(client, add_member, MEMBER, "gliwice")
        run(client, add_member, OTHER_CENTRE, "wodzislaw")
        ticket = open_web_ticket(client, "Czy jest winda?")
        log_in(client, MEMBER)
        page = client.get(f"/staff/tickets/{ticket}").text
        options = re.findall(r'<option value="(\d+)"', page)
        assert options == [str(ADMIN), str(MEMBER)]  # this centre's staff and the administrators
        csrf = csrf_of(page)
        hand = f"/staff/tickets/{ticket}/assign"
        outsider = client.post(hand, data={"csrf": csrf, "user": str(OTHER_CENTRE)})
        assert "Pracownik 4" not in outsider.text
        handed = client.post(hand, data={"csrf": csrf, "user": str(ADMIN)})
        assert "Zgłoszenie zostało przekazane." in handed.text and "Prowadzi: Pracownik 1" in handed.text
        assert "Pracownik 1" in client.get("/staff/tickets").text
        trail = [(e.action, e.target) for e in run(client, audit.entries, MEMBER)]
        assert ("ticket_assign", f"{ticket}:{ADMIN}") in trail
        relayed = [(p.chat_id, p.header) for p in run(client, ticket_posts.waiting) if p.kind == "notice"]
    assert relayed[-1][0] == ADMIN and f"#{ticket}" in relayed[-1][1]  # for the Telegram door to send
