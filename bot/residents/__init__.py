"""Residents: membership (`service`), what their reminders follow (`schedule`, `flats`), the tick that
sends them (`tick`), their texts (`texts`) and the steps of `/duty add` (`duty_wizard`). No door."""
