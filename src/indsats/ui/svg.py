"""The chart toolkit: the pieces every server-rendered SVG chart is built from, so that every chart looks
alike and the page and the PDF (WeasyPrint) show the same markup.

A chart module lays out its own marks and builds them from these pieces: ``document`` wraps the body
with ``role="img"``, a ``<title>`` (the accessible name) and an optional ``<desc>``; ``nice_ticks`` and
``Scale`` place values; ``horizontal_grid``/``vertical_grid`` draw gridlines with their labels; ``legend``
draws the key; ``text`` escapes what it writes. Colours come from the palette below, each series colour
with at least 3:1 contrast against white (WCAG 2.2, 1.4.11) and text in ink (17:1). Numbers are written by
indsats.ui.formatting in the active language. No script, no external resource and no style attribute:
presentation attributes only.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from indsats.ui import formatting

FONT = "IBM Plex Sans, Arial, sans-serif"  # the design system's typeface, then fallbacks (the PDF's)
FONT_SIZE = 12

# --- the palette ---------------------------------------------------------------------------------------
PAPER = "#ffffff"
INK = "#1a1a1a"  # text, axes and the line at zero
GRID = "#d8d8d8"  # gridlines only: a guide, not information (so below 3:1 on purpose)
MUTED = "#6b6b6b"  # a secondary series: "before", "all municipalities"
BLUE = "#0059b3"  # the design system's primary colour
ORANGE = "#b35900"
GREEN = "#2e7d32"
RED = "#b0122b"
PURPLE = "#6a1b9a"
SLATE = "#37474f"
SKY = "#2c7fb8"
PINK = "#a8407a"
# Light fills behind dark text (boxes of the theory of change), one per series colour.
TINTS = {BLUE: "#e6f0fa", ORANGE: "#fdf1dc", GREEN: "#e3f4ec"}
# Series in order, told apart by a dash pattern as well as by colour.
SERIES = (BLUE, ORANGE, GREEN, PURPLE, SLATE)
DASHES = ("", "8 4", "2 3", "12 4 2 4", "4 4")
PALETTE = (INK, MUTED, BLUE, ORANGE, GREEN, RED, PURPLE, SLATE, SKY, PINK)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.2's contrast ratio of two colours written #rrggbb: (L1 + 0.05) / (L2 + 0.05)."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- ticks and scales ----------------------------------------------------------------------------------

NICE_STEPS = (1.0, 2.0, 2.5, 5.0, 10.0)


def nice_ticks(low: float, high: float, count: int = 5, *, integer: bool = False) -> list[float]:
    """Round tick values from at or below ``low`` to at or above ``high`` in about ``count`` steps.

    The step is the smallest of 1, 2, 2.5 or 5 times a power of ten that is at least the range divided
    by ``count`` (after Heckbert, "Nice numbers for graph labels", Graphics Gems, 1990); with ``integer``
    (counts) it is a whole number. A zero-width range is widened to reach 0
    (or -1 to 1 around 0), a range that is not finite becomes 0 to 1. There are always two ticks or more.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        low, high = 0.0, 1.0
    low, high = min(low, high), max(low, high)
    if high == low:
        low, high = low - (abs(low) or 1.0), high + (abs(high) or 1.0)
    raw = (high - low) / max(count, 1)
    if integer:
        raw = max(raw, 1.0)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(
        m * power for m in NICE_STEPS if m * power >= raw * (1 - 1e-9) and not (integer and (m * power) % 1)
    )
    first = math.floor(low / step + 1e-9)
    last = math.ceil(high / step - 1e-9)
    return [round(k * step, 10) + 0.0 for k in range(first, max(last, first + 1) + 1)]


def tick_decimals(ticks: Sequence[float]) -> int:
    """The decimals that write every tick exactly: 0 for steps of 5, 1 for 2.5, 2 for 0.25."""
    for decimals in range(7):
        if all(abs(t * 10**decimals - round(t * 10**decimals)) < 1e-6 for t in ticks):
            return decimals
    return 6


def tick_label(ticks: Sequence[float]) -> Callable[[float], str]:
    """Tick labels in the active language, all with the same decimals."""
    decimals = tick_decimals(ticks)
    write = formatting.Formatter()
    return lambda value: write.number(value, decimals)


@dataclass(frozen=True)
class Scale:
    """Maps values from ``low``..``high`` linearly onto pixels ``start``..``end`` (``end`` < ``start`` for
    a value axis drawn upwards). With ``clamp`` a value outside is drawn at the nearer edge."""

    low: float
    high: float
    start: float
    end: float
    clamp: bool = False

    @classmethod
    def over(cls, ticks: Sequence[float], start: float, end: float, *, clamp: bool = False) -> Scale:
        return cls(ticks[0], ticks[-1], start, end, clamp)

    def __call__(self, value: float) -> float:
        if self.clamp:
            value = min(max(value, self.low), self.high)
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (self.end - self.start) * (value - self.low) / (self.high - self.low)


