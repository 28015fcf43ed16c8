-- Several bots (issue 15): the same Telegram person writing to two bots has one Telegram id in
-- both, so a ticket is the person's on one channel: `telegram` (the one bot), `telegram:<name>`
-- (a bot named in TELEGRAM_BOTS) or `web` (the web chat, users.channel as everywhere). A user's
-- open ticket is looked up by (channel, user_chat), and only the bot of the channel answers it.
-- Existing tickets are the one bot's, or the web's where web_tickets says so.
ALTER TABLE tickets ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
UPDATE tickets SET channel = 'web' WHERE id IN (SELECT ticket_id FROM web_tickets);
DROP INDEX tickets_open;
CREATE INDEX tickets_open ON tickets (channel, user_chat, status);

-- A message id is a chat's with one bot: two bots' chats with one person number their messages
-- alike, so a message of a ticket is known by the channel of the bot that sent it as well
-- (a web ticket's message in the staff chat: the channel of the bot that posted it). SQLite
-- cannot change a primary key in place, so the table is made again with its rows.
CREATE TABLE ticket_messages_019 (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    ticket_id INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    channel TEXT NOT NULL,
    PRIMARY KEY (channel, chat_id, message_id)
) WITHOUT ROWID;
INSERT INTO ticket_messages_019 (chat_id, message_id, ticket_id, channel)
    SELECT chat_id, message_id, ticket_id, 'telegram' FROM ticket_messages;
DROP TABLE ticket_messages;
ALTER TABLE ticket_messages_019 RENAME TO ticket_messages;
