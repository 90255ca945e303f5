"""Charts for the annual report: PNG and SVG with Chinese drawn in a CJK font, or a warning when there is none."""
from __future__ import annotations

import pytest

from triage import charts


def test_a_chart_comes_as_png_and_svg_in_the_cjk_font():
    chart = charts.horizontal_bars("各领域意见数", ["养老服务", "城市更新"], [4, 2])
    assert chart.png.startswith(b"\x89PNG") and chart.svg.startswith("<svg")
    assert "<text" not in chart.svg  # text drawn as paths: a page shows it whatever fonts the reader has
    if charts.cjk_font() is None:
        pytest.skip("no CJK font installed (bash scripts/system-packages.sh)")
    assert charts.cjk_font() in charts.CJK_FONTS


def test_without_a_cjk_font_charts_are_still_drawn_with_a_warning(monkeypatch):
    monkeypatch.setattr(charts, "CJK_FONTS", ("没有这种字体",))
    charts.cjk_font.cache_clear()
    try:
        with pytest.warns(UserWarning, match="没有找到中文字体"):
            chart = charts.funnel("漏斗", [("提交意见", 3), ("已采纳", 1)])
        assert chart.png.startswith(b"\x89PNG")
    finally:
        charts.cjk_font.cache_clear()
