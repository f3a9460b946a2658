"""The legend's room, reserved before Plotly draws (dashboard.legend_room). Text widths are
checked against what chromium measured here for the charts' font at 12 px (canvas measureText
and the legend's own SVG text boxes, Liberation Sans); the browser check that no chart is drawn
twice is tests/e2e/test_chart_margins.py."""
from __future__ import annotations

import pytest

from dashboard.content.charts import legend_room
from dashboard.content.charts.theme import figure

# text -> width in px chromium drew it at 12 px (legend entries of the dashboard's charts)
MEASURED_12PX = {"Step-3": 36, "DeepSeek-V3": 75, "Qwen3-235B-A22B": 103, "ridge point": 57,
                 "Attention: KV reads + core math": 170, "F→A: BF16 outputs": 105,
                 "Attention: fixed per-layer overhead (launches, AFD side)": 298,
                 "sweet spot: ridge/2 to ridge": 144}


@pytest.mark.parametrize("text", MEASURED_12PX)
def test_text_widths_err_a_little_wide(text):
    """Never narrower than drawn (a legend estimated too narrow costs a second draw), at most
    12% wider (too wide wastes rows of white space)."""
    measured = MEASURED_12PX[text]  # rounded to a whole px
    assert measured - 0.5 <= legend_room.text_width(text, 12) <= 1.12 * measured


def test_markup_is_not_counted():
    assert legend_room.text_width("<b>Step-3</b>", 12) == legend_room.text_width("Step-3", 12)


def _lines(names, **trace):
    return [{"type": "scatter", "name": n, "x": [1, 2], "y": [1, 2], **trace} for n in names]


def test_a_legend_under_the_plot_gets_rows_of_room_in_the_bottom_margin():
    """Three short entries fit one row (31 px drawn); the six AFD parts wrap into three rows
    of two (69 px drawn, the AFD balance chart at 1040 px)."""
    afd = ["Attention: KV reads + core math", "Attention: projections (weights + GEMMs)",
           "Attention: fixed per-layer overhead (launches, AFD side)", "A→F: FP8 activations + scales + routing",
           "F→A: BF16 outputs", "FFN: experts (FLOPs vs weight reads)"]
    below = {"orientation": "h", "y": -0.3, "x": 0}
    one = figure(_lines(["Step-3", "DeepSeek-V3", "Qwen3-235B-A22B"]), {"legend": below, "height": 460})["layout"]
    three = figure(_lines(afd), {"legend": {**below, "title": {"text": "Part "}}, "height": 440,
                                 "margin": {"l": 180, "r": 110, "t": 80, "b": 60}})["layout"]
    axis = legend_room.X_AXIS_BLOCK + legend_room.PAD
    assert one["margin"]["b"] - axis >= 31 and three["margin"]["b"] - axis >= 69
    assert three["margin"]["b"] - axis < 69 + 20  # not a fourth row
    # the legend hangs just under the x axis: X_AXIS_BLOCK px under the plot, in plot fractions
    plot_height = 460 - one["margin"]["t"] - one["margin"]["b"]
    assert one["legend"]["y"] == pytest.approx(-legend_room.X_AXIS_BLOCK / plot_height)
    assert one["legend"]["yanchor"] == "top"


def test_grouped_entries_stack_in_their_group():
    """With legend groups Plotly stacks a group's entries: two groups of two are two rows."""
    data = _lines(["best", "best at the paper's ratio"], legendgroup="best") + \
        _lines(["pinned", "pinned ratio"], legendgroup="pinned")
    grouped = figure(data, {"legend": {"orientation": "h", "y": -0.2, "x": 0}})["layout"]
    flat = figure(_lines(["best", "best at the paper's ratio", "pinned", "pinned ratio"]),
                  {"legend": {"orientation": "h", "y": -0.2, "x": 0}})["layout"]
    assert grouped["margin"]["b"] > flat["margin"]["b"]


def test_a_legend_right_of_the_plot_gets_its_width_in_the_right_margin():
    names = ["H800 · ridge 591 FLOPs/byte", "H20 · ridge 74 FLOPs/byte"]
    right = figure(_lines(names), {})["layout"]
    widest = max(legend_room.text_width(n, 12) for n in names) + legend_room.TEXT_GAP
    assert right["margin"]["r"] >= widest


@pytest.mark.parametrize("names, layout", [(["a", "b"], {"showlegend": False}), (["only one"], {})])
def test_a_chart_without_a_legend_is_left_as_it_is(names, layout):
    given = {**layout, "height": 400, "legend": {"orientation": "h", "y": -0.2}}
    assert legend_room.reserve(_lines(names), given) is given


def test_slanted_ticks_and_side_labels_get_room():
    names = ["DeepSeek-V3", "ERNIE 4.5 300B-A47B"]
    assert legend_room.slanted_ticks_bottom(names) > legend_room.slanted_ticks_bottom(["V3"])
    assert legend_room.labels_left(names) > legend_room.text_width("ERNIE 4.5 300B-A47B", 13)
