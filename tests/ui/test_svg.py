"""The chart toolkit: nice ticks that cover the data, positions, escaping, the accessible document and a
palette whose colours stand out against white."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET  # noqa: S405 - parses our own SVG
from html import escape

import pytest
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from indsats.ui import svg

SVG = "{http://www.w3.org/2000/svg}"


def _root(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output


def _steps(ticks: list[float]) -> set[float]:
    return {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [
        # worked by hand: the range over `count` steps, rounded up to 1, 2, 2.5 or 5 times a power of ten
        (-1100, 700, [-1500, -1000, -500, 0, 500, 1000]),  # 1800 / 5 = 360 -> 500
        (0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1.0]),  # 0.2
        (0, 10, [0, 2, 4, 6, 8, 10]),  # 2
        (0, 12, [0, 2.5, 5, 7.5, 10, 12.5]),  # 2.4 -> 2.5
        (-0.4, -0.1, [-0.4, -0.3, -0.2, -0.1]),  # a negative range: 0.06 -> 0.1
        (3, 3, [0, 2, 4, 6]),  # zero width: widened to 0..6
        (0, 0, [-1, -0.5, 0, 0.5, 1]),  # zero width at zero: -1..1
        (-2.5e6, 1.2e7, [-5e6, 0, 5e6, 1e7, 1.5e7]),
    ],
)
def test_ticks_are_round_steps_covering_the_data(low, high, expected):
    ticks = svg.nice_ticks(low, high)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= min(low, high) and ticks[-1] >= max(low, high)
    assert len(_steps(ticks)) == 1


def test_counts_get_whole_steps():
    assert svg.nice_ticks(0, 12, 5, integer=True) == [0, 5, 10, 15]
    assert svg.nice_ticks(0, 3, 5, integer=True) == [0, 1, 2, 3]
    assert all(t == int(t) for t in svg.nice_ticks(0, 7, 4, integer=True))


def test_ticks_of_a_range_that_is_not_finite_are_zero_to_one():
    assert svg.nice_ticks(math.nan, 5) == pytest.approx([0, 0.2, 0.4, 0.6, 0.8, 1.0])


def test_reversed_bounds_give_the_same_ticks():
    assert svg.nice_ticks(700, -1100) == svg.nice_ticks(-1100, 700)


def test_tick_labels_write_every_tick_with_the_same_decimals():
    assert svg.tick_decimals([0, 2.5, 5]) == 1
    assert svg.tick_decimals([-0.25, 0, 0.25]) == 2
    assert svg.tick_decimals([0, 500, 1000]) == 0
    with translation.override("da"):
        assert [svg.tick_label([0, 2.5, 5])(t) for t in (0, 2.5, -5)] == ["0,0", "2,5", "\u22125,0"]


def test_a_scale_maps_the_ticks_onto_pixels_and_clamps_when_asked():
    y = svg.Scale.over([0, 10], 300, 20)  # upwards
    assert (y(0), y(5), y(10)) == (300, 160, 20)
    x = svg.Scale.over([-1, 1], 100, 300, clamp=True)
    assert (x(-5), x(0), x(5)) == (100, 200, 300)


def test_every_series_colour_has_3_to_1_contrast_against_white():
    # WCAG 2.2, 1.4.11: graphical objects need 3:1 against what is next to them
    for colour in svg.PALETTE:
        assert svg.contrast_ratio(colour, svg.PAPER) >= 3.0, colour
    assert svg.contrast_ratio(svg.INK, svg.PAPER) >= 4.5  # text
    # the worked example of the WCAG definition: black on white is 21:1
    assert svg.contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)


def test_the_document_is_an_image_named_by_its_title_and_described_by_its_desc():
    document = svg.document(
        width=200,
        height=100,
        title='Kroner <"i alt">',
        description="Tallene står i tabellen & under grafen.",
        body=[svg.text(10, 20, "<b>fed</b>")],
    )
    root = _root(document)
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert root.get("role") == "img" and root.get("viewBox") == "0 0 200 100"
    assert title is not None and title.get("id") == root.get("aria-labelledby")
    assert title.text == 'Kroner <"i alt">'
    assert desc is not None and desc.get("id") == root.get("aria-describedby")
    assert "<b>" not in document and root.find(f"{SVG}text").text == "<b>fed</b>"
    assert "style=" not in document and "<script" not in document


def test_two_different_charts_never_share_an_id_and_a_given_id_is_kept():
    first = svg.document(width=10, height=10, title="A", body=[])
    second = svg.document(width=10, height=10, title="B", body=[])
    assert _root(first).get("aria-labelledby") != _root(second).get("aria-labelledby")
    named = svg.document(width=10, height=10, title="A", body=[], chart_id="r1-tornado")
    assert 'aria-labelledby="r1-tornado-title"' in named


def test_a_fixed_display_width_keeps_the_aspect_ratio():
    root = _root(svg.document(width=640, height=320, title="A", body=[], display_width=760))
    assert (root.get("width"), root.get("height")) == ("760", "380")


def test_the_legend_wraps_before_the_right_edge():
    keys = [svg.Key("Fase 0: Screening og afklaring", svg.SKY)] * 4
    marks = svg.legend(keys, x=50, y=300, right=600)  # two keys (about 236 px each) fit in a row
    baselines = {_root(mark).get("y") for mark in marks if mark.startswith("<text")}
    assert len(baselines) == 2


def test_labels_are_shortened_with_an_ellipsis():
    assert svg.shorten("Indsats med et meget langt navn", 12) == "Indsats med…"
    assert svg.shorten("Kort", 12) == "Kort"


def test_attributes_write_what_escaping_every_value_wrote():
    """attributes() leaves numbers unescaped and converts each name once: the same text as escaping every
    value and converting every name each time."""

    def as_before(**values: object) -> str:
        written = []
        for name, value in values.items():
            if value is None or value is False:
                continue
            if isinstance(value, float):
                value = svg.coordinate(value)
            written.append(f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"')
        return "".join(written)

    samples: list[object] = [
        None,
        False,
        True,
        0,
        -3,
        12,
        10**9,
        0.0,
        -0.001,
        2.5,
        1e6 / 3,
        -7.125,
        "",
        "a<b>&\"'",
    ]
    samples += ["#0059b3", "8 4", "Kommune & region", 3.14159, -0.004999]
    # whole floats (written without rounding), strings escaped once and kept or too long to keep, a str
    # subclass and a lazy translation (escaped as str() writes them)
    samples += [70.0, -0.0, 1e15, -1e15, 1e16, 2.0**53, 1e300, math.inf, -math.inf, math.nan, 0.005]
    samples += ["<" * 41, "x" * 40 + "&", mark_safe("<b>"), gettext_lazy("År"), ' a"b ']
    for value in samples:
        for name in ("x", "stroke_width", "class_", "aria_labelledby", "viewBox", "font_size"):
            for _twice in range(2):  # the second time from what was kept
                assert svg.attributes(**{name: value}) == as_before(**{name: value}), (name, value)
    assert svg.attributes(x=1.0, y=2, fill="<", stroke_dasharray=None) == as_before(
        x=1.0, y=2, fill="<", stroke_dasharray=None
    )


@pytest.mark.parametrize(
    "x, y, width, height",
    [(50.0, 20.0, 42.5, 0.0), (12.345, -0.001, 7, 300.129), (0, 1e-9, 33.333333, 120.5)],
)
def test_a_rect_is_what_element_writes(x, y, width, height):
    fill = '#a"b<c'
    for stroke_width in (0.5, 2):
        expected = svg.element(
            "rect",
            x=x,
            y=y,
            width=width,
            height=height,
            fill=fill,
            stroke=svg.PAPER,
            stroke_width=stroke_width,
        )
        assert (
            svg.rect(x, y, width, height, fill=fill, stroke=svg.PAPER, stroke_width=stroke_width) == expected
        )


@pytest.mark.parametrize(
    "value",
    [
        0.0,
        -0.0,
        1.0,
        -1.0,
        70.0,
        112.5,
        0.004,
        -0.004,
        0.005,
        2.675,
        1e14,
        1e15 - 1,
        1e15,
        -1e15,
        1e16,
        2.0**53 + 2,
        1e300,
        math.inf,
        -math.inf,
        math.nan,
        12,
        -3,
        0,
    ],
)
def test_a_coordinate_is_the_number_rounded_to_two_decimals(value):
    """coordinate() writes a whole number at once: the same text as rounding to two decimals."""
    written = f"{value:.2f}".rstrip("0").rstrip(".")
    assert svg.coordinate(value) == ("0" if written == "-0" else written)
