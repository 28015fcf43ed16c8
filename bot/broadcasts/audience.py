"""What a broadcast audience is, for every door: the audiences a centre is offered, whether a chosen
one is still offered (a forged or emptied flat is refused), how many it reaches, and its name."""

from __future__ import annotations

from dataclasses import dataclass

from bot import callbacks
from bot.i18n import Tr
from storage import broadcasts as store
from storage.database import Database


@dataclass(frozen=True, slots=True)
class Choice:
    audience: callbacks.Audience
    recipients: int

    @property
    def key(self) -> str:
        """The audience as stored with a draft (`callbacks.encode_audience`)."""
        return callbacks.encode_audience(self.audience)


async def offered(db: Database, centre: str, channel: str = store.CHANNEL) -> list[Choice]:
    """Everyone, all flats, each flat that has residents, applicants; each with its recipients now
    (people of `channel`: the bot that serves the centre, bot.settings.Settings.channel_of)."""
    audiences: list[callbacks.Audience] = [callbacks.Everyone(), callbacks.AllFlats()]
    flats = await store.flats_with_residents(db, centre, channel)
    audiences += [callbacks.OneFlat(flat) for flat, _ in flats]
    audiences.append(callbacks.Applicants())
    return [
        Choice(audience, await store.count_audience(db, centre, callbacks.encode_audience(audience), channel))
        for audience in audiences
    ]


async def is_offered(
    db: Database, centre: str, audience: callbacks.Audience, channel: str = store.CHANNEL
) -> bool:
    """One of the audiences `offered` gives this centre (a forged flat is refused, not raised on)."""
    if not isinstance(audience, callbacks.OneFlat):
        return True
    return audience.flat in {f for f, _ in await store.flats_with_residents(db, centre, channel)}


def label(t: Tr, audience: str) -> str:
    """The stored audience as staff read it (never the stored key)."""
    if audience == "all":
        return t._("Everyone of the centre")
    if audience == "flats":
        return t._("Residents of all flats")
    if audience == "applicants":
        return t._("Applicants (not residents)")
    return t._("Residents of the flat {flat}").format(flat=audience.removeprefix("flat:"))
