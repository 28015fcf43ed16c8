"""Issue 15, many centres: the chooser asks for the town or the centre's name instead of showing a
button per centre, finds what is typed (no Polish letters, typos, Cyrillic, Ukrainian in Latin
letters) among the centres' cards, reading no centre's content, and offers the matches as buttons
to press; crisis first; the step is the stored flow, so it survives a restart."""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.channels.telegram import ALLOWED_UPDATES, CHANNEL, build_application, lifespan
from bot.clock import FixedClock, parse_moment
from bot.conversation import menus
from bot.conversation.centre_choice import STEP_CENTRE
from bot.conversation.dialogue import Dialogue, Engine, Incoming, State
from bot.domain.centre_names import CentreNames
from bot.domain.centres import Centres, cards_of, loaded_of, names_of
from bot.domain.content import Centre, CentreContent, Content, Text
from bot.domain.loader import load_content
from bot.domain.text import clean
from bot.i18n import tr
from bot.replies import Reply
from bot.settings import Settings
from storage import connect
from storage.database import Database
from tests.fakebotapi import TOKEN, FakeBotAPI, FakeBotAPIServer
from tests.test_telegram_e2e import FAST_RETRY, Live, data_of

PROJECT = Path(__file__).resolve().parents[1]
CLOCK = "2026-12-02T10:00:00+01:00"
# Towns of the synthetic centres: (id, Polish, Ukrainian). With the shipped Gliwice and Wodzisław
# Śląski that makes 30 centres, well above the few that are shown as buttons.
TOWNS = (
    ("krakow", "Kraków", "Краків"), ("lodz", "Łódź", "Лодзь"), ("czestochowa", "Częstochowa", "Ченстохова"),
    ("bielsko", "Bielsko-Biała", "Бельсько-Бяла"), ("zabrze", "Zabrze", "Забже"),
    ("rybnik", "Rybnik", "Рибник"), ("tychy", "Tychy", "Тихи"), ("bytom", "Bytom", "Битом"),
    ("sosnowiec", "Sosnowiec", "Сосновець"), ("katowice", "Katowice", "Катовиці"),
    ("chorzow", "Chorzów", "Хожув"), ("jaworzno", "Jaworzno", "Явожно"),
    ("raciborz", "Racibórz", "Ратибор"), ("zory", "Żory", "Жори"), ("mikolow", "Mikołów", "Миколув"),
    ("knurow", "Knurów", "Кнурув"), ("bedzin", "Będzin", "Бендзин"),
    ("piekary", "Piekary Śląskie", "Пекари"), ("siemianowice", "Siemianowice Śląskie", "Сем'яновіце"),
    ("ruda", "Ruda Śląska", "Руда-Шльонська"), ("myslowice", "Mysłowice", "Мисловиці"),
    ("tarnowskie", "Tarnowskie Góry", "Тарновські Гури"),
    ("jastrzebie", "Jastrzębie-Zdrój", "Ястшембе-Здруй"), ("cieszyn", "Cieszyn", "Цешин"),
    ("zywiec", "Żywiec", "Живець"), ("nowysacz", "Nowy Sącz", "Новий Сонч"),
    ("nowytarg", "Nowy Targ", "Новий Тарг"), ("olkusz", "Olkusz", "Олькуш"),
)  # fmt: skip


def many_centres(folder: Path) -> Path:
    """The shipped content plus a copy of Gliwice for each town, under its own id, name and city."""
    root = folder / "content"
    shutil.copytree(PROJECT / "content", root)
    text = (root / "gliwice" / "centre.yaml").read_text(encoding="utf-8")
    for cid, town, uk in TOWNS:
        shutil.copytree(root / "gliwice", root / cid)
        card = (
            f'name:\n  pl: "Miejski Ośrodek Pomocy Społecznej – {town}"\n'
            f'  uk: "Міський центр соціальної допомоги – {uk}"\n'
            f'  en: "Municipal Social Welfare Centre – {town}"\ncity: "{town}"\n'
        )
        changed = re.sub(r'name:\n(?:  .*\n)+city: "Gliwice"\n', lambda _, card=card: card, text, count=1)
        assert changed != text
        (root / cid / "centre.yaml").write_text(changed.replace("id: gliwice", f"id: {cid}"), "utf-8")
    return root


