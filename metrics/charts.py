"""Server-side SVG charts (pygal, no script: ``js=[]``), drawn from the same
payload as the tables beside them, after the k rule."""

from __future__ import annotations

import re
from datetime import date

import pygal
from pygal.style import Style

_SCRIPT = re.compile(rb"<script\b.*?</script>", re.S)
CHARTS = ("durations", "touch", "load", "sentiment", "comparison")
STYLE = Style(background="white", plot_background="white", foreground="#1f2933", foreground_strong="#1f2933",
              foreground_subtle="#52606d", colors=("#1d4ed8", "#b45309", "#047857", "#7c3aed"),
              font_family="system-ui, sans-serif", no_data_font_size=18)


def _config(title: str, k: int, **overrides) -> dict:
    return {"js": [], "style": STYLE, "title": title, "width": 640, "height": 320, "show_legend": True,
            "legend_at_bottom": True, "no_data_text": f"No data, or fewer than {k} people",
            "print_values": False, "disable_xml_declaration": False} | overrides


def _bars(title, fig, key, count, k):
    chart = pygal.Bar(**_config(title, k, show_legend=False))
    if fig.get("suppressed") or not any(b[count] for b in fig.get(key, [])):
        return chart
    chart.x_labels = [b["label"] for b in fig[key]]
    chart.add(title, [b[count] for b in fig[key]])
    return chart


def chart_svg(name: str, payload: dict, k: int) -> bytes:
    if name == "durations":
        chart = _bars("Logged sessions by length (minutes)", payload["micro_outcome"], "durations", "sessions", k)
    elif name == "touch":
        chart = _bars("Mentee-weeks by sessions held", payload["touch"], "distribution", "mentee_weeks", k)
    elif name == "load":
        chart = _bars("Mentors by sessions per week", payload["mentor_load"], "distribution", "mentors", k)
    elif name == "sentiment":
        chart = pygal.Line(**_config("Mean usefulness by week (1–5)", k, range=(1, 5), show_legend=False,
                                   x_label_rotation=30, allow_interruptions=True))
        sent = payload["sentiment"]
        if not sent.get("suppressed") and sent.get("trend"):
            chart.x_labels = [date.fromordinal(t["week"]).strftime("%d %b") for t in sent["trend"]]
            chart.add("Mean usefulness", [None if t.get("suppressed") else round(t["mean"], 2)
                                          for t in sent["trend"]])
    elif name == "comparison":
        chart = pygal.Bar(**_config("Median ramp time (days): participants vs comparison", k))
        block = payload["comparison"]["ramp_days"]
        sides = [block.get("participants", {}), block.get("comparison", {})]
        if not any(s.get("suppressed") for s in sides) and all(s.get("median") is not None for s in sides):
            chart.x_labels = ["Median ramp time"]
            chart.add(f"Participants (n {sides[0]['n']})", [sides[0]["median"]])
            chart.add(f"Comparison (n {sides[1]['n']})", [sides[1]["median"]])
    else:
        raise KeyError(name)
    # With js=[] pygal still writes its config in a <script>; nothing reads it: drop it.
    return _SCRIPT.sub(b"", chart.render())
