"""The server-side SVG charts: valid SVG, labelled for screen readers, legends in text, data escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from app import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))  # noqa: S314 - our own output, not untrusted input


def texts(root: ET.Element) -> list[str]:
    return [el.text or "" for el in root.iter(f"{SVG}text")]


def test_forecast_chart_is_labelled_and_has_every_part() -> None:
    start = date(2025, 6, 1)
    history_dates = [start + timedelta(days=i) for i in range(28)]
    forecast_dates = [start + timedelta(days=28 + i) for i in range(14)]
    svg = charts.forecast_chart(
        chart_id="f1",
        title="Daily sales and forecast: Tea & <Honey>",
        desc="Summary with numbers.",
        history_dates=history_dates,
        history=[float(i % 7) for i in range(28)],
        forecast_dates=forecast_dates,
        forecast=[3.0] * 14,
        lower=[1.0] * 14,
        upper=[5.5] * 14,
    )

    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "f1-title f1-desc"
    assert root.find(f"{SVG}title").text == "Daily sales and forecast: Tea & <Honey>"  # escaped in the markup
    assert "&lt;Honey&gt;" in str(svg)
    assert root.find(f"{SVG}desc").text == "Summary with numbers."
    classes = {el.get("class") for el in root.iter()}
    assert {"chart__history", "chart__forecast", "chart__band", "chart__today"} <= classes
    labels = texts(root)
    assert {"Sold per day", "Forecast", "80% interval", "Today"} <= set(labels)
    assert "0" in labels and "Units per day" in labels  # y axis ticks and title
    assert "01 Jun" in labels  # x axis dates


def test_bar_chart_has_one_bar_per_period_with_its_value() -> None:
    svg = charts.bar_chart(
        charts.ChartData(
            chart_id="rev",
            title="Revenue per week",
            desc="Revenue per week.",
            labels=["W1", "W2", "W3"],
            values=[10.0, 0.0, 25.5],
            value_format=lambda v: f"${v:,.2f}",
        ),
        legend="Revenue per week",
    )
    root = parse(svg)
    bars = [el for el in root.iter(f"{SVG}rect") if el.get("class") == "chart__bar"]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["W1: $10.00", "W2: $0.00", "W3: $25.50"]
    assert float(bars[1].get("height")) == 0.0
    assert float(bars[2].get("height")) > float(bars[0].get("height"))


def test_share_chart_writes_values_and_shares() -> None:
    root = parse(
        charts.share_chart(charts.ChartData("cat", "By category", "d", labels=["Coffee", "Tea"], values=[75.0, 25.0]))
    )
    assert {"Coffee", "Tea", "75 (75%)", "25 (25%)"} <= set(texts(root))


def test_empty_charts_say_so() -> None:
    root = parse(charts.bar_chart(charts.ChartData("e", "Nothing", "d", labels=[], values=[])))
    assert "Nothing to show for this period." in texts(root)


def test_nice_ticks() -> None:
    assert charts.nice_ticks(0, 9.3) == [0, 2, 4, 6, 8, 10]
    assert charts.nice_ticks(0, 1234) == [0, 250, 500, 750, 1000, 1250]
    assert charts.nice_ticks(0, 0) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]
