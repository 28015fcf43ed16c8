"""Bar charts drawn on the server as SVG (no script, no external library at run time).

Each chart is an image with a text alternative (role="img", <title>); the panel puts the same
numbers in a table next to it for screen readers. Colours keep 3:1 contrast against white.
"""

from __future__ import annotations

from html import escape

BAR = "#0b4f8a"
WIDTH, ROW, LABEL = 640, 28, 200


def bar_chart(title: str, data: list[tuple[str, int]], unit: str = "") -> str:
    """Horizontal bars, one row per (label, value), each value (with its unit) at the bar's end."""
    height = max(1, len(data)) * ROW + 10
    largest = max((value for _, value in data), default=0) or 1
    room = WIDTH - LABEL - 60
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}"'
        f' role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for index, (label, value) in enumerate(data):
        y = 5 + index * ROW
        length = round(room * value / largest)
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 18}" text-anchor="end" font-size="14" fill="#1a1a1a">'
            f"{escape(label[:28])}</text>"
        )
        bar = f'x="{LABEL}" y="{y + 4}" width="{max(length, 1)}" height="{ROW - 8}"'
        parts.append(f'<rect {bar} fill="{BAR}"/>')
        parts.append(
            f'<text x="{LABEL + length + 6}" y="{y + 18}" font-size="14" fill="#1a1a1a">'
            f"{value}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
