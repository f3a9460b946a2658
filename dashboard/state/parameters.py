"""The URL's parameters: every query parameter an input of the dashboard reads (widget key =
parameter), derived from the inputs' declarations and the page registry, and the one the
server adds to a link it had to cut (``LEFT_OUT``). The link checks (``dashboard.widgets.
link_checks``) name any other parameter as unknown; the link guard (``dashboard.server``) keeps
only these when it cuts a link too long for Streamlit. No Streamlit here."""
from __future__ import annotations

from costmodel.chips import CHIP_FIELDS, Chip
from costmodel.fields import Quantity

from dashboard import pages
from dashboard.state import baseline, codesign_inputs, link_records
from dashboard.state.scenario import AFD_RATIO, AFD_RECORDS, AFD_SPECS, DEPLOY_POINT, DEPLOY_SPECS, SERVE_SPECS

LEFT_OUT = "left_out"  # [how many parameters a cut link left out, the first few of their names]
NAMED = 5  # unknown parameters named in the link's warning; the rest counted

COMPARE_KEYS = ("cmp_saved",)  # the Compare page's saved scenarios
SIDEBAR_KEYS = ("models", "chips", "ctx", "batch", "kv", "weights", "sweep_from", "sweep_to", "axis", "edit")
AFD_PREFIX, DEPLOY_PREFIX, SERVE_PREFIX = "afd_", "dep_", "srv_"
AFD_RATIO_KEYS = tuple(AFD_PREFIX + key for key in AFD_RATIO)
AFD_KEYS = (*(AFD_PREFIX + key for key in (*AFD_RECORDS, *AFD_SPECS, "objective", "chip_pairs")), *AFD_RATIO_KEYS)
DEPLOY_KEYS = tuple(DEPLOY_PREFIX + key for key in (*DEPLOY_SPECS, *DEPLOY_POINT))
SERVE_KEYS = tuple(SERVE_PREFIX + key for key in SERVE_SPECS)
SLIDER_FIELDS = tuple(spec for spec in CHIP_FIELDS if spec.editable)  # every chip field a slider may set


def slider_specs(chip: Chip) -> list[Quantity]:
    """The chip's sliders: every editable field it has (every compute format it declares:
    BF16, FP8, INT8, FP4; memory, network, scale-up, price), in declaration order."""
    return [spec for spec in SLIDER_FIELDS if getattr(chip, spec.name) is not None]


def slider_key(chip: Chip, spec: Quantity) -> str:
    """Widget key and URL query parameter of a chip slider, e.g. 'h800_hbm_tbps'."""
    return f"{chip.slug}_{spec.key}"


def known_parameters(chips: dict) -> set[str]:
    """Every URL parameter an input of the dashboard reads: the sidebar's, every known chip's
    sliders (``chips``: by slug), the pages' tabs and inputs, the custom records a link carries."""
    return {*SIDEBAR_KEYS, *pages.TAB_KEYS, *codesign_inputs.URL_KEYS, *AFD_KEYS, *DEPLOY_KEYS, *SERVE_KEYS, *COMPARE_KEYS,
            link_records.KEY, baseline.KEY,
            *(slider_key(chip, spec) for chip in chips.values() for spec in slider_specs(chip))}
