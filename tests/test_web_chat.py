"""The web chat through its HTTP entry points: the same engine as Telegram, in three languages,
without JavaScript (form posts) and with it (JSON), and nothing about the visitor kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.channels.web.chat import SESSION_DAYS
from bot.channels.web.config import WebSettings
from bot.channels.web.session import COOKIE, external_id
from bot.clock import FixedClock
from bot.domain.content import Content
from storage import users
from storage.open import is_postgres, open_database
from storage.web_sessions import purge_web_users
from storage.web_tickets import add_line, open_web_ticket_of
from tests.test_forget import rows_naming
from tests.web_helpers import TestClient, Ticks, bot_text, csrf_of, door, send, web_client


@pytest.fixture
def client(content: Content, clock: FixedClock, database_target: str) -> Iterator[TestClient]:
    with web_client(content, clock, database_target) as found:
        yield found


def open_page(client: TestClient, lang: str = "pl") -> str:
    response = client.get("/chat/gliwice", headers={"accept-language": f"{lang},en;q=0.3"})
    assert response.status_code == 200
    return response.text


@pytest.mark.parametrize(
    ("lang", "label", "question", "expected"),
    [
        ("pl", "Opłaty", "kiedy jesteście otwarci?", "poniedziałek"),
        ("uk", "Оплата", "коли ви працюєте?", "понеділок"),
        ("en", "Fees", "when are you open?", "Monday"),
    ],
)
def test_the_menu_and_free_text_in_the_browsers_language(
    client: TestClient, lang: str, label: str, question: str, expected: str
) -> None:
    html = open_page(client, lang)
    assert f'<html lang="{lang}">' in html
    assert label in html and 'value="m:fees"' in html
    entries = send(client, csrf_of(html), text=question, lang=lang)
    assert entries[0] == {**entries[0], "author": "user", "text": question}
    assert expected in bot_text(entries)


def test_without_javascript_a_message_is_a_form_post_then_the_page(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    posted = client.post("/chat/gliwice", data={"csrf": csrf, "button": "m:hours"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"] == "/chat/gliwice#latest"
    page = client.get("/chat/gliwice").text
    assert "Godziny i kontakt" in page and 'id="latest"' in page and "poniedziałek" in page


def test_switching_the_language_goes_through_the_engine(client: TestClient) -> None:
    csrf = csrf_of(open_page(client, "pl"))
    send(client, csrf, button="l:uk")
    assert '<html lang="uk">' in client.get("/chat/gliwice").text


def test_the_fee_conversation(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    asked = bot_text(send(client, csrf, button="m:fees"))
    assert "dochód" in asked
    estimate = bot_text(send(client, csrf, text="2000 zł"))
    assert "zł" in estimate and estimate != asked


def test_a_crisis_gets_the_help_numbers_first(client: TestClient) -> None:
    entries = send(client, csrf_of(open_page(client)), text="chcę się zabić")
    first_answer = next(e for e in entries if e["author"] == "bot")
    assert "112" in first_answer["text"] and "116 123" in first_answer["text"]


def test_privacy_and_forget_me(client: TestClient, database_target: str) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, text="godziny")
    session_id = client.cookies[COOKIE]
    assert "adresu IP" in bot_text(send(client, csrf, button="w:privacy"))
    question = send(client, csrf, button="w:forget")[-1]
    assert [b["data"] for b in question["buttons"][0]] == ["x:yes", "x:no"]
    done = client.post("/chat/gliwice", data={"csrf": csrf, "button": "x:yes"}, follow_redirects=False)
    assert done.status_code == 303
    assert client.cookies[COOKIE] != session_id
    page = client.get("/chat/gliwice").text
    assert "Twoje dane zostały usunięte" in page and "godziny" not in page.split("usunięte")[0]

    async def stored() -> object:
        db = await open_database(database_target)
        try:
            return await users.get_user(db, "web", external_id(session_id))
        finally:
            await db.close()

    assert client.portal.call(stored) is None  # type: ignore[union-attr]


def stored_user(client: TestClient, database_target: str, session_id: str) -> users.User | None:
    """The visitor's user row, read on a connection of its own (what a restart would find)."""

    async def read() -> users.User | None:
        db = await open_database(database_target)
        try:
            return await users.get_user(db, "web", external_id(session_id))
        finally:
            await db.close()

    found: users.User | None = client.portal.call(read)  # type: ignore[union-attr]
    return found


