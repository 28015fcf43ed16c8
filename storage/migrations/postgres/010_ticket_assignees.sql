-- PostgreSQL spelling of ../010_ticket_assignees.sql: who on the staff handles a ticket.
CREATE TABLE ticket_assignees (
    ticket_id BIGINT PRIMARY KEY REFERENCES tickets (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL,
    assigned_by BIGINT NOT NULL,
    at TEXT NOT NULL
);
