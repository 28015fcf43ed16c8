"""The conversation: the engine (`dialogue`: `Engine.respond`, `Dialogue`), free text and buttons
(`free_text`, `menus`, `more`), fact texts (`answers`), the fee flow (`fee_flow`, `fee_answers`), what
a turn decided (`outcome`) and the consent for unanswered questions (`privacy`). No door."""