# --- elements ------------------------------------------------------------------------------------------


def coordinate(value: float) -> str:
    """A number in an attribute: at most two decimals, no trailing zeros (``70``, ``112.5``)."""
    if type(value) is float and value.is_integer() and -1e15 < value < 1e15:
        return str(int(value))  # what the rounding below writes of a whole number, without it
    written = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if written == "-0" else written


def attributes(**values: object) -> str:
    """Attributes of an element: ``stroke_width=2`` is written ``stroke-width="2"``, a float with at most
    two decimals; None and False leave an attribute out; every value is escaped (a number has nothing to
    escape). A chart writes hundreds of them, so each name is converted once and each short string (a
    colour, a dash pattern, an anchor) is escaped once."""
    written = []
    text: str | None
    for name, value in values.items():
        kind = type(value)
        if kind is float:
            text = coordinate(value)  # type: ignore[arg-type]  # (no narrowing on type() is float)
        elif kind is str:
            string: str = value  # type: ignore[assignment]  # (as above)
            text = _ESCAPED.get(string)
            if text is None:
                text = escape(string)
                if len(string) <= _SHORT and len(_ESCAPED) < _ESCAPED_KEPT:
                    _ESCAPED[string] = text
        elif value is None or value is False:
            continue
        elif kind is int:
            text = str(value)
        elif isinstance(value, float):
            text = coordinate(value)
        elif isinstance(value, int):
            text = str(value)
        else:
            text = escape(str(value))
        attribute = _ATTRIBUTE_NAMES.get(name) or _ATTRIBUTE_NAMES.setdefault(
            name, name.rstrip("_").replace("_", "-")
        )
        written.append(f' {attribute}="{text}"')
    return "".join(written)


_ATTRIBUTE_NAMES: dict[str, str] = {}
_ESCAPED: dict[str, str] = {}  # short strings as escape() writes them
_SHORT = 40  # longer strings (points, titles) are escaped each time
_ESCAPED_KEPT = 2048  # a bound on what the process keeps


def element(tag: str, content: str | None = None, /, **values: object) -> str:
    """An SVG element with ``attributes(**values)``; ``content`` is markup (write text with ``text``)."""
    opening = f"<{tag}{attributes(**values)}"
    return f"{opening}/>" if content is None else f"{opening}>{content}</{tag}>"


def rect(
    x: float, y: float, width: float, height: float, *, fill: str, stroke: str, stroke_width: float
) -> str:
    """``element("rect", x=..., y=..., width=..., height=..., fill=..., stroke=..., stroke_width=...)``
    written at once (a bar chart writes dozens; tests/ui compares the two)."""
    return (
        f'<rect x="{_written(x)}" y="{_written(y)}" width="{_written(width)}" height="{_written(height)}"'
        f' fill="{escape(fill)}" stroke="{escape(stroke)}" stroke-width="{_written(stroke_width)}"/>'
    )


def _written(value: float) -> str:
    """A number as ``attributes`` writes it."""
    return coordinate(value) if isinstance(value, float) else str(value)


def text(
    x: float,
    y: float,
    content: object,
    *,
    size: int = FONT_SIZE,
    anchor: str = "start",
    weight: str | None = None,
    fill: str = INK,
) -> str:
    """Text with its baseline at ``y``, escaped (the font size and ink are the document's defaults)."""
    return element(
        "text",
        escape(str(content)),
        x=float(x),
        y=float(y),
        font_size=None if size == FONT_SIZE else size,
        text_anchor=None if anchor == "start" else anchor,
        font_weight=weight,
        fill=None if fill == INK else fill,
    )


def line(
    x1: float,
    y1: float,
    x2: float,
    y2: float,
    *,
    stroke: str = INK,
    width: float | None = None,
    dash: str = "",
) -> str:
    return element(
        "line",
        x1=float(x1),
        y1=float(y1),
        x2=float(x2),
        y2=float(y2),
        stroke=stroke,
        stroke_width=width,
        stroke_dasharray=dash or None,
    )


def points(pairs: Iterable[tuple[float, float]]) -> str:
    """The ``points`` of a polyline or polygon."""
    return " ".join(f"{coordinate(x)},{coordinate(y)}" for x, y in pairs)


def shorten(label: str, length: int) -> str:
    """A label cut to ``length`` characters with an ellipsis (the table beside the chart has it whole)."""
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"


def text_width(label: str, size: int = FONT_SIZE) -> float:
    """About how wide a label is drawn (an average glyph of IBM Plex Sans is 0.55 em wide)."""
    return 0.55 * size * len(label)


# --- axes, gridlines and the key -----------------------------------------------------------------------


