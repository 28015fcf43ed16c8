"""A fake Telegram Bot API for tests and benches: in process (`RecordingRequest`) or over HTTP.

`FakeBotAPI` is the state: it answers Bot API methods with Telegram-shaped JSON, records every
call, queues updates for getUpdates (long polling that returns as soon as an update is queued),
keeps the messages the bot sent (so edits and button presses refer to real messages) and can be
scripted to fail (429 with retry_after, 403, 400, 5xx) for a method, a chat, the next N calls.

Two ways in:
- `RecordingRequest(api)`: a `telegram.request.BaseRequest` for `ApplicationBuilder.request()`;
  no sockets at all.
- `FakeBotAPIServer(api)`: the same API served over HTTP/1.1 on 127.0.0.1 (a random free port),
  for the real PTB HTTPXRequest and polling loop; use `base_url` with `ApplicationBuilder.base_url()`.

Anything the fake does not know is answered 404 and recorded in `api.unexpected`; tests should
assert that list is empty.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import itertools
import json
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

BOT_ID = 7_000_000_001
BOT_USERNAME = "housing_test_bot"
TOKEN = f"{BOT_ID}:AAFakeTokenForTests_0123456789abcdef"
BOT_USER: dict[str, Any] = {
    "id": BOT_ID,
    "is_bot": True,
    "first_name": "Housing assistant",
    "username": BOT_USERNAME,
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}

# Parameters that are strings on the wire (never JSON-decoded); everything else is JSON if it parses.
_STRING_PARAMS = frozenset({
    "text", "parse_mode", "callback_query_id", "language_code", "inline_message_id", "url",
    "secret_token", "caption", "business_connection_id", "description", "short_description", "name",
})
_PATH = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_DEFAULT_DESCRIPTIONS = {
    400: "Bad Request: scripted failure",
    403: "Forbidden: bot was blocked by the user",
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}


@dataclass(frozen=True)
class Call:
    """One Bot API request as the fake saw it, with what it answered."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]

    @property
    def ok(self) -> bool:
        return self.status == 200

    @property
    def chat_id(self) -> Any:
        return self.params.get("chat_id")

    @property
    def text(self) -> str:
        """The text as sent (HTML-escaped when parse_mode is HTML)."""
        return str(self.params.get("text", ""))

    @property
    def visible(self) -> str:
        """The text as the user sees it."""
        return _visible(self.text, self.params)

    def buttons(self) -> list[tuple[str, str]]:
        """(label, callback_data) of the inline keyboard sent with this call."""
        markup = self.params.get("reply_markup") or {}
        rows = markup.get("inline_keyboard", [])
        return [(b["text"], b.get("callback_data", "")) for row in rows for b in row]


@dataclass
class Failure:
    """A scripted error: for `method` (None = any), `chat_id` (None = any), the next `times` calls."""

    method: str | None
    status: int
    description: str
    retry_after: int | None = None
    chat_id: int | None = None
    times: int | None = 1  # None = until removed

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method is not None and self.method.lower() != method.lower():
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id


@dataclass(frozen=True)
class TgUser:
    """A Telegram user the tests play."""

    id: int
    first_name: str = "Test"
    language_code: str | None = "pl"

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def private_chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}


def group_chat(chat_id: int = -100_123, title: str = "Residents") -> dict[str, Any]:
    return {"id": chat_id, "type": "supergroup" if chat_id < -1_000_000 else "group", "title": title}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def entities_for(text: str) -> list[dict[str, Any]]:
    """The entities Telegram would attach: a leading /command and @mentions (UTF-16 offsets)."""
    found: list[dict[str, Any]] = []
    command = re.match(r"/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?", text)
    if command:
        found.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group(0))})
    for mention in re.finditer(r"(?<![\w/])@[A-Za-z0-9_]{5,32}", text):
        found.append({"type": "mention", "offset": utf16_len(text[: mention.start()]),
                      "length": utf16_len(mention.group(0))})
    return found


