"""The co-design explorer: the attention design space of a model body against every chip's
ridge, what a chip wants from a model, and what a model wants from a chip.

- Page inputs (``CodesignInputs`` in ``dashboard.codesign_inputs``, each field declared once:
  label, range, URL key; carried by the Scenario as ``codesign``): the base model, the
  attention family of the plane (MFA, GQA, MLA), the plane's fixed dimension (head dim; MLA:
  RoPE dim), KV precision, tokens per decode step (MTP) and the tokens accepted of them
  (default: the published acceptance), the chip the chip and model views look at, and the
  price of the iso-cost view. Context, chips, KV and weight precision of the "model" views
  come from the sidebar's Scenario.
- Compute: ``costmodel.design_space.design_grid`` over the whole space of the base (x, y, the
  fixed dimension's options, KV bits 16/8/4, 1-4 tokens per step) for the selected chips in one
  vectorized call, memoized (lru_cache) on frozen inputs; a plane is a slice of it, so the
  dimension, precision and MTP inputs only slice. Sensitivities use ``cost_grid`` (attention,
  FFN) and ``costmodel.afd_search.search`` (the AFD plan at the SLA); chip pairs the AFD page's search.
- ``codesign_view(scenario, inputs)``: the page's PageContent (charts and tables, built on first
  access) and what the page shows beside it; ``codesign_page(scenario)`` the same for the
  scenario's own co-design inputs, for the report (``figures.PAGES``).
- Widgets (Streamlit, imported where drawn): ``inputs(scenario)`` above the tabs, every value
  bound to the URL and checked by ``dashboard.url`` before its widget; ``save_design`` sends a
  design to the user library as a custom model, selectable on every page.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from costmodel import __version__, cost_grid, escape
from costmodel.chips import Chip, editable_specs
from costmodel.cost import SECONDS_PER_HOUR, TOKENS_PER_UNIT, attention_usd
from costmodel.design_space import (FAMILY_LABELS, MTP_ACCEPTED, DesignGrid, base_design, design_grid,
                                    design_model, equivalent, family_of, own_family)
from costmodel.errors import InputError
from costmodel.fields import declared
from costmodel.model import ModelSpec
from costmodel.paper import PAPER_MODELS
from costmodel.results import ATTENTION_USD_PER_MTOK, TOTAL_USD_PER_MTOK, USD_PER_MTOK

from dashboard.content import compute, labels, ranking
from dashboard.content.afd import afd_pairs_table
from dashboard.content.charts import codesign as charts
from dashboard.content.page import Lazy, PageContent, page_content
from dashboard.state.codesign_inputs import KV_BITS, TOKENS_PER_STEP, CodesignInputs
from dashboard.state.scenario import Scenario

PAGE = "co-design"
cache = functools.lru_cache(maxsize=64)

# --- the design space shown --------------------------------------------------------------------
Q_PER_KV = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
N_KV = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64)
HEAD_DIMS = (64, 96, 128, 192, 256)
LATENT = (64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048)
HEADS = (4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
ROPE = (32, 64, 128)
MAX_QUERY_HEADS = 512  # designs with more query heads (than this or the base's) are left out
# family -> (x, y, fixed dimension): (parameter, axis title, values)
PLANES = {
    "mfa": (("q_per_kv", "Query heads per KV head (count)", Q_PER_KV), ("n_kv", "KV heads (count)", N_KV),
            ("head_dim", "Head dim", HEAD_DIMS)),
    "gqa": (("q_per_kv", "Query heads per KV head (count)", Q_PER_KV), ("n_kv", "KV heads (count)", N_KV),
            ("head_dim", "Head dim", HEAD_DIMS)),
    "mla": (("kv_lora_rank", "KV latent rank (elements)", LATENT), ("n_heads", "Query heads (count)", HEADS),
            ("qk_rope_dim", "RoPE dim", ROPE)),
}
PARAM_LABELS = {"q_per_kv": "query heads per KV head", "n_kv": "KV heads", "head_dim": "head dim",
                "q_lora_rank": "query low rank", "n_heads": "query heads", "kv_lora_rank": "KV latent rank",
                "qk_rope_dim": "RoPE dim", "n_q": "query heads", "kv_bits": "KV bits",
                "tokens_per_step": "tokens per step"}
PERTURBATIONS = (-50, -10, 10, 50)  # % change of each chip spec in the tornado
PARTS = ("attention", "FFN", "AFD")
OBJECTIVE = "usd_per_mtok"  # the AFD search ranks plans by cost here
ASSUMPTIONS = (
    "Multi-token prediction: the T tokens of a decode step attend to the same cache, read once for all of them, and "
    "a of them are accepted (the published acceptance for T unless set); per decoded token the KV bytes read are "
    "1/a of a step's, the FLOPs T/a of one token's (intensity x T), and the MTP layer drafts T - 1 tokens at its own "
    "cost. KV precision is storage only (low-bit storage, high-bit compute): FLOPs are priced in the "
    "chip's compute format for the weights. Context one GPU holds: HBM minus the attention projections, embedding "
    "and LM head at the weight precision (one GPU of an AFD attention instance, dp layout; FFN weights on the FFN "
    "instances; no activation reserve), over the KV bytes cached per context token.")


SPECS = declared(CodesignInputs)


# --- what the inputs resolve to ------------------------------------------------------------------
def axes_of(base: ModelSpec, family: str, dim: int) -> tuple[tuple, tuple, tuple]:
    """(x values, y values, fixed-dimension values) of ``family``'s plane for ``base``: the
    standard ones with the base's own values added (so its own design is a cell)."""
    own = base_design(base, family)
    (x, _, xs), (y, _, ys), (t, _, ts) = PLANES[family]
    return (tuple(sorted({*xs, own[x]})), tuple(sorted({*ys, own[y]})), tuple(sorted({*ts, own[t], dim})))


