"""Issue 10: understanding that holds on other wording, languages and scripts; crisis first.

Every question here is written for this file (none comes from the question sets), and each test
goes through the engine's public entry point (`Engine.respond`) and checks what a user reads.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.clock import FixedClock, parse_moment
from bot.conversation.dialogue import Engine, Incoming, Outcome, State
from bot.domain.content import Content
from bot.domain.cues import split_questions
from bot.domain.lexical import build_index
from bot.domain.money import find_companions
from bot.domain.number_words import spell_out
from bot.domain.script import ukrainian_in_latin
from bot.domain.text import is_light, term
from bot.domain.understanding import COURTESY_KEYS
from bot.i18n import tr

GLIWICE_PHONE = "32 335 96 30"


def ask(engine: Engine, text: str, centre: str = "gliwice", lang: str = "pl") -> Outcome:
    return engine.respond(State(centre=centre, lang=lang), Incoming(text=text))


def text_of(outcome: Outcome) -> str:
    return "\n\n".join(reply.text for reply in outcome.replies)


def labels(outcome: Outcome) -> list[str]:
    return [button.label for reply in outcome.replies for button in reply.all_buttons()]


# --- crisis first, by phrase and by meaning ------------------------------------------------------


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("pl", "nie widzę sensu, chyba skończę z tym wszystkim dziś w nocy"),
        ("pl", "mąż grozi że mnie udusi jak wróci"),
        ("uk", "я більше не витримую, хочу щоб усе скінчилося назавжди"),
        ("uk", "Мне больше незачем жить"),
        ("en", "I swallowed a whole pack of sleeping pills"),
        ("en", "my boyfriend said he will kill me tonight"),
    ],
)
def test_danger_in_unlisted_words_gets_the_numbers_first(engine: Engine, lang: str, message: str) -> None:
    outcome = ask(engine, message, lang=lang)
    first = outcome.replies[0].text
    assert "112" in first
    assert outcome.unanswered is None  # what someone in danger wrote is never kept


def test_no_topic_cue_overrides_danger(engine: Engine) -> None:
    outcome = ask(engine, "boję się, on mnie zabije, o której jutro otwieracie?")
    assert "112" in outcome.replies[0].text
    assert "13:00" in text_of(outcome) or "8:00" in text_of(outcome)  # and the question is answered too


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("pl", "jak zabić nudę w weekend w Gliwicach?"),
        ("en", "this paperwork is killing me, when do I pay?"),
        ("uk", "ця черга мене вб'є, до котрої ви працюєте?"),
    ],
)
def test_harmless_lookalikes_do_not_trigger_the_crisis_reply(engine: Engine, lang: str, message: str) -> None:
    assert "112" not in text_of(ask(engine, message, lang=lang))


@pytest.mark.parametrize("message", ["nowy telefon", "Nowy Targ", "znowu zamknięte", "nowa umowa", "новий"])
def test_a_word_or_two_that_only_sound_like_danger_get_no_crisis_reply(engine: Engine, message: str) -> None:
    # A danger example once led with "znowu": every short message with "nowy" scored as danger.
    assert "112" not in text_of(ask(engine, message))


def test_asking_whether_someone_will_come_is_no_danger(engine: Engine) -> None:
    # Worded like "someone next to me is not breathing", meant as a visit from the centre.
    assert "112" not in text_of(ask(engine, "czy ktos mnie odwiedzi z opieki", centre="wodzislaw"))


@pytest.mark.parametrize(
    ("lang", "message"), [("pl", "mam dość życia"), ("uk", "хочу вмерти"), ("en", "wanna die")]
)
def test_a_short_cry_for_help_gets_the_numbers_first(engine: Engine, lang: str, message: str) -> None:
    assert "112" in ask(engine, message, lang=lang).replies[0].text


# --- language and script ---------------------------------------------------------------------------


def test_ukrainian_in_latin_letters_is_read_as_ukrainian() -> None:
    assert ukrainian_in_latin("de mozhna podaty zaiavu na kvartyru") is not None
    assert ukrainian_in_latin("gdzie mogę złożyć wniosek o mieszkanie") is None
    assert ukrainian_in_latin("where can I apply for a flat") is None


@pytest.mark.parametrize(
    ("latin", "cyrillic"),
    [
        ("skilky koshtuje kvartyra", "скільки коштує квартира"),  # the soft sign left out
        ("simja z ditmy", "сім'я з дітьми"),  # the apostrophe and a soft sign left out
        ("koly zakryvajetsja ofis", "коли закривається офіс"),  # -ться written -tsja
    ],
)
def test_latin_spelling_that_leaves_out_signs_is_written_back_whole(latin: str, cyrillic: str) -> None:
    assert ukrainian_in_latin(latin) == cyrillic


def test_ukrainian_in_latin_letters_finds_the_flats(engine: Engine) -> None:
    outcome = ask(engine, "chy ye kvartyra dlia liudei z invalidnistiu?", lang="uk")
    assert "Wilgi" in text_of(outcome)


def test_russian_is_understood_and_answered_in_ukrainian(engine: Engine) -> None:
    outcome = ask(engine, "Сколько у вас всего квартир?", lang="uk")
    assert "10" in text_of(outcome)
    assert outcome.state.lang == "uk"


def test_a_message_in_another_of_our_languages_is_answered_in_it(engine: Engine) -> None:
    outcome = ask(engine, "what are your opening hours on Monday?", lang="pl")
    assert "Monday" in text_of(outcome)
    assert outcome.state.lang == "pl"  # the chosen language stays until the user switches
    switch = tr("en")._("Always answer in this language")
    assert switch in labels(outcome)


# --- asking back, small talk -----------------------------------------------------------------------


def test_thanks_get_a_short_reply_not_a_flat(engine: Engine) -> None:
    text = text_of(ask(engine, "dzięki wielkie!"))
    assert text.startswith(tr("pl")._("You're welcome! Write to me if you have another question."))
    assert "ul." not in text


@pytest.mark.parametrize("message", ["pomocy", "menu", "help"])
def test_help_and_menu_words_open_the_menu(engine: Engine, message: str) -> None:
    assert tr("pl")._("Flats") in labels(ask(engine, message))


def test_off_topic_question_is_declined_with_the_contact(engine: Engine) -> None:
    outcome = ask(engine, "kto wygrał wczoraj mecz Piasta?")
    assert GLIWICE_PHONE in text_of(outcome)
    assert "112" not in text_of(outcome)


# --- two questions in one message -------------------------------------------------------------------


def test_two_questions_are_split_only_where_a_question_starts() -> None:
    assert len(split_questions("Ile się płaci i czy mogę mieć psa?")) == 2
    assert len(split_questions("Gdzie jest biuro? Do której pracujecie?")) == 2
    assert split_questions("mieszkam z żoną i dzieckiem, razem 3000 zł") == [
        "mieszkam z żoną i dzieckiem, razem 3000 zł"
    ]


def test_a_long_story_keeps_its_question_and_drops_the_greeting() -> None:
    story = (
        "Dzień dobry. Mieszkam w noclegowni od roku. Pracuję dorywczo na budowie. Mam małego kota. "
        "Szukam mieszkania na dłużej. Czy mogę mieć zwierzę w mieszkaniu?"
    )
    parts = split_questions(story)
    assert parts[-1] == "Czy mogę mieć zwierzę w mieszkaniu?"
    assert "Dzień dobry" not in parts


def test_the_question_at_the_end_of_a_long_story_is_answered(engine: Engine) -> None:
    story = (
        "Dzień dobry. Mieszkam w noclegowni od roku. Pracuję dorywczo na budowie. Mam małego kota. "
        "Szukam mieszkania na dłużej. Czy mogę mieć zwierzę w mieszkaniu?"
    )
    text = text_of(ask(engine, story, centre="wodzislaw"))
    assert "zwierz" in text.lower()
    assert "Wybierz temat" not in text  # the greeting sentence gets no menu of its own


def test_an_income_in_another_sentence_gives_the_estimate(engine: Engine) -> None:
    message = "Mogę mieć kota? Ile zapłacę za pobyt? Mam 1100 zł emerytury."
    text = text_of(ask(engine, message, centre="wodzislaw"))
    assert "zwierz" in text.lower()
    assert "40%" in text


def test_unknown_verbs_and_pronouns_do_not_sink_a_clear_question(engine: Engine) -> None:
    text = text_of(ask(engine, "czy mogę przywieźć ze sobą kota do mieszkania?", centre="wodzislaw"))
    assert "zwierz" in text.lower()


def test_a_keyword_of_stop_words_counts_as_a_phrase(engine: Engine) -> None:
    text = text_of(ask(engine, "do którego mam zapłacić?", centre="wodzislaw"))
    assert "30" in text


def test_a_question_about_income_gets_the_limit_in_zloty(engine: Engine) -> None:
    text = text_of(ask(engine, "jaki dochód mogę mieć najwyżej, żeby mnie przyjęli?", centre="wodzislaw"))
    assert "200%" in text
    assert "2020,00" in text  # 200% of the criterion for a person alone, in zł


@pytest.mark.parametrize(
    ("lang", "message"),
    [("pl", "hej, jaki film grają dziś w kinie?"), ("en", "hi, who won the football match yesterday?")],
)
def test_a_greeting_does_not_make_an_off_topic_question_understood(
    engine: Engine, lang: str, message: str
) -> None:
    outcome = ask(engine, message, lang=lang)
    assert outcome.unanswered is not None
    assert GLIWICE_PHONE in text_of(outcome)


def test_verbs_adverbs_and_pronouns_are_light_nouns_are_not() -> None:
    assert all(is_light(w) for w in ["zabrać", "codziennie", "soba", "можу", "вчасно"])
    assert not any(is_light(w) for w in ["bitcoin", "autobus", "собака", "kot"])


def test_two_questions_get_two_answers_in_one_message(engine: Engine) -> None:
    outcome = ask(engine, "Mogę trzymać kota? I do kiedy trzeba płacić za pobyt?", centre="wodzislaw")
    text = outcome.replies[0].text
    assert "zwierz" in text.lower()
    assert "30" in text


# --- numbers and dates as people write them ----------------------------------------------------------


def test_amounts_in_words_become_digits() -> None:
    assert spell_out("mam dziewięćset pięćdziesiąt złotych") == "mam 950 złotych"
    assert spell_out("отримую півтори тисячі") == "отримую 1500"
    assert spell_out("two thousand one hundred zloty") == "2100 zloty"
    assert spell_out("mam dwa koty i trzy psy") == "mam dwa koty i trzy psy"  # counts stay words


def test_companions_are_counted() -> None:
    assert find_companions("mieszkam z mężem i córką") == 2
    assert (
        find_companions("I live with my three children") is None
        or find_companions("I live with my three children") == 3
    )
    assert find_companions("z dziećmi") is None  # how many is not said


def test_incomes_joined_by_and_are_added_and_the_sum_is_shown(engine: Engine) -> None:
    outcome = ask(engine, "mam 700 zł emerytury i 450 zł zasiłku, ile zapłacę?", centre="wodzislaw")
    text = text_of(outcome)
    assert tr("pl").money(Decimal(1150)) in text
    assert outcome.unanswered is None


def test_household_named_by_people_is_compared_per_person(engine: Engine) -> None:
    outcome = ask(engine, "mieszkam z mężem i córką, razem mamy 2400 zł, ile zapłacę?", centre="wodzislaw")
    assert tr("pl").money(Decimal(800)) in text_of(outcome)  # 2400 for 3 people


def test_gross_income_asks_for_the_net_one(engine: Engine) -> None:
    outcome = ask(engine, "zarabiam 3000 brutto, ile wyniesie opłata?", centre="wodzislaw")
    assert "netto" in text_of(outcome)
    assert "%" not in text_of(outcome)


def test_hours_on_a_named_date_are_for_that_date(content: Content) -> None:
    clock = FixedClock(parse_moment("2026-12-20T10:00"))
    engine = Engine(content, clock)
    text = text_of(engine.respond(State("gliwice", "pl"), Incoming(text="czy 11 listopada pracujecie?")))
    assert "11 listopada" in text
    text = text_of(engine.respond(State("gliwice", "en"), Incoming(text="are you open on Christmas Eve?")))
    assert "24 December" in text


# --- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "message",
    [
        "mieszkanie " * 1000,
        "😀😀😀🙏🙏",
        "1234567890 0987654321",
        "\u200b\u200b\u200f\u202e godziny \u200d",
        "кв\u200bартира и mieszkanie and flat 12 🏠",
    ],
)
def test_hostile_messages_are_answered_or_declined(engine: Engine, message: str) -> None:
    outcome = ask(engine, message)
    assert outcome.replies and outcome.replies[0].text.strip()


def test_english_words_of_asking_count_little_like_polish_verbs(content: Content) -> None:
    # English has no part-of-speech analyser here: the content's light words stand in for one.
    index = build_index(content, content.centres["wodzislaw"])
    light = index.light_terms("am I able to keep a dog")
    assert term("able") in light and term("keep") in light
    assert term("dog") not in light


@pytest.mark.parametrize("message", ["czy teraz jest otwarte?", "do kogo dzwonić, jak się zepsuje kran?"])
def test_an_hours_answer_gives_the_phone_once(engine: Engine, message: str) -> None:
    # Whoever asks when the office is open means to call or to come.
    assert text_of(ask(engine, message)).count(GLIWICE_PHONE) == 1


@pytest.mark.parametrize(
    ("message", "expected"),
    [("cześć, czy mogę mieć psa?", "zwierz"), ("siema, gdzie składać wniosek?", "skierowanie")],
)
def test_a_greeting_before_a_question_does_not_leave_it_half_understood(
    engine: Engine, message: str, expected: str
) -> None:
    assert expected in text_of(ask(engine, message)).lower()


def test_a_word_of_a_greeting_that_the_content_uses_too_still_counts(content: Content) -> None:
    index = build_index(content, content.centres["wodzislaw"])
    courtesy = index.terms_only_of(COURTESY_KEYS)
    assert term("siema") in courtesy and term("dzięki") in courtesy
    assert term("dzień") not in courtesy  # "dzień dobry", but also the day a payment is due


def test_a_fee_question_with_a_bare_number_gets_the_estimate(engine: Engine) -> None:
    text = text_of(ask(engine, "ile bede placic jesli mam 1200", centre="wodzislaw"))
    assert "1200,00\xa0zł" in text and "40%" in text
    # A small number beside a price word is a price, not a monthly income.
    assert "Twój dochód" not in text_of(ask(engine, "ile kosztuje bilet za 20", centre="wodzislaw"))


def test_an_english_fee_question_is_answered_in_english(engine: Engine) -> None:
    # "do" and "I" are Polish words too: they no longer count for Polish.
    text = text_of(ask(engine, "how much do I pay if I earn 1500", centre="wodzislaw"))
    assert "Your income" in text or "your income" in text


def test_a_misspelt_verb_no_analyser_knows_still_counts_little(engine: Engine) -> None:
    # "wziasc" (for "wziąć"): an infinitive's ending, so phrasing, not the subject of the question.
    assert "zwierz" in text_of(ask(engine, "czy moge wziasc kota")).lower()
    assert not is_light("niepelnosprawnosc")  # a noun in -ość keeps its weight
