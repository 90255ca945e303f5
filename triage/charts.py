"""Charts for the annual report, drawn with matplotlib off screen (Agg) as PNG for Word and Excel and as SVG for web
pages.

Chinese labels need a CJK font: the first installed one of ``CJK_FONTS`` is used (Debian's fonts-wqy-microhei is
installed by ``scripts/system-packages.sh``). Without one the charts are still drawn, with a warning, and their
Chinese shows as empty boxes. SVG text is drawn as paths, so a page shows it whatever fonts the reader has.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager  # noqa: E402
from matplotlib import pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

# CJK fonts in order of preference: Debian's WenQuanYi first (what the project installs), then common others.
CJK_FONTS = ("WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
             "SimHei", "Microsoft YaHei", "PingFang SC")
COLOURS = ("#9b1c1c", "#c2410c", "#b45309", "#1d5fa8", "#1e6b3a", "#0f5a73")
MAIN, LIGHT = "#1d5fa8", "#b7c9de"
DPI = 150
NO_CJK_FONT = ("没有找到中文字体（如 fonts-wqy-microhei，可运行 bash scripts/system-packages.sh 安装）："
               "图表中的中文将显示为方框")


@dataclass(frozen=True)
class Chart:
    """One chart in both forms a document needs, with the title it is referred to by."""

    title: str
    png: bytes
    svg: str


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of the first installed CJK font, or ``None`` (with a warning) when there is none."""
    installed = {font.name for font in font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    warnings.warn(NO_CJK_FONT, stacklevel=2)
    return None


@contextmanager
def _style() -> Iterator[None]:
    """Settings every chart is drawn under (text takes its font when it is created, so drawing happens inside).

    Without a CJK font, ``cjk_font`` has warned once; matplotlib's own warning for each missing glyph is dropped.
    """
    font = cjk_font()
    with warnings.catch_warnings(), plt.rc_context({
            "font.family": [font, "DejaVu Sans"] if font else ["DejaVu Sans"], "axes.unicode_minus": False,
            "svg.fonttype": "path", "svg.hashsalt": "triage"}):
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        yield


def _figure(height: float) -> Figure:
    return Figure(figsize=(8, height), dpi=DPI, layout="constrained")


def _render(title: str, figure: Figure) -> Chart:
    png, svg = io.BytesIO(), io.StringIO()
    figure.savefig(png, format="png", dpi=DPI)
    figure.savefig(svg, format="svg")
    text = svg.getvalue()
    return Chart(title, png.getvalue(), text[text.index("<svg"):])


def _tidy(axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)


def horizontal_bars(title: str, labels: Sequence[str], values: Sequence[int], note: str = "") -> Chart:
    """Bars from the top down in the order given, each with its count at its end (theme sizes, sectors)."""
    with _style():
        figure = _figure(max(2.4, 0.42 * len(labels) + 1.2))
        axes = figure.add_subplot()
        positions = range(len(labels))[::-1]
        bars = axes.barh(list(positions), list(values), color=MAIN, height=0.6)
        axes.set_yticks(list(positions), [_short(label) for label in labels])
        axes.bar_label(bars, labels=[str(v) for v in values], padding=3, fontsize=9)
        axes.set_title(title, loc="left", fontsize=12)
        if note:
            axes.set_xlabel(note, fontsize=9)
        axes.margins(x=0.12)
        _tidy(axes)
        return _render(title, figure)


def funnel(title: str, stages: Sequence[tuple[str, int]]) -> Chart:
    """The stage funnel: one centred bar per stage, its count and its share of the first stage."""
    first = stages[0][1] if stages and stages[0][1] else 1
    with _style():
        figure = _figure(0.55 * len(stages) + 1.2)
        axes = figure.add_subplot()
        top = max((count for _, count in stages), default=0) or 1
        positions = list(range(len(stages)))[::-1]
        for y, (position, (_, count)) in zip(positions, enumerate(stages)):
            axes.barh(y, count, left=(top - count) / 2, color=COLOURS[position % len(COLOURS)], height=0.7)
            share = f"（{100 * count / first:.0f}%）" if position else ""
            axes.text((top + count) / 2 + top * 0.01, y, f"{count}{share}", va="center", fontsize=10)
        axes.set_yticks(positions, [name for name, _ in stages])
        axes.tick_params(axis="y", length=0)
        axes.set_xlim(0, top * 1.12)
        axes.set_ylim(-0.6, len(stages) - 0.4)
        axes.set_xticks([])
        for side in ("top", "right", "bottom", "left"):
            axes.spines[side].set_visible(False)
        axes.set_title(title, loc="left", fontsize=12)
        return _render(title, figure)


def monthly(title: str, months: Sequence[str], originals: Sequence[int], reposts: Sequence[int],
            legend: tuple[str, str]) -> Chart:
    """Submissions per month, originals with reposts stacked on top."""
    with _style():
        figure = _figure(3.2)
        axes = figure.add_subplot()
        positions = list(range(len(months)))
        axes.bar(positions, list(originals), color=MAIN, label=legend[0])
        axes.bar(positions, list(reposts), bottom=list(originals), color=LIGHT, label=legend[1])
        axes.set_xticks(positions, list(months))
        for x, (a, b) in enumerate(zip(originals, reposts)):
            if a + b:
                axes.text(x, a + b, str(a + b), ha="center", va="bottom", fontsize=8)
        axes.set_title(title, loc="left", fontsize=12)
        axes.legend(frameon=False, fontsize=9)
        axes.margins(y=0.15)
        _tidy(axes)
        return _render(title, figure)


def _short(label: str, limit: int = 18) -> str:
    return label if len(label) <= limit else label[:limit] + "…"