def test_a_restart_between_forget_me_and_yes_still_deletes(
    content: Content, clock: FixedClock, database_target: str
) -> None:
    """The question is stored with the visitor: after a restart (a new app, a new secret) the old
    page's Yes is refused as an expired form, the page shows the question again, and Yes deletes."""
    with web_client(content, clock, database_target) as first:
        old_csrf = csrf_of(open_page(first))
        send(first, old_csrf, text="godziny")
        send(first, old_csrf, button="w:forget")
        session_id = first.cookies[COOKIE]
    with web_client(content, clock, database_target) as second:
        second.cookies.set(COOKIE, session_id, domain="127.0.0.1", path="/chat")  # the same browser
        refused = bot_text(send(second, old_csrf, button="x:yes"))
        assert refused == "Formularz wygasł. Wyślij wiadomość jeszcze raz."
        assert stored_user(second, database_target, session_id) is not None
        page = second.get("/chat/gliwice").text
        assert 'value="x:yes"' in page and "Usunąć wszystko" in page  # the question, resumed
        done = second.post(
            "/chat/gliwice", data={"csrf": csrf_of(page), "button": "x:yes"}, follow_redirects=False
        )
        assert done.status_code == 303 and second.cookies[COOKIE] != session_id
        assert "Twoje dane zostały usunięte" in second.get("/chat/gliwice").text
        assert stored_user(second, database_target, session_id) is None


def test_a_page_after_a_restart_shows_the_question_ask_a_person_waits_for(
    content: Content, clock: FixedClock, database_target: str
) -> None:
    with web_client(content, clock, database_target) as first:
        send(first, csrf_of(open_page(first, "en")), button="m:ask", lang="en")
        session_id = first.cookies[COOKIE]
    with web_client(content, clock, database_target) as second:
        second.cookies.set(COOKIE, session_id, domain="127.0.0.1", path="/chat")
        page = open_page(second, "en")
        assert "Write your question in one message" in page  # the waiting step, shown again
        assert page.count("Write your question in one message") == 1
        assert page == open_page(second, "en")  # shown once, not at every reload
        sent = bot_text(send(second, csrf_of(page), text="Can I keep a cat?", lang="en"))
        assert "Your question went to the staff as ticket #" in sent


def test_an_expired_or_unasked_forget_yes_deletes_nothing(
    client: TestClient, clock: FixedClock, database_target: str
) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, text="godziny")
    session_id = client.cookies[COOKIE]
    expired = "To pytanie jest już nieaktualne. Nic nie zostało usunięte."
    assert expired in bot_text(send(client, csrf, button="x:yes"))  # never asked: a forged Yes
    send(client, csrf, button="w:forget")
    clock.set(clock.now() + timedelta(hours=1, minutes=1))  # the question's hour is over
    assert expired in bot_text(send(client, csrf, button="x:yes"))
    assert expired in bot_text(send(client, csrf, button="x:yes"))  # and it stays over
    assert client.cookies[COOKIE] == session_id
    assert stored_user(client, database_target, session_id) is not None
    assert "godziny" in client.get("/chat/gliwice").text  # the conversation is still there


def test_no_closes_the_forget_question(client: TestClient, database_target: str) -> None:
    csrf = csrf_of(open_page(client, "en"))
    send(client, csrf, button="w:forget", lang="en")
    assert "Nothing was deleted." in bot_text(send(client, csrf, button="x:no", lang="en"))
    late_yes = bot_text(send(client, csrf, button="x:yes", lang="en"))  # the old Yes, after No
    assert "nothing was deleted" in late_yes
    assert stored_user(client, database_target, client.cookies[COOKIE]) is not None


def test_nothing_about_the_visitor_is_stored(client: TestClient, database_target: str) -> None:
    """No address, no user agent, not even the cookie itself: only its hash keys the user row."""
    html = client.get("/chat/gliwice", headers={"user-agent": "VisitorBrowser/1.0"}).text
    send(client, csrf_of(html), text="ile kosztuje mieszkanie 1500 zł")
    if is_postgres(database_target):  # no file of ours there: every row of every table instead

        async def naming(needle: str) -> list[str]:
            return await rows_naming(door(client).db, needle)

        call = client.portal.call  # type: ignore[union-attr]
        for absent in ("VisitorBrowser", "testclient", "127.0.0.1", client.cookies[COOKIE]):
            assert call(naming, absent) == [], absent
        assert call(naming, external_id(client.cookies[COOKIE]))
        return
    files = Path(database_target).parent.glob("bot.sqlite3*")  # the file, its WAL and shared memory
    dump = b"".join(p.read_bytes() for p in files)
    assert b"VisitorBrowser" not in dump and b"testclient" not in dump and b"127.0.0.1" not in dump
    assert client.cookies[COOKIE].encode() not in dump
    assert external_id(client.cookies[COOKIE]).encode() in dump


def test_the_session_cookie(client: TestClient) -> None:
    response = client.get("/chat/gliwice")
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/chat" in cookie
    value = client.cookies[COOKIE]
    assert len(value) >= 43  # token_urlsafe(32): 256 random bits


def test_a_form_without_the_right_csrf_token_does_nothing(client: TestClient) -> None:
    open_page(client)
    entries = send(client, "forged", text="godziny")
    assert [e["author"] for e in entries] == ["bot"] and "wygasł" in entries[0]["text"]


