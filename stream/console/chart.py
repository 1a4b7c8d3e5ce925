"""Server-side SVG charts: the geometry of stacked bars, which a template draws. No script, no
inline style (the CSP forbids both): colours are SVG presentation attributes."""
from __future__ import annotations

PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
           "#9c755f", "#bab0ac", "#1b9e77", "#d95f02", "#7570b3")
WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 760, 240, 64, 28, 10


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def stacked_bars(columns: list[str], series: list[str], values: dict[tuple[str, str], int], label) -> dict:
    """columns: x labels (days); series: stacked parts (rules); values[(column, series)]; label(v): text."""
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    totals = [sum(values.get((c, s), 0) for s in series) for c in columns]
    top = max(totals, default=0) or 1
    slot = plot_w / max(len(columns), 1)
    bars, xlabels = [], []
    every = max(1, len(columns) // 12)                     # at most about 12 day labels
    for i, column in enumerate(columns):
        x, y = LEFT + i * slot + slot * 0.1, TOP + plot_h
        for k, name in enumerate(series):
            v = values.get((column, name), 0)
            if v <= 0:
                continue
            h = plot_h * v / top
            y -= h
            bars.append({"x": round(x, 1), "y": round(y, 1), "w": round(slot * 0.8, 1), "h": round(h, 1),
                         "fill": colour(k), "title": f"{column} {name}: {label(v)}"})
        if i % every == 0:
            xlabels.append({"x": round(LEFT + i * slot + slot / 2, 1), "text": column[5:]})
    yticks = [{"y": round(TOP + plot_h - plot_h * f, 1), "text": label(round(top * f))} for f in (0, 0.5, 1)]
    legend = [{"name": name, "fill": colour(k)} for k, name in enumerate(series)]
    return {"width": WIDTH, "height": HEIGHT, "left": LEFT, "base": TOP + plot_h, "bars": bars, "xlabels": xlabels,
            "yticks": yticks, "legend": legend, "empty": not any(totals)}
