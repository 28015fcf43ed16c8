"""Headers every response carries, and a cap on request bodies (an ASGI middleware, no buffering)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 16 * 1024  # bytes: a chat message is at most a few kilobytes, a staff answer too
ROOMY_BODY = 1024 * 1024  # the Telegram webhook's updates
# The editor's forms: a whole shared file, or an entry in three languages (Cyrillic is 6 bytes a
# letter once form-encoded), are larger than any chat message. Staff only; still capped.
EDITOR_PREFIX, EDITOR_BODY = "/staff/content/", 512 * 1024


def csp(frame_ancestors: str) -> str:
    """No inline scripts or styles anywhere: scripts and styles come only from our /static files."""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; "
        f"frame-ancestors {frame_ancestors}"
    )


class SecureHeaders:
    """CSP, nosniff, no referrer; the chat may be framed by `frame_ancestors`, nothing else may."""

    def __init__(
        self, app: ASGIApp, frame_ancestors: str, hsts: bool, roomy_paths: tuple[str, ...] = ()
    ) -> None:
        self.app = app
        self.roomy_paths = roomy_paths
        self.hsts = hsts
        self.framed = [(b"content-security-policy", csp(frame_ancestors).encode())]
        self.unframed = [(b"content-security-policy", csp("'none'").encode()), (b"x-frame-options", b"DENY")]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        extra = self.framed if path.startswith("/chat/") else self.unframed
        # The widget's script is loaded by the centres' own sites; everything else stays ours.
        corp = b"cross-origin" if path == "/widget.js" else b"same-site"
        limit = ROOMY_BODY if path in self.roomy_paths else MAX_BODY
        if path.startswith(EDITOR_PREFIX):
            limit = max(limit, EDITOR_BODY)
        if scope.get("method") in ("POST", "PUT", "PATCH"):
            declared = dict(scope.get("headers", [])).get(b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                await _too_large(send)
                return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                # A route that set its own policy keeps it (the test's stand-in for a centre's site).
                if not any(name == b"content-security-policy" for name, _ in headers):
                    headers += extra
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), interest-cohort=()"),
                    (b"cross-origin-resource-policy", corp),
                ]
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except BodyTooLarge:
            await _too_large(send)


class BodyTooLarge(Exception):
    pass


async def _too_large(send: Send) -> None:
    await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"Request too large"})
