"""The bulletin's chart, drawn by matplotlib with a Chinese font and embedded as SVG."""

from __future__ import annotations

import io
from decimal import Decimal
from functools import cache

from orchestration.bulletin import labels

# Debian's fonts-wqy-zenhei (`make browser` installs it): the same font the PDF is set in.
CHINESE_FONT = "WenQuanYi Zen Hei"
_LINE_STYLES = {"critical": ("#c0392b", "不足"), "low": ("#e67e22", "偏低"), "excess": ("#2980b9", "過多")}


@cache
def _pyplot():
    """pyplot on the Agg backend with the Chinese font; a clear error when the font is missing
    (matplotlib would draw empty boxes instead of the characters)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import font_manager, pyplot

    matplotlib.rcParams.update({
        "font.family": CHINESE_FONT,
        # The font's one weight, which matplotlib reads as 500 (medium), everywhere.
        "font.weight": 500, "axes.labelweight": 500, "axes.titleweight": 500,
        "axes.unicode_minus": False,  # the font has no U+2212 minus sign
        "svg.fonttype": "path",  # text as outlines: the SVG needs no font where it is shown
        "svg.hashsalt": "yibao-bulletin",  # the same data draws the same file
    })
    try:
        font_manager.findfont(font_manager.FontProperties(), fallback_to_default=False)
    except ValueError as missing:
        raise RuntimeError(f"the font {CHINESE_FONT} is missing: install Debian's fonts-wqy-zenhei "
                           "(`make browser`)") from missing
    return pyplot


def payable_months_chart(trend: list[tuple], thresholds: dict[str, Decimal]) -> str:
    """Payable months per fund over the months of `trend` ((month, fund_code, balance, payable
    months, status) rows), with the warning lines; an SVG document."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=(6.3, 2.6), dpi=100)
    for fund in labels.FUND_ORDER:
        points = [(month, float(payable)) for month, code, _, payable, _ in trend
                  if code == fund and payable is not None]
        if points:
            axes.plot([m.strftime("%Y-%m") for m, _ in points], [v for _, v in points], marker="o",
                      markersize=3, linewidth=1.5, label=labels.FUNDS[fund])
    for key, (colour, name) in _LINE_STYLES.items():
        level = float(thresholds[key])
        axes.axhline(level, color=colour, linestyle="--", linewidth=0.8)
        axes.annotate(f"{name} {level:g}", xy=(1, level), xycoords=("axes fraction", "data"), xytext=(2, 0),
                      textcoords="offset points", va="center", fontsize=7, color=colour)
    axes.set_ylabel("可支付月數（月）", fontsize=8)
    axes.tick_params(labelsize=7)
    axes.tick_params(axis="x", labelrotation=45)
    axes.grid(axis="y", linewidth=0.3)
    axes.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0, 1), frameon=False, ncols=3)
    axes.set_ylim(bottom=0)
    figure.tight_layout()
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(figure)
    svg = buffer.getvalue()
    return svg[svg.index("<svg"):]  # inline in HTML: without the XML declaration and doctype
