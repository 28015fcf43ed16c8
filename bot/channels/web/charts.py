"""Bar charts drawn by pygal on the server, as SVG files of their own (`/staff/numbers/<chart>.svg`).

pygal (pure Python, no dependency of weight: 0.2 s and 6 MB to import, ~20 ms a chart, see
README) writes a `<style>` and, unless told not to, a `<script>` into every chart. The panel's page
allows neither inline, so a chart is not put into the page: the page shows it as an `<img>` (a
script in an image never runs) and the chart's own response carries a policy of its own that
allows only its inline style. The panel puts the same numbers in a table below each chart for
screen readers. Charts are rendered in a thread (never on the event loop) and kept by the hash of
what they show, so the same numbers are drawn once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import OrderedDict
from typing import Any

BAR = "#0b4f8a"  # 8.6:1 against white
TEXT = "#1a1a1a"
WIDTH, ROW, MARGIN = 640, 34, 56
KEPT = 64  # charts kept in memory (a page has seven; a few centres and languages)

Data = list[tuple[str, int]]

_cache: OrderedDict[str, bytes] = OrderedDict()


def digest(data: Data, unit: str) -> str:
    """What a chart shows, as a short hash: its cache key, and its URL's version."""
    return hashlib.sha256(json.dumps([data, unit], ensure_ascii=False).encode()).hexdigest()[:16]


def size(data: Data) -> tuple[int, int]:
    return WIDTH, max(1, len(data)) * ROW + MARGIN


def draw(data: Data, unit: str) -> bytes:
    """Horizontal bars, one per (label, value), first at the top, each value with its unit at its
    end. Slow-ish and CPU-bound: call it in a thread (`chart`)."""
    import pygal  # in the rendering thread: the import is paid there, once, not at start-up
    from pygal.style import Style

    style = Style(
        background="white",
        plot_background="white",
        foreground=TEXT,
        foreground_strong=TEXT,
        foreground_subtle=TEXT,
        colors=(BAR,),
        opacity="1",
        opacity_hover="1",
        font_family="sans-serif",
        label_font_size=14,
        major_label_font_size=14,
        value_font_size=14,
    )
    largest = max((value for _, value in data), default=0) or 1
    width, height = size(data)
    options: dict[str, Any] = {
        "style": style,
        "js": [],  # no script (it would not run in an <img> anyway, and nothing to fetch)
        "show_legend": False,
        "print_values": True,
        "print_values_position": "top",
        "value_formatter": lambda value: after_bar(f"{value:g}{unit}"),
        "width": width,
        "height": height,
        "show_x_guides": False,
        "show_y_guides": False,
        "show_x_labels": False,  # the value axis: each bar prints its own value (no 0.1-steps of a count)
        "range": (0, largest * 1.25),  # room for the value after the longest bar
        "margin": 8,
    }
    chart = pygal.HorizontalBar(**options)
    rows = list(reversed(data))  # pygal draws the first label at the bottom
    chart.x_labels = [shortened(label) for label, _ in rows]  # the table has them whole
    chart.add("", [value for _, value in rows])
    rendered = chart.render()
    return rendered if isinstance(rendered, bytes) else str(rendered).encode()


def after_bar(text: str) -> str:
    """pygal centres a value on the bar's end, half over the bar (dark on dark): as many figure
    spaces before it as it is long, plus one, and it starts just after the bar instead."""
    return "\u2007" * (len(text) + 1) + text


def shortened(label: str, room: int = 28) -> str:
    return label if len(label) <= room else label[: room - 1].rstrip() + "…"


async def chart(data: Data, unit: str = "") -> bytes:
    """The chart's SVG: drawn in a thread the first time these numbers are asked for, then kept."""
    key = digest(data, unit)
    found = _cache.get(key)
    if found is None:
        found = await asyncio.to_thread(draw, data, unit)
        _cache[key] = found
        while len(_cache) > KEPT:
            _cache.popitem(last=False)
    _cache.move_to_end(key)
    return found
