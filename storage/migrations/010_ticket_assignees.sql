-- Who on the staff is handling a ticket (handed over in the staff panel). Staff are Telegram ids;
-- no names. The row goes with its ticket.
CREATE TABLE ticket_assignees (
    ticket_id INTEGER PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    assigned_by INTEGER NOT NULL,
    at TEXT NOT NULL
);