# Media as Telegram describes it, for "the user sent something that is not text".
MEDIA: dict[str, dict[str, Any]] = {
    "sticker": {"sticker": {"file_id": "stk", "file_unique_id": "stk1", "width": 512, "height": 512,
                            "is_animated": False, "is_video": False, "type": "regular", "emoji": "🙂"}},
    "photo": {"photo": [{"file_id": "ph", "file_unique_id": "ph1", "width": 90, "height": 90}]},
    "voice": {"voice": {"file_id": "vc", "file_unique_id": "vc1", "duration": 2, "mime_type": "audio/ogg"}},
    "location": {"location": {"latitude": 50.2945, "longitude": 18.6714}},
    "document": {"document": {"file_id": "dc", "file_unique_id": "dc1", "file_name": "a.pdf"}},
}


class FakeBotAPI:
    """The fake server's state and method implementations (transport-free)."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.unexpected: list[str] = []
        self.commands: dict[str | None, list[dict[str, Any]]] = {}
        # (chat id, language) -> the menu set with BotCommandScopeChat for that chat
        self.chat_commands: dict[tuple[int, str | None], list[dict[str, Any]]] = {}
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}  # what the bot sent, by (chat, id)
        self.failures: list[Failure] = []
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._changed: asyncio.Event | None = None
        self._gates: list[tuple[str, int | None, asyncio.Event]] = []
        self.held: list[tuple[str, dict[str, Any]]] = []  # calls that waited at a gate
        self.webhook: dict[str, Any] = {}  # the last setWebhook parameters
        self.rejected: list[str] = []  # messages refused by Telegram's HTML or keyboard rules

    # --- scripting ---------------------------------------------------------------------------

    def fail(self, method: str | None, status: int, description: str | None = None, *,
             retry_after: int | None = None, chat_id: int | None = None, times: int | None = 1) -> Failure:
        """Answer the next `times` matching calls with an error (429 gets parameters.retry_after)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        default = _DEFAULT_DESCRIPTIONS.get(status, "Scripted error")
        text = description or default.format(retry_after=retry_after)
        failure = Failure(method, status, text, retry_after, chat_id, times)
        self.failures.append(failure)
        return failure

    def hold(self, method: str, chat_id: int | None = None) -> asyncio.Event:
        """A slow Telegram: matching calls wait (listed in `held`) until the returned event is set."""
        gate = asyncio.Event()
        self._gates.append((method.lower(), chat_id, gate))
        return gate

    # --- users acting --------------------------------------------------------------------------

    def push(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates."""
        self._updates.append(update)
        self._notify()
        return update

    def message_update(self, user: TgUser | None, text: str | None = None, *,
                       chat: dict[str, Any] | None = None, kind: str = "message",
                       extra: dict[str, Any] | None = None,
                       reply_to: dict[str, Any] | None = None) -> dict[str, Any]:
        """A message update (kind: message, edited_message, channel_post) without queueing it."""
        chat = chat or (user.private_chat() if user else group_chat())
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat}
        if user is not None:
            message["from"] = user.as_json()
        if text is not None:
            message["text"] = text
            if entities := entities_for(text):
                message["entities"] = entities
        if kind == "edited_message":
            message["edit_date"] = int(time.time())
        if kind == "channel_post":
            message["sender_chat"] = chat
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        message.update(extra or {})
        return {"update_id": next(self._update_ids), kind: message}

    def callback_update(self, user: TgUser, data: str,
                        message: dict[str, Any] | None = None) -> dict[str, Any]:
        """A press on `message` (default: the bot's newest message in the user's chat with that button)."""
        if message is None:
            message = self.message_with_button(user.id, data) or self.last_message(user.id)
        query: dict[str, Any] = {"id": str(next(self._query_ids)), "from": user.as_json(),
                                 "chat_instance": f"ci{user.id}", "data": data}
        if message is not None:
            query["message"] = message
        return {"update_id": next(self._update_ids), "callback_query": query}

    def says(self, user: TgUser, text: str, **kwargs: Any) -> dict[str, Any]:
        return self.push(self.message_update(user, text, **kwargs))

    def presses(self, user: TgUser, data: str, message: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.push(self.callback_update(user, data, message))

    # --- what the bot did --------------------------------------------------------------------

    def calls_to(self, method: str, chat_id: int | None = None, *, ok: bool | None = None) -> list[Call]:
        return [c for c in self.calls if c.method.lower() == method.lower()
                and (chat_id is None or c.chat_id == chat_id) and (ok is None or c.ok == ok)]

    def outgoing(self, chat_id: int | None = None) -> list[Call]:
        """Successful sendMessage and edit calls, in order: what the user saw arrive or change."""
        shown = ("sendmessage", "editmessagetext", "editmessagereplymarkup")
        return [c for c in self.calls if c.ok and c.method.lower() in shown
                and (chat_id is None or c.chat_id == chat_id)]

    def last_message(self, chat_id: int) -> dict[str, Any] | None:
        mine = [m for (chat, _), m in self.messages.items() if chat == chat_id]
        return max(mine, key=lambda m: m["message_id"]) if mine else None

    def message_with_button(self, chat_id: int, data: str) -> dict[str, Any] | None:
        """The bot's latest message in the chat that carries a button with this callback data."""
        for (chat, _), message in sorted(self.messages.items(), key=lambda kv: -kv[0][1]):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            if chat == chat_id and any(b.get("callback_data") == data for row in rows for b in row):
                return message
        return None

    def button_data(self, chat_id: int, label: str) -> str:
        """The callback data of the newest button with this label (case-insensitive substring)."""
        for (chat, _), message in sorted(self.messages.items(), key=lambda kv: -kv[0][1]):
            rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in rows for b in row):
                if chat == chat_id and label.casefold() in button["text"].casefold():
                    return str(button["callback_data"])
        raise LookupError(f"no button labelled {label!r} in chat {chat_id}")

    async def wait_for(self, predicate: Callable[[], bool], within: float = 10.0) -> None:
        """Return as soon as `predicate()` holds (re-checked on every call/update); TimeoutError otherwise."""
        async with asyncio.timeout(within):
            while not predicate():
                event = self._event()
                event.clear()
                await event.wait()

    async def wait_outgoing(self, chat_id: int, count: int, within: float = 10.0) -> list[Call]:
        """Wait until the chat has received `count` messages/edits in total; return them."""
        await self.wait_for(lambda: len(self.outgoing(chat_id)) >= count, within)
        return self.outgoing(chat_id)

    # --- the Bot API ---------------------------------------------------------------------------

    async def dispatch(self, path: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one request for `/bot<token>/<method>`; params are wire values (JSON-encoded strings)."""
        match = _PATH.match(path)
        if match is None:
            self.unexpected.append(path)
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        if match["token"] != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method, decoded = match["method"], decode_params(params)
        for gated, chat_id, gate in self._gates:
            if gated == method.lower() and chat_id in (None, decoded.get("chat_id")) and not gate.is_set():
                self.held.append((method, decoded))
                self._notify()
                await gate.wait()
        if method.lower() == "getupdates" and not self._scripted_failure(method, decoded):
            return await self._get_updates(decoded)
        return self.call(method, decoded)

    def _scripted_failure(self, method: str, params: dict[str, Any]) -> Failure | None:
        return next((f for f in self.failures if f.matches(method, params)), None)

    def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Every method but a waiting getUpdates (synchronous); records the call."""
        failure = self._scripted_failure(method, params)
        if failure is not None:
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    self.failures.remove(failure)
            body = _error(failure.status, failure.description)
            if failure.retry_after is not None:
                body["parameters"] = {"retry_after": failure.retry_after}
            return self._record(method, params, failure.status, body)
        handler = getattr(self, f"_m_{method.lower()}", None)
        if handler is None:
            self.unexpected.append(method)
            return self._record(method, params, 404, _error(404, "Not Found"))
        status, result = handler(params)
        if status != 200:
            return self._record(method, params, status, _error(status, str(result)))
        return self._record(method, params, 200, {"ok": True, "result": result})

    def _record(self, method: str, params: dict[str, Any], status: int, body: dict[str, Any]
                ) -> tuple[int, dict[str, Any]]:
        self.calls.append(Call(method, params, status, body))
        self._notify()
        return status, body

    async def _get_updates(self, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        if offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        with contextlib.suppress(TimeoutError):
            await self.wait_for(lambda: bool(self._updates), timeout)
        result = self._updates[:limit]
        self.calls.append(Call("getUpdates", params, 200, {"ok": True, "result": result}))
        return 200, {"ok": True, "result": result}

    def _m_getme(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, BOT_USER

    def _m_deletewebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, True

    def _m_setwebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        self.webhook = dict(params)  # url, secret_token, allowed_updates... as registered
        return 200, True

    def _m_getwebhookinfo(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"url": "", "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _m_setmycommands(self, params: dict[str, Any]) -> tuple[int, Any]:
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":  # one chat's own menu (the staff's), apart from everyone's
            self.chat_commands[(int(scope["chat_id"]), params.get("language_code"))] = list(
                params.get("commands", [])
            )
        else:
            self.commands[params.get("language_code")] = list(params.get("commands", []))
        return 200, True

    def _m_deletemycommands(self, params: dict[str, Any]) -> tuple[int, Any]:
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            key = (int(scope["chat_id"]), params.get("language_code"))
            self.chat_commands.pop(key, None)
        else:
            self.commands.pop(params.get("language_code"), None)
        return 200, True

    def _m_answercallbackquery(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, True

    def _m_sendmessage(self, params: dict[str, Any]) -> tuple[int, Any]:
        text = str(params.get("text", ""))
        if not text.strip():
            return 400, "Bad Request: message text is empty"
        if problem := self._refused(text, params):
            return 400, problem
        if utf16_len(_visible(text, params)) > 4096:
            return 400, "Bad Request: message is too long"
        chat_id = params["chat_id"]
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(time.time()),
                                   "chat": chat, "from": BOT_USER, "text": _visible(text, params)}
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        self.messages[(chat_id, message["message_id"])] = message
        return 200, message

    def _m_editmessagetext(self, params: dict[str, Any]) -> tuple[int, Any]:
        return self._edit(params, text=str(params.get("text", "")))

    def _m_editmessagereplymarkup(self, params: dict[str, Any]) -> tuple[int, Any]:
        return self._edit(params, text=None)

    def _refused(self, text: str, params: dict[str, Any]) -> str | None:
        """Telegram's HTML and keyboard rules; every refusal is kept in `rejected` too."""
        html_mode = str(params.get("parse_mode", "")).upper() == "HTML"
        problem = (html_problem(text) if html_mode else None) or markup_problem(params)
        if problem:
            self.rejected.append(problem)
        return problem

    def _edit(self, params: dict[str, Any], text: str | None) -> tuple[int, Any]:
        if params.get("inline_message_id"):
            return 200, True
        if problem := self._refused(text or "", params):
            return 400, problem
        message = self.messages.get((params.get("chat_id"), params.get("message_id")))  # type: ignore[arg-type]
        if message is None:
            return 400, "Bad Request: message to edit not found"
        new = dict(message)
        if text is not None:
            new["text"] = _visible(text, params)
        if params.get("reply_markup"):
            new["reply_markup"] = params["reply_markup"]
        else:
            new.pop("reply_markup", None)
        if new == message:
            return 400, ("Bad Request: message is not modified: specified new message content and reply "
                         "markup are exactly the same as a current content and reply markup of the message")
        new["edit_date"] = int(time.time())
        self.messages[(message["chat"]["id"], message["message_id"])] = new
        return 200, new

    def _event(self) -> asyncio.Event:
        if self._changed is None:
            self._changed = asyncio.Event()
        return self._changed

    def _notify(self) -> None:
        if self._changed is not None:
            self._changed.set()


def _error(status: int, description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": status, "description": description}


_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "code",
         "pre", "blockquote", "tg-emoji"}
_TAG = re.compile(r"<(/?)([a-z-]+)(\s[^<>]*)?>")
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#[0-9]+|#x[0-9a-fA-F]+);")


def html_problem(text: str) -> str | None:
    """Why Telegram would refuse `text` with parse_mode=HTML, or None: only its tags, properly
    nested; '<', '>' and '&' only as entities."""
    open_tags: list[str] = []
    position = 0
    for match in _TAG.finditer(text):
        between = text[position : match.start()]
        if "<" in between or ">" in between:
            return "Bad Request: can't parse entities: unexpected < or >"
        closing, name = match.group(1), match.group(2)
        if name not in _TAGS:
            return f"Bad Request: can't parse entities: unsupported start tag \"{name}\""
        if closing:
            if not open_tags or open_tags.pop() != name:
                return f"Bad Request: can't parse entities: unexpected end tag \"{name}\""
        else:
            open_tags.append(name)
        position = match.end()
    rest = text[position:]
    if "<" in rest or ">" in rest:
        return "Bad Request: can't parse entities: unexpected < or >"
    if open_tags:
        return "Bad Request: can't parse entities: can't find end tag"
    if "&" in _ENTITY.sub("", text):
        return "Bad Request: can't parse entities: unsupported entity"
    return None


def markup_problem(params: dict[str, Any]) -> str | None:
    """Why Telegram would refuse the inline keyboard, or None."""
    for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
        for button in row:
            data = button.get("callback_data")
            if not button.get("text") or (data is not None and not 1 <= len(data.encode()) <= 64):
                return "Bad Request: BUTTON_DATA_INVALID"
    return None


def _visible(text: str, params: dict[str, Any]) -> str:
    """What the user sees: HTML tags removed and entities unescaped when parse_mode is HTML."""
    if str(params.get("parse_mode", "")).upper() != "HTML":
        return text
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def decode_params(params: dict[str, Any]) -> dict[str, Any]:
    """Wire values (form fields or JSON-encoded strings) as Python values."""
    decoded: dict[str, Any] = {}
    for name, value in params.items():
        if name in _STRING_PARAMS or not isinstance(value, str):
            decoded[name] = value
            continue
        try:
            decoded[name] = json.loads(value)
        except ValueError:
            decoded[name] = value
    return decoded


class RecordingRequest(BaseRequest):
    """A BaseRequest that never touches the network: every call goes to a FakeBotAPI and is recorded.

    `latency` (seconds) simulates the round trip to Telegram (for benches; tests leave it at 0).
    """

    def __init__(self, api: FakeBotAPI | None = None, latency: float = 0.0) -> None:
        self.api = api or FakeBotAPI()
        self.latency = latency

    @property
    def read_timeout(self) -> float | None:
        return 5.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        params = request_data.json_parameters if request_data is not None else {}
        if self.latency:
            await asyncio.sleep(self.latency)
        status, body = await self.api.dispatch(urlsplit(url).path, dict(params))
        return status, json.dumps(body).encode()


class FakeBotAPIServer:
    """FakeBotAPI over HTTP/1.1 (keep-alive, Content-Length or chunked bodies) on 127.0.0.1."""

    def __init__(self, api: FakeBotAPI | None = None, *others: FakeBotAPI) -> None:
        self.api = api or FakeBotAPI()
        # More bots on one server (TELEGRAM_BOTS): each request goes to the fake of its token.
        self.by_token = {fake.token: fake for fake in (self.api, *others)}
        self.port = 0
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder.base_url(): PTB appends the token, then `/<method>`."""
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FakeBotAPIServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while await self._one_request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _one_request(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bool:
        """Read one request and answer it; False when the client is gone or asked to close."""
        line = await reader.readline()
        if not line.strip():
            return False
        _verb, target, _version = line.decode("latin-1").split(" ", 2)
        headers: dict[str, str] = {}
        while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = header.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await _read_body(reader, headers)
        url = urlsplit(target)
        params: dict[str, Any] = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(_form(headers.get("content-type", ""), body))
        match = _PATH.match(url.path)
        fake = self.by_token.get(match["token"], self.api) if match is not None else self.api
        status, payload = await fake.dispatch(url.path, params)
        data = json.dumps(payload).encode()
        head = (f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
                f"Connection: keep-alive\r\n\r\n")
        writer.write(head.encode("latin-1") + data)
        await writer.drain()
        return headers.get("connection", "").lower() != "close"


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks: list[bytes] = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                return b"".join(chunks)
            chunks.append(await reader.readexactly(size))
            await reader.readline()
    length = int(headers.get("content-length", "0") or 0)
    return await reader.readexactly(length) if length else b""


def _form(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        loaded = json.loads(body)
        return {k: v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()}
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    raise ValueError(f"the fake Bot API does not read {content_type!r} bodies")


def texts(calls: Iterable[Call]) -> list[str]:
    return [c.text for c in calls]
