"""PostgreSQL failures in plain words for the operator, and where the database is, without its password."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import asyncpg

# Everything asyncpg, or the socket under it, raises for a failed call.
ERRORS: tuple[type[Exception], ...] = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
    TimeoutError,
)
# Opening also parses the URL: a malformed one raises ValueError.
OPEN_ERRORS: tuple[type[Exception], ...] = (*ERRORS, ValueError)

# By class: what happened and what to check. SQLSTATE classes 08 (connection), 28 (login), 3D (no
# such database), 53 (resources), 57 (the server is stopping or starting).
_REASONS: tuple[tuple[type[BaseException], str], ...] = (
    (asyncpg.InvalidPasswordError, "the password was refused (check DATABASE_URL)"),
    (
        asyncpg.InvalidAuthorizationSpecificationError,
        "the server refused this user (check the user in DATABASE_URL and the server's pg_hba.conf)",
    ),
    (asyncpg.InvalidCatalogNameError, "the database does not exist (create it, or fix its name)"),
    (asyncpg.TooManyConnectionsError, "the server has no free connections (raise max_connections)"),
    (asyncpg.CannotConnectNowError, "the server is starting or shutting down; try again shortly"),
    (asyncpg.AdminShutdownError, "the server was shut down"),
    (asyncpg.exceptions.ReadOnlySQLTransactionError, "the server is read-only (a standby?)"),
    (asyncpg.exceptions.DiskFullError, "the server's disk is full"),
    (asyncpg.ConnectionDoesNotExistError, "the connection to the server was lost"),
    # asyncpg's word when the server ended the session between two statements.
    (asyncpg.InternalClientError, "the connection to the server was lost"),
    (ConnectionRefusedError, "the server refused the connection (is it running, on that host and port?)"),
    (FileNotFoundError, "no server socket there (is it running? check host and port)"),
    (PermissionError, "permission denied opening the server's socket"),
    (TimeoutError, "the server did not answer in time"),
)


def operator_line(exc: BaseException) -> str:
    """One line saying what went wrong; a statement the server refused keeps its own message."""
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    if isinstance(exc, asyncpg.PostgresError):
        # A refused statement (a constraint, a type): the server's message names the table or value.
        detail = str(getattr(exc, "message", "") or exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"{detail} (SQLSTATE {exc.sqlstate})"
    if isinstance(exc, OSError):
        return exc.strerror or str(exc) or type(exc).__name__
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def describe_url(url: str) -> str:
    """The URL as the operator wrote it, minus any password (it must never reach a message or log)."""
    try:
        parts = urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]
        if parts.username is not None:
            netloc = f"{parts.username}@{netloc}"
        query = [(key, value) for key, value in parse_qsl(parts.query) if key != "password"]
    except ValueError:
        return "the PostgreSQL URL (unreadable: check DATABASE_URL)"
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/"), ""))