@pytest.fixture(scope="module")
def content_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("many")
    root, cache = many_centres(folder), folder / "cache"
    load_content(root, cache=cache)  # parsed once; each test then starts warm, with cards only
    return root, cache


@pytest.fixture
def many(content_root: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> Content:
    monkeypatch.setenv("BOT_EAGER_CENTRES", "1")  # knowledge too is built per centre, on first use
    found = load_content(*content_root)
    assert len(found.centres) == 30 and loaded_of(found.centres) == {}
    return found


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    opened = await connect(tmp_path / "bot.sqlite3")
    yield opened
    await opened.close()


def dialogue_of(content: Content, db: Database) -> Dialogue:
    return Dialogue(Engine(content, FixedClock(parse_moment(CLOCK))), db)


def centre_buttons(reply: Reply) -> list[str]:
    return [b.data for row in reply.buttons for b in row if b.data.startswith("c:")]


async def test_the_chooser_asks_for_the_town_and_finds_it_typed_badly(many: Content, db: Database) -> None:
    dialogue = dialogue_of(many, db)
    [hello] = await dialogue.handle("terminal", "1", Incoming(text="/start"), lang_hint="pl")
    assert hello.buttons == () and "Napisz nazwę swojej miejscowości" in hello.text  # no keyboard of 30
    [found] = await dialogue.handle("terminal", "1", Incoming(text="czestohowa"))  # no "ę", an "h" missing
    assert centre_buttons(found) == ["c:czestochowa"] and found.text.startswith("Czy to Twój ośrodek?")
    assert loaded_of(many.centres) == {}  # found from the cards: no centre was read
    [menu] = await dialogue.handle("terminal", "1", Incoming(button="c:czestochowa"))
    assert menu.text.startswith("Miejski Ośrodek Pomocy Społecznej – Częstochowa")
    answer = await dialogue.handle("terminal", "1", Incoming(text="godziny otwarcia"))
    assert "16:30" in answer[0].text  # now a question, answered for the chosen centre
    assert set(loaded_of(many.centres)) == {"czestochowa"}


@pytest.mark.parametrize(
    ("typed", "centre"),
    [
        ("Gliwce", "gliwice"),  # a typo
        ("w gliwicach", "gliwice"),  # the town as said in a sentence
        ("wodzislaw slaski", "wodzislaw"),  # without Polish letters
        ("Гливиці", "gliwice"),  # in Cyrillic
        ("Hlyvytsi", "gliwice"),  # Ukrainian typed in Latin letters
        ("Лодзь", "lodz"),
        ("Jastrzebie Zdroj", "jastrzebie"),
        ("nowy sacz", "nowysacz"),
        ("godziny otwarcia w Rybniku?", "rybnik"),  # a question naming the town
    ],
)
async def test_a_town_however_typed_is_offered_as_its_centre(
    many: Content, db: Database, typed: str, centre: str
) -> None:
    replies = await dialogue_of(many, db).handle("terminal", "1", Incoming(text=typed), lang_hint="pl")
    assert [centre_buttons(r) for r in replies] == [[f"c:{centre}"]], (typed, replies)  # no crisis reply


async def test_close_matches_are_offered_together_and_nothing_close_is_said_plainly(
    many: Content, db: Database
) -> None:
    dialogue = dialogue_of(many, db)
    [both] = await dialogue.handle("terminal", "1", Incoming(text="nowy"), lang_hint="pl")
    assert centre_buttons(both) == ["c:nowysacz", "c:nowytarg"] and both.text.startswith("Czy to któryś")
    [none] = await dialogue.handle("terminal", "1", Incoming(text="xqzzy"))
    assert none.buttons == () and none.text.startswith("Nie mogę znaleźć takiego ośrodka.")
    [generic] = await dialogue.handle("terminal", "1", Incoming(text="ośrodek pomocy społecznej"))
    assert generic.buttons == ()  # every centre has these words: they name none
    [uk] = await dialogue.handle("terminal", "2", Incoming(text="що таке квартира?"))  # asked nothing yet
    assert uk.buttons == () and "Напиши назву свого міста або центру." in uk.text
    assert loaded_of(many.centres) == {}


async def test_a_crisis_message_before_any_centre_gets_the_numbers_first(
    many: Content, db: Database
) -> None:
    replies = await dialogue_of(many, db).handle("terminal", "1", Incoming(text="chcę się zabić, Gliwice"))
    assert "112" in replies[0].text and "116 123" in replies[0].text
    assert centre_buttons(replies[-1]) == ["c:gliwice"]
    plain = await dialogue_of(many, db).handle("terminal", "2", Incoming(text="chcę się zabić"))
    assert "112" in plain[0].text and "Napisz nazwę" in plain[-1].text and len(plain) == 2


async def test_danger_while_changing_centre_gets_the_numbers_and_the_chosen_centres_phone(
    many: Content, db: Database
) -> None:
    dialogue = dialogue_of(many, db)
    await dialogue.handle("terminal", "1", Incoming(button="c:gliwice"), lang_hint="pl")
    await dialogue.handle("terminal", "1", Incoming(button="m:centre"))
    first, *_ = await dialogue.handle("terminal", "1", Incoming(text="nie mam gdzie spać dziś"))
    assert "112" in first.text and "32 335 96 30" in first.text  # the centre they still have


async def test_changing_centre_waits_for_the_town_across_a_restart(
    many: Content, content_root: tuple[Path, Path], db: Database
) -> None:
    await dialogue_of(many, db).handle("terminal", "1", Incoming(button="c:gliwice"), lang_hint="pl")
    [ask] = await dialogue_of(many, db).handle("terminal", "1", Incoming(button="m:centre"))
    assert "Napisz nazwę" in ask.text and [b.data for row in ask.buttons for b in row] == ["m:main"]
    restarted = dialogue_of(load_content(*content_root), db)  # a new process: the step is stored
    [found] = await restarted.handle("terminal", "1", Incoming(text="rybnik"))
    assert centre_buttons(found) == ["c:rybnik"]  # the town, not a question about Gliwice
    [menu] = await restarted.handle("terminal", "1", Incoming(button="c:rybnik"))
    assert "Rybnik" in menu.text
    answer = await restarted.handle("terminal", "1", Incoming(text="rybnik"))
    assert not centre_buttons(answer[0])  # chosen: a typed message is a question again


def test_the_name_index_is_built_once_per_content_at_load(content_root: tuple[Path, Path]) -> None:
    first = load_content(*content_root)
    assert names_of(first.centres) is names_of(first.centres)  # built at load, then only read
    second = load_content(*content_root)  # a reload: new content, its own index
    assert names_of(second.centres) is not names_of(first.centres)
    assert names_of(second.centres).find("olkusz").centres == ("olkusz",)


async def test_telegram_with_many_centres_sends_no_keyboard_of_centres(
    many: Content, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    api = FakeBotAPI()
    async with FakeBotAPIServer(api) as server:
        settings = Settings(telegram_token=TOKEN, database=tmp_path / "tg.sqlite3")
        clock = FixedClock(parse_moment(CLOCK))
        app = build_application(
            settings, many, clock=clock, base_url=server.base_url, reply_retry=FAST_RETRY
        )
        async with lifespan(app):
            assert app.updater is not None
            await app.start()
            await app.updater.start_polling(poll_interval=0, timeout=1, allowed_updates=ALLOWED_UPDATES)
            try:
                live = Live(app, api)
                olha = live.person(701, "uk")
                [hello] = await olha.say("/start")
                assert data_of(hello) == set() and "Напиши назву свого міста" in hello.params["text"]
                [found] = await olha.say("Czestochowa")
                assert data_of(found) == {"c:czestochowa"}
                [menu] = await olha.press("c:czestochowa")
                assert "m:hours" in data_of(menu)
                stored = await live.stored(olha)
                assert stored is not None and stored.centre == "czestochowa" and stored.channel == CHANNEL
            finally:
                await app.updater.stop()
                await app.stop()
    assert api.unexpected == []



DISTRICTS = (
    "Bemowo", "Bielany", "Mokotów", "Ochota", "Praga-Południe", "Targówek", "Ursus", "Wawer", "Wola",
    "Żoliborz",
)  # fmt: skip


def test_a_town_of_many_centres_offers_the_first_few_and_asks_for_more(many: Content) -> None:
    cards = cards_of(many.centres)
    for number, district in enumerate(DISTRICTS):
        cid = f"waw{number}"
        name = Text(pl=f"Ośrodek Pomocy Społecznej Dzielnicy {district}", uk=f"Центр {district}", en=district)
        cards[cid] = cards["gliwice"].model_copy(update={"id": cid, "name": name, "city": "Warszawa"})
    names = CentreNames(cards)
    town = names.find("warszawa", limit=6)  # the town of ten centres (more than a tenth of them)
    assert town.centres == tuple(f"waw{n}" for n in range(6)) and town.matched == 10
    reply = menus.found_centres(tr("pl"), many.model_copy(update={"centres": _cards_only(cards)}), town)
    assert len(reply.buttons) == 6 and "Pasuje więcej ośrodków" in reply.text
    assert names.find("Warszawa Mokotow").centres == ("waw2",)  # the district decides
    assert names.find("zoliborz").centres == ("waw9",)


def _cards_only(cards: dict[str, Centre]) -> Centres:
    def unread() -> CentreContent:
        raise AssertionError("the chooser read a centre")

    return Centres(cards, {}, {cid: unread for cid in cards})


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(  # commands (/menu, /help) are not typed to the chooser: they leave it
    text=st.text(max_size=80).filter(lambda text: not clean(text).startswith("/")),
    centre=st.sampled_from([None, "gliwice"]),
)
def test_whatever_is_typed_to_the_chooser_gets_at_most_a_few_buttons_and_reads_no_centre(
    many: Content, text: str, centre: str | None
) -> None:
    engine = Engine(many, FixedClock(parse_moment(CLOCK)))
    outcome = engine.respond(State(centre, "pl", STEP_CENTRE), Incoming(text=text))
    last = outcome.replies[-1]
    assert 1 <= len(outcome.replies) <= 2 and len(last.buttons) <= 7
    assert len(centre_buttons(last)) <= 6 and all(len(row) == 1 for row in last.buttons)
    assert set(loaded_of(many.centres)) <= {centre} - {None}


async def test_a_question_written_before_the_centre_is_answered_once_it_is_chosen(
    many: Content, db: Database
) -> None:
    [found] = await dialogue_of(many, db).handle(
        "terminal", "1", Incoming(text="do ktorej jest otwarte biuro w Raciborzu?"), lang_hint="pl"
    )
    assert centre_buttons(found) == ["c:raciborz"]
    [(kept,)] = await db.fetch_all("SELECT data FROM conversations")
    assert "Racib" not in kept and "biuro" in kept  # kept scrubbed, like an unanswered question
    # After a restart (a new Dialogue over the same database) the question is still there.
    [answer, *_] = await dialogue_of(many, db).handle("terminal", "1", Incoming(button="c:raciborz"))
    assert "16:30" in answer.text and "Napisz nazwę" not in answer.text


async def test_a_question_before_the_town_is_kept_while_the_town_is_found(
    many: Content, db: Database
) -> None:
    dialogue = dialogue_of(many, db)
    fee = Incoming(text="ile kosztuje mieszkanie przy dochodzie 1450 zł?")
    [ask_town] = await dialogue.handle("terminal", "1", fee, lang_hint="pl")
    assert "Napisz nazwę" in ask_town.text
    [found] = await dialogue.handle("terminal", "1", Incoming(text="zory"))
    assert centre_buttons(found) == ["c:zory"]
    assert all("1450" not in row[0] for row in await db.fetch_all("SELECT data FROM conversations"))
    replies = await dialogue.handle("terminal", "1", Incoming(button="c:zory"))
    assert "zł" in replies[0].text or "opłat" in replies[0].text.lower()  # the fee question, answered


async def test_a_town_alone_or_a_danger_message_leads_to_the_menu_and_keeps_nothing(
    many: Content, db: Database
) -> None:
    dialogue = dialogue_of(many, db)
    await dialogue.handle("terminal", "1", Incoming(text="Bytom"), lang_hint="pl")
    [menu] = await dialogue.handle("terminal", "1", Incoming(button="c:bytom"))
    assert menu.text.startswith("Miejski Ośrodek Pomocy Społecznej – Bytom")  # the menu, as before
    danger = "nie chcę już żyć, jestem w Tychach"
    replies = await dialogue.handle("terminal", "3", Incoming(text=danger), lang_hint="pl")
    assert "112" in replies[0].text
    stored = await db.fetch_all("SELECT data FROM conversations")
    assert all("żyć" not in row[0] and "Tych" not in row[0] for row in stored)  # never kept
    [menu] = await dialogue.handle("terminal", "3", Incoming(button="c:tychy"))
    assert menu.text.startswith("Miejski Ośrodek Pomocy Społecznej – Tychy")