def dim_options(base: ModelSpec, family: str) -> tuple[int, ...]:
    """The fixed dimension's options: the standard ones and the base's own."""
    name, _, options = PLANES[family][2]
    return tuple(sorted({*options, base_design(base, family)[name]}))


def own_dim(base: ModelSpec, family: str) -> int:
    return base_design(base, family)[PLANES[family][2][0]]


@cache
def full_grid(base: ModelSpec, family: str, chips: tuple, context: int, weight_dtype: str, dim: int,
              mtp_accept: float | None = None) -> DesignGrid:
    """The whole design space of ``base`` in ``family`` (x, y, fixed dimension, KV bits,
    tokens per step) on ``chips``, ``mtp_accept`` tokens accepted per step (None: the published
    acceptance): one vectorized call."""
    (x, _, _), (y, _, _), (t, _, _) = PLANES[family]
    xs, ys, ts = axes_of(base, family, dim)
    return design_grid(base, chips, context, family, {x: xs, y: ys, t: ts, "kv_bits": KV_BITS,
                                                       "tokens_per_step": TOKENS_PER_STEP}, weight_dtype,
                       mtp_accept=mtp_accept)


def valid_designs(grid: DesignGrid) -> np.ndarray:
    """Designs shown: at most MAX_QUERY_HEADS query heads (or the base's own count)."""
    return _query_heads(grid) <= max(MAX_QUERY_HEADS, _own_query_heads(grid.model, grid.family))


def _own_query_heads(model: ModelSpec, family: str) -> int:
    v = base_design(model, family)
    return v["q_per_kv"] * v["n_kv"] if "q_per_kv" in v else v["n_heads"]


def _query_heads(grid: DesignGrid) -> np.ndarray:
    return np.broadcast_to(grid.values["n_q" if "n_q" in grid.values else "n_heads"], grid.shape)


def design_label(family: str, p: dict) -> str:
    """'MFA 64q/1kv x 256' or 'MLA 128h, latent 512+64'."""
    if family == "mla":
        return f"MLA {p['n_heads']}h, latent {p['kv_lora_rank']}+{p['qk_rope_dim']}"
    return f"{FAMILY_LABELS[family]} {p['q_per_kv'] * p['n_kv']}q/{p['n_kv']}kv x {p['head_dim']}"


