"""What the engine says: channel-free replies that each door renders its own way."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Button:
    """A choice the user can press; `data` is a short id from bot.callbacks (≤ 64 bytes)."""

    label: str
    data: str


@dataclass(frozen=True)
class Reply:
    """Plain text (the channel escapes it) and rows of buttons."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()

    def all_buttons(self) -> list[Button]:
        return [button for row in self.buttons for button in row]
