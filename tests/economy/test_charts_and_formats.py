import xml.etree.ElementTree as ET

from indsats.economy.charts import (
    cumulative_net_by_payer_svg,
    npv_histogram,
    npv_histogram_svg,
    tornado_svg,
)

SVG = "{http://www.w3.org/2000/svg}"


def small_result():
    years = [
        {"year": t, "cumulative_discounted_net": value} for t, value in enumerate([-500.0, -500.0, -293.39])
    ]
    return {
        "by_year": years,
        "by_payer_by_year": {
            "kommune": [{"year": 0, "cumulative_discounted_net": -900.0}] * 3,
            "stat": [{"year": 0, "cumulative_discounted_net": 400.0}] * 3,
        },
    }


def test_every_chart_is_well_formed_svg_with_a_title_and_role_img():
    charts = [
        cumulative_net_by_payer_svg(small_result()),
        npv_histogram_svg(npv_histogram([-10.0, 5.0, 7.0, 20.0], bins=4), npv=5.0),
        tornado_svg([{"label": "placements: <effekt>", "npv_low": -600.0, "npv_high": 100.0}], npv=-293.39),
    ]
    for svg in charts:
        root = ET.fromstring(svg)  # noqa: S314 - our own output
        assert root.get("role") == "img"
        title = root.find(f"{SVG}title")
        assert title is not None and title.get("id") == root.get("aria-labelledby") and title.text
    assert "&lt;effekt&gt;" in charts[2]  # labels are escaped


def test_the_cumulative_chart_names_each_payers_last_value():
    svg = cumulative_net_by_payer_svg(small_result())
    assert "kommune \u2212900 kr." in svg and "stat 400 kr." in svg and "i alt \u2212293 kr." in svg


def test_the_histogram_keeps_the_counts_of_all_draws():
    histogram = npv_histogram(list(range(-50, 50)), bins=10)
    assert sum(histogram["counts"]) == 100 and len(histogram["edges"]) == 11