def test_texts_are_escaped_in_the_page(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, text="<script>alert(1)</script>")
    page = client.get("/chat/gliwice").text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_size_limits(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    assert "za długa" in bot_text(send(client, csrf, text="a" * 1001))
    form = {"content-type": "application/x-www-form-urlencoded"}
    huge = client.post("/chat/gliwice", content=b"text=" + b"a" * 20_000, headers=form)
    assert huge.status_code == 413


def test_secure_headers_and_a_csp_without_inline_scripts(client: TestClient) -> None:
    response = client.get("/chat/gliwice")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "default-src 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in response.text and " style=" not in response.text
    staff = client.get("/staff")
    assert "frame-ancestors 'none'" in staff.headers["content-security-policy"]


def test_an_unknown_centre_is_a_404_page(client: TestClient) -> None:
    assert client.get("/chat/krakow").status_code == 404


def test_the_widget_script_is_served_for_other_sites(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert "data-centre" in response.text


def test_a_flood_gets_a_polite_slow_down_then_answers_again(
    content: Content, clock: FixedClock, database_target: str
) -> None:
    ticks = Ticks()
    web = WebSettings(chat_per_minute=3)
    with web_client(content, clock, database_target, web=web, ticks=ticks) as client:
        csrf = csrf_of(open_page(client))
        for _ in range(3):
            assert "poniedziałek" in bot_text(send(client, csrf, text="godziny"))
        flooded = send(client, csrf, text="godziny")
        assert [e["author"] for e in flooded] == ["bot"] and "Zwolnij" in flooded[0]["text"]
        ticks.value += 61  # a minute later the window is free again
        assert "poniedziałek" in bot_text(send(client, csrf, text="godziny"))


def test_one_address_is_limited_across_sessions(
    content: Content, clock: FixedClock, database_target: str
) -> None:
    with web_client(content, clock, database_target, web=WebSettings(address_per_minute=4)) as client:
        for _ in range(4):
            client.cookies.clear()
            assert client.get("/chat/gliwice").status_code == 200
        client.cookies.clear()
        slow = client.get("/chat/gliwice")
        assert slow.status_code == 429 and "Zwolnij" in slow.text


def test_staff_answers_arrive_through_updates(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, button="m:ask")
    opened = send(client, csrf, text="Czy jest winda?")
    last = opened[-1]["number"]
    ticket = int(opened[-1]["buttons"][0][0]["data"].rsplit(":", 1)[1])
    assert client.get(f"/chat/gliwice/updates?after={last}").json()["entries"] == []

    async def answer() -> None:
        await add_line(door(client).db, ticket, "staff", "Tak, jest winda.", door(client).clock.now())

    client.portal.call(answer)  # type: ignore[union-attr]
    new = client.get(f"/chat/gliwice/updates?after={last}").json()["entries"]
    assert [e["author"] for e in new] == ["staff"] and "Tak, jest winda." in new[0]["text"]
    closed = send(client, csrf, button=f"k:close:{ticket}")
    assert f"#{ticket}" in bot_text(closed)


def test_someone_elses_ticket_cannot_be_closed(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, button="m:ask")
    ticket = int(send(client, csrf, text="pytanie")[-1]["buttons"][0][0]["data"].rsplit(":", 1)[1])
    client.cookies.clear()
    other = csrf_of(open_page(client))
    send(client, other, text="godziny")
    answer = bot_text(send(client, other, button=f"k:close:{ticket}"))
    assert f"#{ticket}" not in answer


def test_rows_of_expired_cookies_are_swept(client: TestClient, clock: FixedClock) -> None:
    csrf = csrf_of(open_page(client))
    send(client, csrf, button="m:ask")
    send(client, csrf, text="pytanie do pracownika")
    ext = external_id(client.cookies[COOKIE])

    async def sweep() -> tuple[int, object, int, object]:
        db = door(client).db
        early = await purge_web_users(db, clock.now() - timedelta(days=SESSION_DAYS + 1))
        kept = await users.get_user(db, "web", ext)
        # Once the cookie can no longer exist (SESSION_DAYS + 1 later), the row and its ticket go.
        gone = await purge_web_users(db, clock.now() + timedelta(seconds=1))
        return early, kept, gone, await open_web_ticket_of(db, ext)

    early, kept, gone, ticket = client.portal.call(sweep)  # type: ignore[union-attr]
    assert early == 0 and kept is not None
    assert kept is not None and gone == 1 and ticket is None


def test_a_button_after_ask_a_person_means_the_next_text_is_an_ordinary_question(client: TestClient) -> None:
    csrf = csrf_of(open_page(client))
    asked = send(client, csrf, button="m:ask")
    assert [b["data"] for row in asked[-1]["buttons"] for b in row] == ["m:main"]
    send(client, csrf, button="m:main")
    assert "poniedziałek" in bot_text(send(client, csrf, text="godziny otwarcia"))
