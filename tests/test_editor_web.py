"""The content editor pages of the staff panel, through the whole app: form, preview, publish (and the
web chat answering from it), invalid and concurrent edits refused, history and restore, access, a new
centre. Everything works on a copy of content/ in tmp_path."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FixedClock
from bot.domain.loader import load_content
from bot.editor import documents as docs
from bot.settings import Settings
from tests.conftest import CONTENT_DIR
from tests.test_web_panel import ADMIN, MEMBER, OTHER_CENTRE, add_member, log_in, run
from tests.web_helpers import TestClient, bot_text, csrf_of, door, send, web_client

HOURS = "/staff/content/gliwice/faq/hours"
NEW_EN = "The office is open on Mondays only, 9:00-12:00."


@pytest.fixture
def root(tmp_path: Path) -> Path:
    copy = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, copy)
    return copy


@pytest.fixture
def client(root: Path, clock: FixedClock, database_target: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_target, staff_admin_ids=frozenset({ADMIN}), content_dir=root)
    with web_client(load_content(root), clock, database_target, settings=settings) as found:
        run(found, add_member, MEMBER, "gliwice")
        run(found, add_member, OTHER_CENTRE, "wodzislaw")
        yield found


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def form_of(html: str) -> dict[str, str]:
    """The form's current values as a browser would send them (inputs, textareas, the chosen option)."""
    values = dict(re.findall(r'<input type="(?:hidden|text)"[^>]* name="([^"]+)" value="([^"]*)"', html))
    values |= dict(re.findall(r'<textarea[^>]* name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    for name, options in re.findall(r'<select id="[^"]+" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', options)
        if chosen:
            values[name] = chosen.group(1)
    return {k: v.replace("&#34;", '"').replace("&#39;", "'").replace("&amp;", "&") for k, v in values.items()}


def post(client: TestClient, path: str, values: dict[str, Any]) -> Any:
    return client.post(path, data=values, follow_redirects=False)


def test_the_form_has_three_languages_polish_first_and_the_sources_to_choose(client: TestClient) -> None:
    log_in(client, MEMBER)
    listing = client.get("/staff/content", follow_redirects=True)
    assert listing.url.path == "/staff/content/gliwice"
    assert 'href="/staff/content/gliwice/faq/hours"' in listing.text
    page = client.get(HOURS).text
    order = [page.index(f'name="text.{lang}"') for lang in ("pl", "uk", "en")]
    assert order == sorted(order)
    assert '<select id="f-source" name="source" required' in page
    assert form_of(page)["source"] == "seeds/000_5f04fe968ab39eec.txt; facts.md: Contacts"


def test_preview_answers_from_the_edit_and_publish_reaches_the_web_chat(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    files = snapshot(root)
    values = form_of(client.get(HOURS).text) | {"text.en": NEW_EN}
    asked = {"action": "preview", "question": "opening hours", "preview_lang": "en"}
    shown = post(client, HOURS, values | asked)
    assert shown.status_code == 200
    today = re.search(r'id="reply-today">([^<]*)<', shown.text)
    after = re.search(r'id="reply-after">([^<]*)<', shown.text)
    assert today and after and NEW_EN not in today.group(1) and NEW_EN in after.group(1)
    assert snapshot(root) == files  # a preview writes nothing
    done = post(client, HOURS, values | {"action": "publish"})
    assert done.status_code == 303 and done.headers["location"] == f"{HOURS}?done=published"
    assert NEW_EN in (root / "gliwice/faq.yaml").read_text(encoding="utf-8")
    chat = csrf_of(client.get("/chat/gliwice?lang=en").text)
    assert NEW_EN in bot_text(send(client, chat, text="opening hours", lang="en"))


def test_an_invalid_edit_shows_the_message_at_the_field_and_writes_nothing(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    files = snapshot(root)
    values = form_of(client.get(HOURS).text) | {"text.uk": "", "action": "publish"}
    refused = post(client, HOURS, values)
    assert refused.status_code == 422
    assert 'id="f-text-uk" name="text.uk" rows="6" maxlength="4000" aria-invalid="true"' in refused.text
    assert re.search(r'<p class="field-error" id="f-text-uk-error">[^<]+</p>', refused.text)
    assert snapshot(root) == files


def test_a_second_save_on_a_stale_version_is_refused_with_the_new_version(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    opened = form_of(client.get(HOURS).text)
    assert post(client, HOURS, opened | {"text.en": "First.", "action": "publish"}).status_code == 303
    after_first = snapshot(root)
    refused = post(client, HOURS, opened | {"text.en": "Second.", "action": "publish"})
    assert refused.status_code == 409 and "First." in refused.text
    assert form_of(refused.text)["version"] == docs.read(root, "gliwice/faq.yaml").version
    assert snapshot(root) == after_first


def test_history_shows_the_diff_and_restore_brings_back_the_old_text(client: TestClient, root: Path) -> None:
    log_in(client, MEMBER)
    original = (root / "gliwice/faq.yaml").read_bytes()
    values = form_of(client.get(HOURS).text) | {"text.en": NEW_EN, "action": "publish"}
    post(client, HOURS, values)
    history = client.get("/staff/content/gliwice/history").text
    assert f"+      en: &#34;{NEW_EN}&#34;" in history
    change = re.search(r'action="(/staff/content/gliwice/history/\d+/restore)"', history)
    assert change is not None
    fields = {"csrf": csrf_of(history), "version": form_of(history)["version"]}
    restored = post(client, change.group(1), fields)
    assert restored.headers["location"].endswith("done=restored")
    assert (root / "gliwice/faq.yaml").read_bytes() == original


def test_staff_of_another_centre_and_non_admins_are_refused(client: TestClient, root: Path) -> None:
    log_in(client, OTHER_CENTRE)
    assert client.get(HOURS).status_code == 403
    assert client.get("/staff/content/gliwice").status_code == 403
    assert client.get("/staff/content/new-centre").status_code == 403


def test_an_administrator_adds_a_centre_that_the_chat_then_serves(client: TestClient, root: Path) -> None:
    log_in(client, ADMIN)
    page = client.get("/staff/content/new-centre").text
    values = {"csrf": csrf_of(page), "id": "zabrze", "name": "MOPR Zabrze", "city": "Zabrze",
              "address": "ul. Testowa 1, Zabrze", "phone": "32 000 00 00", "hours.mon": "08:00-15:00"}
    done = post(client, "/staff/content/new-centre", values)
    assert done.status_code == 303 and done.headers["location"] == "/staff/content/zabrze?done=created"
    assert "zabrze" in load_content(root).centres
    assert 'role="status"' in client.get(done.headers["location"]).text
    again = post(client, "/staff/content/new-centre", values)
    assert again.status_code == 422
    chat = client.get("/chat/zabrze?lang=en")
    assert chat.status_code == 200


def test_a_flat_is_edited_in_its_form_and_an_unknown_group_is_refused(client: TestClient, root: Path) -> None:
    log_in(client, MEMBER)
    assert 'href="/staff/content/gliwice/flats/wilgi"' in client.get("/staff/content/gliwice").text
    page = client.get("/staff/content/gliwice/flats/wilgi").text
    assert '<select id="f-kind" name="kind" required>' in page and form_of(page)["kind"] == "supported"
    files = snapshot(root)
    values = form_of(page) | {"groups": "disability, pets", "action": "publish"}
    refused = post(client, "/staff/content/gliwice/flats/wilgi", values)
    assert refused.status_code == 422 and 'id="f-groups-error">unknown group &#39;pets&#39;' in refused.text
    assert snapshot(root) == files


def test_an_unanswered_group_opens_a_new_answer_with_its_questions_as_keywords(
    client: TestClient, root: Path
) -> None:
    from storage.unanswered import record_unanswered

    now = door(client).clock.now()
    for text in ["czy mogę trzymać rybki", "czy mogę trzymać rybki w akwarium"]:
        run(client, record_unanswered, "gliwice", "pl", text, now)
    log_in(client, MEMBER)
    link = re.search(r'href="(/staff/content/gliwice/faq/new\?[^"]+)"', client.get("/staff/unanswered").text)
    assert link is not None
    page = client.get(link.group(1).replace("&amp;", "&")).text
    values = form_of(page)
    assert values["keywords.pl"] == "czy mogę trzymać rybki, czy mogę trzymać rybki w akwarium"
    texts = {f"{k}.{lang}": f"Zwierzęta {lang}" for k in ("title", "text") for lang in ("pl", "uk", "en")}
    values |= texts | {"id": "pets", "source": "facts.md: Contacts", "action": "publish"}
    done = post(client, "/staff/content/gliwice/faq/new", values)
    assert done.status_code == 303 and done.headers["location"].startswith("/staff/content/gliwice/faq/pets")
    assert load_content(root).centres["gliwice"].faq[-1].keywords.pl[0] == "czy mogę trzymać rybki"
    fresh = {"version": docs.read(root, "gliwice/faq.yaml").version}
    again = post(client, "/staff/content/gliwice/faq/new", values | fresh)
    assert again.status_code == 422  # a new entry never overwrites one with the same short name


def test_an_editor_form_without_the_sessions_csrf_token_is_refused(client: TestClient, root: Path) -> None:
    log_in(client, MEMBER)
    files = snapshot(root)
    values = form_of(client.get(HOURS).text) | {"csrf": "forged", "text.en": "Forged.", "action": "publish"}
    assert post(client, HOURS, values).status_code == 403
    assert snapshot(root) == files


def test_administrators_alone_edit_the_shared_files_and_invalid_text_is_refused(
    client: TestClient, root: Path
) -> None:
    log_in(client, MEMBER)
    assert client.get("/staff/content/shared/criteria.yaml").status_code == 403
    log_in(client, ADMIN)
    page = client.get("/staff/content/shared/criteria.yaml").text
    values = form_of(page)
    original = (root / "criteria.yaml").read_bytes()
    assert values["text"] == original.decode("utf-8")
    files = snapshot(root)
    broken = post(client, "/staff/content/shared/criteria.yaml", values | {"text": "criteria: []\n"})
    assert broken.status_code == 422 and 'id="f-text-error"' in broken.text
    assert snapshot(root) == files
    edited = values | {"text": values["text"] + "# checked by the administrator\n"}
    done = post(client, "/staff/content/shared/criteria.yaml", edited)
    assert done.status_code == 303
    assert (root / "criteria.yaml").read_bytes() == original + b"# checked by the administrator\n"
    assert "+# checked by the administrator" in client.get("/staff/content/shared/criteria.yaml").text


def test_a_translation_left_behind_by_a_polish_change_is_marked_older(client: TestClient) -> None:
    log_in(client, MEMBER)
    values = form_of(client.get(HOURS).text)
    assert "starsze niż tekst polski" not in client.get(HOURS).text
    post(client, HOURS, values | {"text.pl": "Nowe godziny.", "action": "publish"})
    page = client.get(HOURS).text
    marked = re.findall(r'<label for="f-(text-\w\w)">[^<]*\(starsze niż tekst polski\)</label>', page)
    assert marked == ["text-uk", "text-en"]
    values = form_of(page)
    post(client, HOURS, values | {"text.uk": "Нові години.", "action": "publish"})
    page = client.get(HOURS).text
    marked = re.findall(r'<label for="f-(text-\w\w)">[^<]*\(starsze niż tekst polski\)</label>', page)
    assert marked == ["text-en"]


def test_an_administrator_restores_a_shared_file_and_staff_cannot(client: TestClient, root: Path) -> None:
    log_in(client, ADMIN)
    original = (root / "crisis.yaml").read_bytes()
    values = form_of(client.get("/staff/content/shared/crisis.yaml").text)
    edited = values | {"text": values["text"] + "# reviewed\n"}
    assert post(client, "/staff/content/shared/crisis.yaml", edited).status_code == 303
    page = client.get("/staff/content/shared/crisis.yaml").text
    change = re.search(r'action="(/staff/content/shared/crisis.yaml/history/\d+/restore)"', page)
    assert change is not None
    fields = {"csrf": csrf_of(page), "version": docs.read(root, "crisis.yaml").version}
    log_in(client, MEMBER)
    member_csrf = csrf_of(client.get(HOURS).text)
    assert post(client, change.group(1), fields | {"csrf": member_csrf}).status_code == 403
    assert (root / "crisis.yaml").read_bytes() == original + b"# reviewed\n"
    log_in(client, ADMIN)
    fields["csrf"] = csrf_of(client.get("/staff/content/shared/crisis.yaml").text)
    stale = post(client, change.group(1), fields | {"version": "0" * 16})
    assert stale.headers["location"].endswith("done=stale")
    restored = post(client, change.group(1), fields)
    assert restored.status_code == 303 and restored.headers["location"].endswith("done=restored")
    assert (root / "crisis.yaml").read_bytes() == original
    assert "(restore)" in client.get("/staff/content/shared/crisis.yaml").text
    # A shared file's change is not restorable through a centre's history address.
    other = change.group(1).replace("/shared/crisis.yaml/", "/gliwice/")
    assert post(client, other, fields).status_code == 403