def attention_label(attn) -> str:
    """A model's own attention in words (the shapes the paper compares)."""
    family = family_of(attn)
    if family == "mla":
        return design_label("mla", {f: getattr(attn, f) for f in ("n_heads", "kv_lora_rank", "qk_rope_dim")})
    if family in ("gqa", "mfa"):
        return design_label(family, {"q_per_kv": attn.n_q // attn.n_kv, "n_kv": attn.n_kv, "head_dim": attn.head_dim})
    return attn.label


def design_slug(base: ModelSpec, family: str, p: dict) -> str:
    """'step-3-gqa-8x4-d128' (query heads per KV head x KV heads, head dim), 'deepseek-v3-mla-
    128h-r512-rope64'; '-kv4' / '-kv16' when the KV is not 8-bit; at most 64 characters."""
    if family == "mla":
        tail = f"-mla-{p['n_heads']}h-r{p['kv_lora_rank']}-rope{p['qk_rope_dim']}"
    else:
        tail = f"-{family}-{p['q_per_kv']}x{p['n_kv']}-d{p['head_dim']}"
    if p.get("kv_bits", 8) not in (8, 0):
        tail += f"-kv{p['kv_bits']}"
    return base.slug[:64 - len(tail)].rstrip("-._") + tail


@dataclass(frozen=True)
class Resolved:
    """The inputs resolved against the scenario: specs, the family and dimension in use."""

    base: ModelSpec
    family: str
    dim: int
    kv_bits: int
    tokens_per_step: int
    mtp_accept: float | None  # accepted tokens per step (None: the published acceptance)
    chips: tuple  # the sidebar's chips (with slider changes): the plane's panels
    chip: Chip  # the chip of the chip and model views
    price: float  # of the iso-cost view
    context: int
    weight_dtype: str
    kv_dtype: str | None  # the sidebar's, for the model views

    @property
    def accepted(self) -> float:
        """Tokens accepted per step at the plane's tokens per step (as ``design_grid`` takes them)."""
        if self.mtp_accept is None:
            return MTP_ACCEPTED.get(self.tokens_per_step, float(self.tokens_per_step))
        return min(self.mtp_accept, float(self.tokens_per_step))


def resolve(scenario: Scenario, inputs: CodesignInputs) -> Resolved:
    known = scenario.known_models()
    if inputs.base not in known:
        raise InputError("co-design base model", f"unknown model {inputs.base!r}")
    base = known[inputs.base]
    family = inputs.family or own_family(base)
    dim = inputs.dim if inputs.dim is not None else own_dim(base, family)
    chip_slug = inputs.chip or scenario.chips[0]
    if chip_slug not in scenario.known_chips():
        raise InputError("co-design chip", f"unknown chip {chip_slug!r}")
    chip = scenario.chip_spec(chip_slug)
    price = inputs.price_usd_per_hour or chip.price_usd_per_hour
    return Resolved(base, family, int(dim), inputs.kv_bits, inputs.tokens_per_step, inputs.mtp_accept,
                    scenario.chip_specs(), chip,
                    float(price), scenario.context, scenario.weight_dtype, scenario.kv_dtype)


def _what(r: Resolved) -> str:
    name = PARAM_LABELS[PLANES[r.family][2][0]]
    return (f"{escape.plotly(r.base.name)} body, {FAMILY_LABELS[r.family]} with {name} {r.dim}, {r.kv_bits}-bit KV, "
            f"{r.tokens_per_step} token{'s' if r.tokens_per_step > 1 else ''} per step"
            + (f" ({r.accepted:g} accepted)" if r.tokens_per_step > 1 else "") + f", {labels.tokens(r.context)} context")


# --- the plane ------------------------------------------------------------------------------------
def _slice(r: Resolved) -> tuple:
    """Index of the plane (fixed dimension, KV bits, tokens per step) in the full grid."""
    xs, ys, ts = axes_of(r.base, r.family, r.dim)
    return (slice(None), slice(None), ts.index(r.dim), KV_BITS.index(r.kv_bits), TOKENS_PER_STEP.index(r.tokens_per_step))


def reference_models(scenario: Scenario, base: ModelSpec) -> list[tuple[ModelSpec, bool]]:
    """(model, is the base) for the paper's three designs and the base, the base first when it
    is not one of them."""
    known = scenario.known_models()
    out = [(known[s], s == base.slug) for s in PAPER_MODELS if s in known]
    if base.slug not in PAPER_MODELS:
        out.insert(0, (base, True))
    return out


SHORT = {"step-3": "Step-3", "deepseek-v3": "DeepSeek-V3", "qwen3-235b-a22b": "Qwen3-235B"}


def _short(model: ModelSpec) -> str:
    return SHORT.get(model.slug, model.name)


def markers(scenario: Scenario, r: Resolved) -> list[dict]:
    """The reference designs in the plane: at their own design where the plane holds it, else
    at the equivalent design (same KV bytes per token and intensity)."""
    dim_name = PLANES[r.family][2][0]
    (x, _, _), (y, _, _), _ = PLANES[r.family]
    out = []
    for model, is_base in reference_models(scenario, r.base):
        group = next((g for g in model.attention_groups if family_of(g.attention) is not None), None)
        if group is None:
            continue
        attn = group.attention
        eq = equivalent(attn, r.family, **{dim_name: r.dim})
        fam = family_of(attn)
        same = (fam == r.family or {fam, r.family} <= {"gqa", "mfa"}) and eq[dim_name] == (
            attn.qk_rope_dim if fam == "mla" else getattr(attn, "head_dim", None))
        name = escape.plotly(_short(model)) + (" (base)" if is_base else "")  # chart text: a name shows as itself
        where = ("its own design" if same else
                 f"the {FAMILY_LABELS[r.family]} design with the same KV bytes per token and intensity: "
                 f"{PARAM_LABELS[x]} {eq[x]:.3g}, {PARAM_LABELS[y]} {eq[y]:.3g}")
        out.append({"name": name, "label": name if same else f"≈ {name}", "x": eq[x], "y": eq[y], "exact": bool(same),
                    "note": f"<b>{name}</b>: {attention_label(attn)}<br>marked at {where}"})
    return out


@cache
def _plane(scenario: Scenario, r: Resolved) -> charts.Plane:
    grid = full_grid(r.base, r.family, r.chips, r.context, r.weight_dtype, r.dim, r.mtp_accept)
    index = _slice(r)
    (x, xt, _), (y, yt, _), _ = PLANES[r.family]
    xs, ys, _ = axes_of(r.base, r.family, r.dim)
    t = lambda a: np.swapaxes(np.asarray(a)[index], 0, 1)  # noqa: E731  [x, y, ...] -> [y, x, ...]
    return charts.Plane(
        x_name=x, y_name=y, x_title=xt, y_title=yt, x=list(xs), y=list(ys),
        chips=compute.chip_names(r.chips), ridge=grid.ridge.tolist(),
        total=t(grid.total_usd_per_mtok), attention=t(grid.attention_usd_per_mtok), intensity=t(grid.intensity),
        kv_per_token=t(grid.kv_bytes_per_context_token), context_per_gpu=t(grid.context_per_gpu),
        query_heads=t(_query_heads(grid)).astype(float), valid=t(valid_designs(grid)), what=_what(r),
        markers=markers(scenario, r))


def plane(scenario: Scenario, inputs: CodesignInputs) -> charts.Plane:
    """The heatmaps' slice for these inputs."""
    return _plane(scenario, resolve(scenario, inputs))


# --- reference designs against the ridges ---------------------------------------------------------
WHAT_IFS = (("8-bit KV", 8, 1), ("4-bit KV", 4, 1), ("8-bit KV, 2 tokens per step", 8, 2),
            ("4-bit KV, 2 tokens per step", 4, 2))


@cache
def _reference_grid(model: ModelSpec, chips: tuple, context: int, weight_dtype: str,
                    mtp_accept: float | None) -> DesignGrid:
    return design_grid(model, chips, context, None, {"kv_bits": KV_BITS, "tokens_per_step": TOKENS_PER_STEP},
                       weight_dtype, mtp_accept=mtp_accept)


def references(scenario: Scenario, r: Resolved) -> list[dict]:
    """Per reference design: its attention, KV per context token, intensity as published (8-bit
    KV, one token per step) and under the what-ifs and the current inputs, and the chips whose
    sweet spot holds it now."""
    rows = []
    for model, is_base in reference_models(scenario, r.base):
        grid = _reference_grid(model, r.chips, r.context, r.weight_dtype, r.mtp_accept)
        at = lambda bits, t: (KV_BITS.index(bits), TOKENS_PER_STEP.index(t))  # noqa: E731
        now = at(r.kv_bits, r.tokens_per_step)
        group = next(g for g in model.attention_groups if family_of(g.attention) is not None)
        row = {"model": model.name, "reference": _short(model), "base": is_base,
               "attention": attention_label(group.attention),
               "KV per context token (kB, 8-bit)": float(grid.kv_bytes_per_context_token[at(8, 1)]) / 1e3}
        for name, bits, t in WHAT_IFS:
            row[f"intensity, {name} (FLOPs/byte)"] = float(grid.intensity[at(bits, t)])
        row["intensity now (FLOPs/byte)"] = float(grid.intensity[now])
        row["in the sweet spot of"] = ", ".join(labels.chip_label(c) for c, ok in zip(r.chips, grid.sweet_spot[now])
                                                if ok) or "none"
        row["compute-bound on"] = ", ".join(labels.chip_label(c) for c, ridge in zip(r.chips, grid.ridge)
                                            if grid.intensity[now] > ridge) or "none"
        rows.append(row)
    return rows


# --- what a chip wants from a model ---------------------------------------------------------------
def _design_columns(grid: DesignGrid, mask: np.ndarray) -> dict:
    """Per design in ``mask`` (flattened, C order): its label and parameters."""
    family = grid.family
    params = {name: np.broadcast_to(v, grid.shape)[mask] for name, v in grid.values.items()}
    keys = list(params)
    rows = zip(*(params[k].tolist() for k in keys))
    label = [design_label(family, dict(zip(keys, row))) for row in rows]
    (x, _, _), (y, _, _), (t, _, _) = PLANES[family]
    cols = {"design": label}
    if family != "mla":
        cols["query heads"] = params["n_q"]
    for name in (x, y, t, "kv_bits", "tokens_per_step"):
        cols[PARAM_LABELS[name]] = params[name]
    return cols


@cache
def chip_wants(r: Resolved) -> pd.DataFrame:
    """Designs of the grid inside ``r.chip``'s sweet spot, cheapest first."""
    grid = full_grid(r.base, r.family, (r.chip,), r.context, r.weight_dtype, r.dim, r.mtp_accept)
    mask = valid_designs(grid) & grid.sweet_spot[..., 0]
    order = np.argsort(grid.total_usd_per_mtok[..., 0][mask], kind="stable")
    cols = _design_columns(grid, mask)
    cols.update({
        "KV per context token (kB)": grid.kv_bytes_per_context_token[mask] / 1e3,
        "intensity (FLOPs/byte)": grid.intensity[mask],
        ATTENTION_USD_PER_MTOK.title: grid.attention_usd_per_mtok[..., 0][mask],
        TOTAL_USD_PER_MTOK.title: grid.total_usd_per_mtok[..., 0][mask],
        "context per GPU (tokens)": grid.context_per_gpu[..., 0][mask],
    })
    return pd.DataFrame({k: np.asarray(v)[order] for k, v in cols.items()})


@cache
def design_table(r: Resolved) -> pd.DataFrame:
    """The design grid of the heatmaps: every shown design of the plane (its fixed dimension)
    at every KV precision and tokens per step, with its per-token figures and, per selected
    chip, the cost, whether it is in the sweet spot and the context one GPU holds. (Other
    dimensions: choose them above; every dimension would quintuple the report's table.)"""
    grid = full_grid(r.base, r.family, r.chips, r.context, r.weight_dtype, r.dim, r.mtp_accept)
    third = np.zeros(grid.shape, dtype=bool)
    third[:, :, axes_of(r.base, r.family, r.dim)[2].index(r.dim)] = True
    mask = valid_designs(grid) & third
    cols = _design_columns(grid, mask)
    cols.update({
        "KV per context token (bytes)": grid.kv_bytes_per_context_token[mask],
        "KV read per decoded token (bytes)": grid.kv_read_bytes[mask],
        "intensity (FLOPs/byte)": grid.intensity[mask],
        "attention-core FLOPs per token": grid.attention_flops[mask],
        "projection FLOPs per token": grid.linear_flops[mask],
    })
    for j, chip in enumerate(r.chips):
        name = labels.chip_label(chip)
        cols[TOTAL_USD_PER_MTOK.column(f"{name} ")] = grid.total_usd_per_mtok[..., j][mask]
        cols[ATTENTION_USD_PER_MTOK.column(f"{name} ")] = grid.attention_usd_per_mtok[..., j][mask]
        cols[f"{name} in sweet spot"] = grid.sweet_spot[..., j][mask]
        cols[f"{name} context per GPU (tokens)"] = grid.context_per_gpu[..., j][mask]
    return pd.DataFrame(cols)


# --- what a model wants from a chip ---------------------------------------------------------------
def afd_setup(scenario: Scenario, model: ModelSpec, chip: Chip, context: int):
    """The AFD page's setup (TPOT, pipeline, precisions, efficiencies) for ``model`` with both
    pools on ``chip`` at ``context``, each pool on the chip's own network. None when those
    inputs do not fit the model (e.g. a tp layout over more GPUs than it has query heads)."""
    try:
        return replace(scenario.afd_setup(), model=model, attention_chip=chip, ffn_chip=chip, context=float(context),
                       attention_net_bytes_per_s=None, ffn_net_bytes_per_s=None)
    except InputError:
        return None


@cache
def sensitivity(scenario: Scenario, r: Resolved) -> tuple:
    """Rows: for each chip spec and change (-50, -10, +10, +50%) and part (attention, FFN, AFD),
    USD per 1M tokens and tokens per GPU per second before and after and their change (%).
    Attention and FFN: ``cost_grid`` (full utilization: tokens/GPU/s = price / cost per token);
    AFD: the best plan of ``afd_search.search`` (cheapest at the SLA), paced at the TPOT target."""
    model, chip = r.base, r.chip
    fields = editable_specs(chip, r.weight_dtype)  # as the sidebar's sliders
    variants = [(spec, p, chip.with_changes(**{spec.name: getattr(chip, spec.name) * (1 + p / 100)}))
                for spec in fields for p in PERTURBATIONS]
    chips = (chip, *(c for _, _, c in variants))
    grid = cost_grid([model], chips, r.context, r.kv_dtype, r.weight_dtype)
    attention, ffn = grid.attention_usd_per_mtok[0, :, 0], grid.ffn_usd_per_mtok[0, :, 0]
    prices = np.array([c.price_usd_per_hour for c in chips])
    per_s = prices / SECONDS_PER_HOUR * TOKENS_PER_UNIT
    setup = afd_setup(scenario, model, chip, r.context)
    plans = [None if setup is None else compute.afd_search(replace(setup, attention_chip=c, ffn_chip=c), objective=OBJECTIVE) for c in chips]
    afd_cost = [None if p is None else float(p.sla_usd_per_mtok) for p in plans]
    afd_rate = [None if p is None else float(p.sla_tokens_per_gpu_s) for p in plans]
    values = {"attention": (attention.tolist(), (per_s / attention).tolist()),
              "FFN": (ffn.tolist(), (per_s / ffn).tolist()), "AFD": (afd_cost, afd_rate)}

    def change(new, old):  # in %, float noise of an unchanged value (1e-14) shown as 0
        return None if new is None or old is None else round(100.0 * (new / old - 1.0), 10)

    rows = []
    for k, (spec, p, _) in enumerate(variants, start=1):
        for part in PARTS:
            cost, rate = values[part]
            rows.append({"chip spec": spec.label, "change (%)": p, "part": part,
                         USD_PER_MTOK.title: cost[0], USD_PER_MTOK.column(after=" (changed)"): cost[k],
                         "cost change (%)": change(cost[k], cost[0]),
                         "tokens/GPU/s": rate[0], "tokens/GPU/s (changed)": rate[k],
                         "tokens/GPU/s change (%)": change(rate[k], rate[0])})
    return tuple(rows)


ISO_POINTS = 61


@cache
def iso_cost(scenario: Scenario, r: Resolved) -> dict:
    """USD per 1M tokens of the base model (attention + FFN on one chip) over a log grid of peak
    FLOP/s and HBM bandwidth at ``r.price`` (the cost model's formula, ``cost.attention_usd``),
    and every known chip as a point: its cost at that price and at its own."""
    chips = scenario.all_chip_specs()
    grid = compute.grid((r.base,), chips, (r.context,), r.kv_dtype, r.weight_dtype)
    token = grid.tokens[0]
    core, kv, linear, ffn = (float(token.attention_flops[0]), float(token.kv_bytes[0]), token.linear_flops,
                             token.ffn_flops)
    peaks = np.array([c.peak_flops(c.compute_dtype(r.weight_dtype)) for c in chips])
    bws = np.array([c.mem_bw_bytes_per_s for c in chips])
    peak_axis = np.geomspace(peaks.min() / 2, peaks.max() * 2, ISO_POINTS)
    bw_axis = np.geomspace(bws.min() / 2, bws.max() * 2, ISO_POINTS)

    def cost(price, peak, bw):
        uf, ub = price / SECONDS_PER_HOUR / peak, price / SECONDS_PER_HOUR / bw
        return (attention_usd(core, kv, linear, uf, ub) + ffn * uf) * TOKENS_PER_UNIT

    own = grid.total_usd_per_mtok[0, :, 0]
    points = [{"label": labels.chip_label(c), "peak": float(p), "bw": float(b), "selected": c.slug in scenario.chips,
               "at_price": float(cost(r.price, p, b)), "own": float(o), "own_price": c.price_usd_per_hour}
              for c, p, b, o in zip(chips, peaks, bws, own)]
    return {"peaks": peak_axis, "bws": bw_axis, "cost": cost(r.price, peak_axis[None, :], bw_axis[:, None]),
            "chips": points, "intensity": core / kv}


def chips_ranked(scenario: Scenario, r: Resolved) -> pd.DataFrame:
    """Every known chip ranked for the base model (``dashboard.content.ranking``)."""
    return ranking.ranked(scenario, r.base, r.kv_dtype, r.weight_dtype, r.context)


def cheapest(scenario: Scenario, r: Resolved) -> str:
    """The cost model's AFD and the best single chip among the chips that can run the base."""
    return ranking.cheapest(chips_ranked(scenario, r), r.context)


def _ranked_chart(scenario: Scenario, r: Resolved, what: str) -> dict:
    df = chips_ranked(scenario, r)
    ok = ranking.fits(df, r.context)
    others = [c for c in ranking.contexts(r.context) if c != r.context]
    ranks = ["  " + " · ".join(f"{labels.tokens(c)} " + ("—" if pd.isna(row[ranking.rank_column(c)]) else
                                                      f"#{int(row[ranking.rank_column(c)])}") for c in others)
             for _, row in ok.iterrows()]
    rows = [{**row, "chip": escape.plotly(ranking.shown_name(row))} for row in ok.to_dict("records")]
    return charts.chips_ranked(rows, what + " (rank at " + ", ".join(labels.tokens(c) for c in others)
                               + " at the bar's end)", ranks)


def chip_pairs(scenario: Scenario, r: Resolved) -> tuple:
    """The AFD page's chip-pair search for the base model over every known chip, cheapest at
    the SLA first (pairs with no feasible plan left out); empty when the AFD inputs do not fit."""
    setup = afd_setup(scenario, r.base, r.chip, r.context)
    if setup is None:
        return ()
    return compute.afd_chip_pairs(setup, scenario.all_chip_specs(), OBJECTIVE)


# --- the page's content ----------------------------------------------------------------------------
@dataclass
class CodesignView:
    """What the page shows: the resolved inputs, the plane and the exportable content."""

    resolved: Resolved
    plane: charts.Plane
    content: PageContent


def view(scenario: Scenario, inputs: CodesignInputs | None = None) -> CodesignView:
    """The page for ``inputs`` (default: the scenario's own co-design inputs)."""
    r = resolve(scenario, inputs or scenario.codesign)
    p = _plane(scenario, r)
    refs = references(scenario, r)
    chip = labels.chip_label(r.chip)
    what = f"{escape.plotly(r.base.name)} at {labels.tokens(r.context)} context"  # chart text
    ladder_what = (f"{r.kv_bits}-bit KV, {r.tokens_per_step} token{'s' if r.tokens_per_step > 1 else ''} per "
                   f"step; ridges in each chip's compute format")
    designs = [{"name": escape.plotly(row["reference"]), "intensity": row["intensity now (FLOPs/byte)"],
                "base": row["base"],
                "note": (f"<b>{escape.plotly(row['model'])}</b> ({row['attention']}): {row['intensity now (FLOPs/byte)']:.0f} FLOPs "
                         f"per KV byte now, {row['intensity, 8-bit KV (FLOPs/byte)']:.0f} as published (8-bit KV, "
                         "1 token per step)")} for row in refs]
    sens = lambda: sensitivity(scenario, r)  # noqa: E731
    charts_ = Lazy({
        "sweet-spots": lambda: charts.sweet_spots(p.chips, p.ridge, designs, ladder_what),
        "cost": lambda: charts.cost_panels(p),
        "intensity": lambda: charts.intensity_panel(p),
        "kv-context": lambda: charts.kv_panels(p),
        "sensitivity": lambda: charts.tornado(list(sens()), chip, what),
        "iso-cost": lambda: _iso_chart(iso_cost(scenario, r), r.price, what),
        "chips-ranked": lambda: _ranked_chart(scenario, r, what),
    })
    tables = Lazy({
        "designs-vs-ridges": lambda: pd.DataFrame(refs),
        "design-grid": lambda: design_table(r),
        "chip-wants": lambda: chip_wants(r),
        "sensitivity": lambda: pd.DataFrame(list(sens())),
        "chips": lambda: chips_ranked(scenario, r),
        "chip-pairs": lambda: _pairs_table(chip_pairs(scenario, r)),
    })
    now = f"{r.kv_bits}-bit KV and {r.tokens_per_step} token{'s' if r.tokens_per_step > 1 else ''} per step"
    lines = [f"{row['model']} ({row['attention']}): {row['intensity, 8-bit KV (FLOPs/byte)']:.0f} FLOPs per KV byte "
             f"with 8-bit KV, {row['intensity now (FLOPs/byte)']:.0f} with {now}; in the sweet spot of: "
             f"{row['in the sweet spot of']}" for row in refs]
    lines += [f"{c}: ridge {ridge:.0f} FLOPs/byte, sweet spot {ridge / 2:.0f}-{ridge:.0f}" for c, ridge in
              zip(p.chips, p.ridge)]
    content = page_content(PAGE, charts_, tables, lines)
    return CodesignView(r, p, content)


def _iso_chart(iso: dict, price: float, what: str) -> dict:
    return charts.iso_cost(iso["peaks"], iso["bws"], iso["cost"], iso["chips"], iso["intensity"], price, what)


def _pairs_table(plans) -> pd.DataFrame:
    return afd_pairs_table(plans)


def content(scenario: Scenario) -> PageContent:
    """The page's PageContent for the scenario's co-design inputs."""
    return view(scenario).content


# --- send a design to the dashboard ---------------------------------------------------------------
def design_spec(r: Resolved, x_value: int, y_value: int) -> ModelSpec:
    """The custom model of the plane's design at (x, y): the base body with that attention, KV
    stored in the plane's precision. Tokens per step is a deployment setting, noted, not saved."""
    (x, _, _), (y, _, _), (t, _, _) = PLANES[r.family]
    params = {**base_design(r.base, r.family), x: int(x_value), y: int(y_value), t: r.dim, "kv_bits": r.kv_bits}
    params.pop("tokens_per_step")
    label = design_label(r.family, params)
    bits = f", {r.kv_bits}-bit KV" if r.kv_bits != 8 else ""
    notes = ("Made in the co-design explorer from " + r.base.slug + f" ({label}{bits})."
             + (f" Explored with {r.tokens_per_step} tokens per decode step (MTP): a deployment setting, not stored "
                "in the model." if r.tokens_per_step > 1 else ""))
    return design_model(r.base, r.family, params, design_slug(r.base, r.family, params),
                        f"{r.base.name} body + {label}{bits}",
                        f"Co-design explorer (decode co-design dashboard {__version__}): {r.base.slug} with its "
                        "attention redesigned", notes)
