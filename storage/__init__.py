"""Storage: the query interface (`Database`, units of work), users and their conversation state,
and unanswered questions. SQL lives here and nowhere else."""

from storage.database import Database
from storage.db import StorageError, connect, load_migrations, migrate, schema_version
from storage.unanswered import record_unanswered, top_unanswered
from storage.users import (
    User,
    count_users,
    delete_user,
    get_or_create_user,
    get_user,
    set_centre,
    set_lang,
    set_step,
)

__all__ = [
    "Database",
    "StorageError",
    "User",
    "connect",
    "count_users",
    "delete_user",
    "get_or_create_user",
    "get_user",
    "load_migrations",
    "migrate",
    "record_unanswered",
    "schema_version",
    "set_centre",
    "set_lang",
    "set_step",
    "top_unanswered",
]
