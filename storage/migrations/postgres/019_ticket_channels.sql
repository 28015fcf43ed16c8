-- PostgreSQL spelling of ../019_ticket_channels.sql (the same columns, keys and index).
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
-- (a web ticket's message in the staff chat: the channel of the bot that posted it).
ALTER TABLE ticket_messages ADD COLUMN channel TEXT NOT NULL DEFAULT 'telegram';
ALTER TABLE ticket_messages ALTER COLUMN channel DROP DEFAULT;
ALTER TABLE ticket_messages DROP CONSTRAINT ticket_messages_pkey;
ALTER TABLE ticket_messages ADD PRIMARY KEY (channel, chat_id, message_id);