def horizontal_grid(
    ticks: Sequence[float],
    y: Scale,
    *,
    left: float,
    right: float,
    label: Callable[[float], str] | None = None,
    baseline: bool = True,
) -> list[str]:
    """A gridline across the plot at each tick of a vertical value axis, its label left of the plot;
    with ``baseline`` the line at 0 is drawn in ink."""
    label = label or tick_label(ticks)
    marks = []
    for tick in ticks:
        stroke = INK if baseline and tick == 0 else GRID
        marks.append(line(left, y(tick), right, y(tick), stroke=stroke))
        marks.append(text(left - 8, y(tick) + 4, label(tick), anchor="end"))
    return marks


def vertical_grid(
    ticks: Sequence[float],
    x: Scale,
    *,
    top: float,
    bottom: float,
    label: Callable[[float], str] | None = None,
    label_y: float | None = None,
) -> list[str]:
    """A gridline down the plot at each tick of a horizontal value axis, its label under the plot."""
    label = label or tick_label(ticks)
    marks = []
    for tick in ticks:
        marks.append(line(x(tick), top, x(tick), bottom, stroke=GRID))
        below = bottom + 18 if label_y is None else label_y
        marks.append(text(x(tick), below, label(tick), anchor="middle"))
    return marks


@dataclass(frozen=True)
class Key:
    """A legend entry: a swatch (a ``box``, a ``line``, a ``dot`` or an open ``ring``) and its label."""

    label: str
    colour: str
    shape: str = "box"
    dash: str = ""
    width: float = 3.0


def _swatch(key: Key, x: float, y: float, size: int) -> tuple[str, float]:
    """The swatch of a key whose text baseline is ``y``, and how wide it is."""
    middle = y - size / 3
    if key.shape == "line":
        return line(x, middle, x + 28, middle, stroke=key.colour, width=key.width, dash=key.dash), 28
    if key.shape in ("dot", "ring"):
        ring = key.shape == "ring"
        return element(
            "circle",
            cx=float(x + 6),
            cy=float(middle),
            r=6,
            fill=PAPER if ring else key.colour,
            stroke=key.colour if ring else None,
            stroke_width=2 if ring else None,
        ), 12
    side = size + 2
    return element("rect", x=float(x), y=float(y - size + 1), width=side, height=side, fill=key.colour), side


def legend(
    keys: Sequence[Key],
    *,
    x: float,
    y: float,
    right: float | None = None,
    vertical: bool = False,
    size: int = FONT_SIZE,
    gap: float = 24,
    row_height: float = 22,
) -> list[str]:
    """The keys in a row from (``x``, ``y``), ``y`` being the text baseline, wrapping to a new row before
    ``right``; or, ``vertical``, one under another."""
    marks = []
    at_x, at_y = x, y
    for key in keys:
        swatch, swatch_width = _swatch(key, at_x, at_y, size)
        item_width = swatch_width + 6 + text_width(key.label, size)
        if not vertical and right is not None and at_x > x and at_x + item_width > right:
            at_x, at_y = x, at_y + row_height
            swatch, swatch_width = _swatch(key, at_x, at_y, size)
        marks.append(swatch)
        marks.append(text(at_x + swatch_width + 6, at_y, key.label, size=size))
        if vertical:
            at_y += row_height
        else:
            at_x += item_width + gap
    return marks


# --- the document --------------------------------------------------------------------------------------


def document(
    *,
    width: int,
    height: int,
    title: str,
    body: Sequence[str],
    description: str = "",
    chart_id: str = "",
    display_width: int | None = None,
) -> SafeString:
    """The ``<svg>`` of a chart: ``role="img"`` named by its ``<title>`` and described by its ``<desc>``
    (``aria-labelledby``/``aria-describedby``, ids from ``chart_id`` or from the content, so two charts on
    a page never share one). Drawn ``display_width`` pixels wide when given, else as wide as its box."""
    content = "".join(body)
    chart_id = (
        chart_id
        or "chart-"
        + hashlib.sha1(  # noqa: S324 - an id, not security
            f"{title}\0{description}\0{content}".encode()
        ).hexdigest()[:10]
    )
    size: dict[str, object] = {}
    if display_width is not None:
        size = {"width": display_width, "height": round(height * display_width / width)}
    opening = attributes(
        xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {width} {height}",
        **size,
        role="img",
        aria_labelledby=f"{chart_id}-title",
        aria_describedby=f"{chart_id}-desc" if description else None,
        font_family=FONT,
        font_size=FONT_SIZE,
        fill=INK,
    )
    parts = [f"<svg{opening}>", element("title", escape(str(title)), id=f"{chart_id}-title")]
    if description:
        parts.append(element("desc", escape(str(description)), id=f"{chart_id}-desc"))
    parts += [content, "</svg>"]
    return mark_safe("".join(parts))  # noqa: S308 - every text in the chart is escaped where it is written
