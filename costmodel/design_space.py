"""The attention design space of one model body, against every chip, in one vectorized call.

Start from a base ModelSpec and replace the attention of its softmax-attention layers (every
GQA, MFA or MLA layer group; each keeps its layer count and window; linear-attention layers are
kept as they are) by a design of one family, swept over axes of its parameters:

- ``gqa``: ``q_per_kv`` (query heads per KV head), ``n_kv`` (KV heads), ``head_dim``;
- ``mfa``: the same and ``q_lora_rank`` (Step-3's low-rank query);
- ``mla``: ``n_heads`` (query heads), ``kv_lora_rank`` (latent rank), ``qk_rope_dim``,
  ``qk_nope_dim``, ``v_head_dim`` and ``q_lora_rank`` (fixed only: 0 means no query compression);
- every family: ``kv_bits`` (4, 8, 16 or 32 bits per KV element; 0 keeps each layer group's own
  format) and ``tokens_per_step`` (multi-token prediction, MTP: query tokens per decode step).

``design_grid`` evaluates every combination of the axes for every chip at once: arrays shaped
(len(axis 1), ..., len(axis n)) per design and (..., chips) per design and chip. The formulas
are the core's own: each design is an attention variant of ``costmodel.attention`` holding numpy
arrays instead of numbers (its methods are plain arithmetic), its per-layer terms the ones
``reduced.reduce_model`` sums over the layer groups, and priced with ``cost.unit_costs`` and
``cost.attention_usd`` exactly as ``cost_grid`` does, so a design equal to a library model's own
reproduces ``cost_grid``'s numbers bit for bit (tested for every library model):

    attention = max(core FLOPs x U_flop, KV bytes x U_byte) + linear FLOPs x U_flop,
    FFN = FFN FLOPs x U_flop, per 1M tokens; U in the chip's compute format for the weights.

Multi-token prediction: with T tokens per decode step every token of the step attends to the
same cache, which is read once for all T query tokens; a of them are accepted on average
(``mtp_accept``: default the published acceptance for T, ``MTP_ACCEPTED``); the MTP module's
own layer (one layer like the model's average one) drafts the T - 1 extra tokens, one run per
draft at one token per request. Per decoded token, of the body's per-token figures (L layers):

    main model:  KV read = KV(c) / a,  FLOPs = FLOPs x T / a   (core, projections and FFN alike)
    MTP layer:   (T - 1) / (a L) x the body's KV read and FLOPs  (``mtp_usd_per_mtok``)

so the attention intensity (core FLOPs per KV byte read) is T times the single-token one (the
paper's what-if) and T = a = 1 is the model without MTP, bit for bit. The T - 1 extra cache
entries are neglected (c >> T). KV storage is unchanged.

KV precision: "low-bit storage, high-bit compute" (the paper's §5.2): the bits set the bytes
per cached element; the FLOPs are priced in the chip's compute format for the weights, as in
``cost_grid``. A linear-attention state keeps its own format.

Context one GPU can hold (``context_per_gpu``): the HBM of one GPU of an AFD attention instance
laid out ``dp`` (every attention projection held whole; no FFN weights, which live on the FFN
instances) minus those weights and the embedding and LM head at the weight precision (no
reserve for activations), divided by the KV bytes the cache holds per token of context at the
grid's context (stored bytes of one request / context: exactly the per-token bytes for
full-context layers; windows and recurrent states amortized at that context). Tokens summed
over the requests a GPU serves.

Arithmetic intensity and ridge: intensity = core FLOPs / KV bytes read per decoded token;
ridge = the chip's peak FLOP/s in that compute format / HBM bandwidth (``Chip.ridge_point``);
a design is in the chip's sweet spot when ridge / 2 <= intensity <= ridge: memory traffic
still binds (the KV term sets the cost) but no more than twice the compute would.

numpy and the standard library only; never imports the dashboard.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .attention import GQA, MFA, MLA, _Attention
from .chips import Chip
from .cost import TOKENS_PER_UNIT, attention_usd, unit_costs
from .decode import check_context, decode_token
from .errors import MAX_SIZE, InputError, check_slug
from .model import AttentionGroup, ModelSpec
from .precision import BITS_TO_DTYPE, bytes_per_element

FAMILIES = ("mfa", "gqa", "mla")
CLASSES = {"gqa": GQA, "mfa": MFA, "mla": MLA}
FAMILY_LABELS = {"mfa": "MFA", "gqa": "GQA", "mla": "MLA"}
OWN_KV = 0  # kv_bits 0: each layer group keeps its own KV format
KV_BITS = (OWN_KV, 4, 8, 16, 32)
MAX_TOKENS_PER_STEP = 16
# Accepted tokens per step by tokens per step (1 + drafts): TensorRT-LLM, 'Pushing Latency Boundaries:
# Optimizing DeepSeek-R1 Performance on NVIDIA B200 GPUs' (github NVIDIA/TensorRT-LLM docs/source/blogs/
# tech_blog/blog1, @01c4ece), table 'Autoregressive MTP Layers': 1.92, 2.58, 2.82 for 1, 2, 3 MTP layers
# (DeepSeek-V3's report: the second token accepted 85-90% of the time).
MTP_ACCEPTED = {1: 1.0, 2: 1.92, 3: 2.58, 4: 2.82}

# The parameters a design of each family sets (besides kv_bits and tokens_per_step).
PARAMETERS = {
    "gqa": ("q_per_kv", "n_kv", "head_dim"),
    "mfa": ("q_per_kv", "n_kv", "head_dim", "q_lora_rank"),
    "mla": ("n_heads", "kv_lora_rank", "qk_rope_dim", "qk_nope_dim", "v_head_dim", "q_lora_rank"),
}
COMMON = ("kv_bits", "tokens_per_step")
FIXED_ONLY = {("mla", "q_lora_rank")}  # MLA's query path branches on it: not an axis
# Starting values where the base model has no value of its own for a family's parameter:
# Step-3's query rank for MFA; DeepSeek-V3's MLA shape (query rank 1536, latent 512, RoPE 64,
# no-RoPE and V head dims 128); head dim 128 for a GQA/MFA made from an MLA.
DEFAULTS = {"mfa": {"q_lora_rank": 2048, "head_dim": 128},
            "gqa": {"head_dim": 128},
            "mla": {"q_lora_rank": 1536, "kv_lora_rank": 512, "qk_rope_dim": 64, "qk_nope_dim": 128,
                    "v_head_dim": 128}}


def family_of(attention: _Attention) -> str | None:
    """'gqa', 'mfa' or 'mla' for a softmax attention with a KV cache; None otherwise (linear)."""
    return next((f for f, cls in CLASSES.items() if type(attention) is cls), None)


def _softmax_groups(model: ModelSpec) -> list[AttentionGroup]:
    groups = [g for g in model.attention_groups if family_of(g.attention) is not None]
    if not groups:
        raise InputError("model", f"{model.slug} has no softmax-attention (GQA, MFA, MLA) layers to redesign")
    return groups


def own_family(model: ModelSpec) -> str:
    """The family of the model's first softmax-attention layer group."""
    return family_of(_softmax_groups(model)[0].attention)


def base_design(model: ModelSpec, family: str | None = None) -> dict[str, int]:
    """The design parameters of ``family`` (default: the model's own) that start from the
    model's first softmax-attention group: its own values where the family shares them (query
    heads, KV heads, head dim, ranks), ``DEFAULTS`` for the rest; kv_bits 0 (each group's own
    format) and one token per step. For the model's own family, ``design_grid`` with these
    values is the model itself."""
    family = _check_family(family or own_family(model))
    attn = _softmax_groups(model)[0].attention
    own = family_of(attn)
    values = dict(DEFAULTS[family])
    if family in ("gqa", "mfa"):
        if own in ("gqa", "mfa"):
            values.update(q_per_kv=attn.n_q // attn.n_kv, n_kv=attn.n_kv, head_dim=attn.head_dim)
        else:  # from MLA: the paper's reading, MQA over the heads
            values.update(q_per_kv=attn.n_heads, n_kv=1)
        if family == "mfa" and own in ("mfa", "mla") and attn.q_lora_rank:
            values["q_lora_rank"] = attn.q_lora_rank
    else:
        if own == "mla":
            values.update({name: getattr(attn, name) for name in PARAMETERS["mla"]})
        else:
            values["n_heads"] = attn.n_q
            if own == "mfa":
                values["q_lora_rank"] = attn.q_lora_rank
    if family == "gqa":
        values.pop("q_lora_rank", None)
    return {**{name: int(values[name]) for name in PARAMETERS[family]}, "kv_bits": OWN_KV, "tokens_per_step": 1}


def equivalent(attention: _Attention, family: str, **fixed) -> dict[str, float]:
    """Where ``attention`` sits among the designs of ``family`` with the ``fixed`` values
    (``head_dim`` for GQA/MFA, ``qk_rope_dim`` for MLA; defaults as ``DEFAULTS``): the design
    with the same KV elements per token and layer and the same core FLOPs per KV element (so the
    same KV bytes and intensity at any precision and MTP). GQA/MFA: n_kv = E / (2 d),
    q_per_kv = C / (2 E); MLA: kv_lora_rank = E - rope, n_heads = C / (4 E), with E the KV
    elements and C the core FLOPs per context token. Values may be fractional (between cells);
    for the same family and dimension they are the attention's own."""
    family = _check_family(family)
    elements = float(attention.kv_elements_per_token())
    core = float(attention.core_flops_per_context_token())
    if elements <= 0:
        raise InputError("attention", f"{attention.kind} attention keeps no KV cache: no equivalent {family} design")
    if family == "mla":
        rope = float(fixed.get("qk_rope_dim", DEFAULTS["mla"]["qk_rope_dim"]))
        return {"kv_lora_rank": elements - rope, "n_heads": core / (4.0 * elements), "qk_rope_dim": rope}
    d = float(fixed.get("head_dim", DEFAULTS[family]["head_dim"]))
    return {"q_per_kv": core / (2.0 * elements), "n_kv": elements / (2.0 * d), "head_dim": d}


def _check_family(family) -> str:
    if family not in FAMILIES:
        raise InputError("family", f"choose one of {', '.join(FAMILIES)}, got {family!r}")
    return family


def _check_values(name: str, values, family: str, axis: bool) -> np.ndarray:
    where = f"design {name}"
    if name not in (*PARAMETERS[family], *COMMON):
        raise InputError(where, f"not a parameter of {family} designs; choose from "
                                f"{', '.join((*PARAMETERS[family], *COMMON))}")
    if axis and (family, name) in FIXED_ONLY:
        raise InputError(where, "can be fixed, not swept")
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputError(where, f"expected whole numbers, got {values!r}") from None
    if axis and (arr.ndim != 1 or arr.size == 0):
        raise InputError(where, "an axis is a non-empty list of values")
    if not axis and arr.ndim != 0:
        raise InputError(where, f"a fixed value is one number, got {values!r}")
    if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
        raise InputError(where, f"expected whole numbers, got {values!r}")
    if name == "kv_bits":
        bad = sorted(set(arr.ravel().tolist()) - set(KV_BITS))
        if bad:
            raise InputError(where, f"choose from {', '.join(map(str, KV_BITS))} (0: each layer group's own "
                                    f"format), got {bad[0]:g}")
    else:
        low = 0 if (family, name) == ("mla", "q_lora_rank") else 1
        high = MAX_TOKENS_PER_STEP if name == "tokens_per_step" else MAX_SIZE
        if np.any(arr < low) or np.any(arr > high):
            raise InputError(where, f"must be a whole number from {low} to {high:,}")
    return arr.astype(np.int64)


def _array_attention(cls, **values) -> _Attention:
    """An attention variant holding numpy arrays: the class's formulas evaluated on arrays,
    without the scalar checks of its constructor (the values are checked by the caller)."""
    obj = object.__new__(cls)
    for f in dataclasses.fields(cls):
        object.__setattr__(obj, f.name, values[f.name])
    return obj


class _ArrayMLA(MLA):
    """MLA over arrays: its KV elements per token (the latent) as a float array, where MLA's
    own method converts the latent with ``float()``; every other formula is MLA's."""

    def kv_elements_per_token(self):
        return np.asarray(self.latent_dim, dtype=float)


ARRAY_CLASSES = {**CLASSES, "mla": _ArrayMLA}


def _attention(family: str, v: dict, hidden: int, window, window_kind: str, arrays: bool) -> _Attention:
    dims = {"hidden": hidden, "window": window, "window_kind": window_kind}
    if family in ("gqa", "mfa"):
        dims.update(n_q=v["q_per_kv"] * v["n_kv"], n_kv=v["n_kv"], head_dim=v["head_dim"])
        if family == "mfa":
            dims["q_lora_rank"] = v["q_lora_rank"]
    else:
        dims.update({name: v[name] for name in PARAMETERS["mla"]})
    if arrays:
        return _array_attention(ARRAY_CLASSES[family], **dims)
    return CLASSES[family](**dims)


@dataclass(frozen=True)
class DesignGrid:
    """Every design of ``axes`` on every chip. Per design (shaped like the axes, ``shape``):
    ``values`` (every parameter, and ``n_q`` query heads, broadcast), ``kv_read_bytes`` (KV
    bytes read per decoded token, / tokens per step), ``kv_stored_bytes`` (bytes the cache
    holds for one request at ``context``), ``kv_bytes_per_context_token`` (stored / context),
    ``attention_flops`` (core), ``linear_flops`` (projections), ``intensity`` (core FLOPs per
    KV byte read), ``attention_weight_bytes`` (projection weights at the weight precision).
    ``ffn_flops``: the body's per decoded token (with MTP's factor). Per design and chip (shape
    + (chips,)), USD per 1M decoded tokens: ``attention_usd_per_mtok``, ``ffn_usd_per_mtok``,
    ``mtp_usd_per_mtok`` (the MTP layer's drafts; 0 without MTP), and
    ``attention_memory_bound``, ``context_per_gpu`` (tokens). ``ridge`` per chip."""

    model: ModelSpec
    family: str
    chips: tuple[Chip, ...]
    context: float
    weight_dtype: str
    axes: tuple[tuple[str, np.ndarray], ...]
    values: dict
    kv_read_bytes: np.ndarray
    kv_stored_bytes: np.ndarray
    attention_flops: np.ndarray
    linear_flops: np.ndarray
    ffn_flops: np.ndarray | float
    attention_weight_bytes: np.ndarray
    attention_usd_per_mtok: np.ndarray
    ffn_usd_per_mtok: np.ndarray
    mtp_usd_per_mtok: np.ndarray
    attention_memory_bound: np.ndarray
    context_per_gpu: np.ndarray
    ridge: np.ndarray

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(len(values) for _, values in self.axes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def total_usd_per_mtok(self) -> np.ndarray:
        return self.attention_usd_per_mtok + self.ffn_usd_per_mtok + self.mtp_usd_per_mtok

    @property
    def intensity(self) -> np.ndarray:
        return self.attention_flops / self.kv_read_bytes

    @property
    def kv_bytes_per_context_token(self) -> np.ndarray:
        return self.kv_stored_bytes / self.context

    @property
    def sweet_spot(self) -> np.ndarray:
        """(designs..., chips): ridge / 2 <= intensity <= ridge."""
        intensity = self.intensity[..., None]
        return (intensity >= self.ridge / 2.0) & (intensity <= self.ridge)

    def parameters(self, index) -> dict[str, int]:
        """The parameters of the design at ``index`` (a tuple into ``shape``)."""
        return {name: int(np.broadcast_to(v, self.shape)[index]) for name, v in self.values.items()}


def mtp_factors(model: ModelSpec, tokens_per_step, mtp_accept: float | None = None) -> tuple:
    """(main KV factor 1 / a, main FLOPs factor T / a, MTP layer factor (T - 1) / (a L)) per
    decoded token for T = ``tokens_per_step`` (an array) and the accepted tokens per step a
    (None: ``MTP_ACCEPTED`` by T; a number: at most T)."""
    t = np.asarray(tokens_per_step, dtype=float)
    if mtp_accept is None:
        accepted = np.vectorize(lambda n: MTP_ACCEPTED.get(int(n), float(n)), otypes=[float])(t)
    else:
        value = float(mtp_accept)
        if not (math.isfinite(value) and value >= 1):
            raise InputError("mtp_accept", f"accepted tokens per step must be at least 1, got {mtp_accept!r}")
        accepted = np.minimum(value, t)
    return 1.0 / accepted, t / accepted, (t - 1.0) / (accepted * model.layers)


def _design_values(model: ModelSpec, family: str, axes: dict | None, fixed: dict) -> tuple[dict, dict, tuple]:
    """(every parameter's values, broadcast along the axes' dimensions; the axes checked; their
    order) of the designs; InputError naming a parameter out of range or a design too large."""
    values = base_design(model, family)
    for name, value in fixed.items():
        values[name] = _check_values(name, value, family, axis=False)[()]
    axes = dict(axes or {})
    order = tuple(axes)
    for k, name in enumerate(order):
        arr = _check_values(name, axes[name], family, axis=True)
        axes[name] = arr
        values[name] = arr.reshape([-1 if j == k else 1 for j in range(len(order))])
    if family in ("gqa", "mfa"):
        values["n_q"] = values["q_per_kv"] * values["n_kv"]
    as_float = {k: np.asarray(v, dtype=float) for k, v in values.items()}
    estimate = _attention(family, as_float, float(model.hidden), None, "sliding", arrays=True)
    if max(np.max(p.params) for p in estimate.projections()) >= 2.0 ** 62:  # whole numbers stay exact in int64
        raise InputError("design", "a projection of more than 2^62 parameters per layer: use fewer or smaller heads")
    return values, axes, order


def _body_terms(model: ModelSpec, family: str, values: dict, ctx) -> tuple:
    """(KV bytes read, KV bytes stored, core FLOPs, projection parameters) of one decoded token
    through the model with its softmax layers' attention replaced: ``reduce_model``'s
    per-layer terms, in layer-group order (linear attention kept, in its own state format)."""
    bits = np.asarray(values["kv_bits"])
    design_bytes = np.vectorize(lambda b: 0.0 if b == OWN_KV else bytes_per_element(BITS_TO_DTYPE[int(b)]),
                                otypes=[float])(bits)
    kv, stored, core, linear_params = np.zeros_like(ctx), np.zeros_like(ctx), np.zeros_like(ctx), 0.0
    for group in model.attention_groups:
        own_bytes = bytes_per_element(group.kv_dtype)
        if family_of(group.attention) is None:
            attn, b = group.attention, own_bytes
            params = attn.linear_params()
        else:
            attn = _attention(family, values, model.hidden, group.attention.window, group.attention.window_kind,
                              arrays=True)
            b = np.where(bits == OWN_KV, own_bytes, design_bytes)
            params = np.asarray(sum(p.params for p in attn.projections())).astype(float)  # exact whole numbers
        eff = attn.effective_context(ctx)
        kv = kv + group.layers * (attn.kv_elements_per_token() * b * eff + 2.0 * attn.state_elements() * b)
        stored = stored + group.layers * attn.kv_stored_elements(ctx) * b
        core = core + group.layers * (attn.core_flops_per_context_token() * eff + attn.fixed_core_flops())
        linear_params = linear_params + group.layers * params
    return kv, stored, core, linear_params


def design_grid(model: ModelSpec, chips: Sequence[Chip], context, family: str | None = None,
                axes: dict | None = None, weight_dtype: str = "fp8", mtp_accept: float | None = None,
                **fixed) -> DesignGrid:
    """Every combination of ``axes`` ({parameter: values}, in order: the result's dimensions)
    of ``family`` designs (default: the model's own) replacing the attention of ``model``'s
    softmax layers, on every chip of ``chips``, at ``context`` tokens (one number). Parameters
    not swept take ``fixed`` values, else ``base_design``'s; ``mtp_accept``: accepted tokens
    per step (None: the published acceptance for each tokens-per-step). One vectorized
    evaluation; raises InputError naming the parameter for an invalid value."""
    if not isinstance(model, ModelSpec):
        raise InputError("model", f"expected a model, got {type(model).__name__}")
    chips = tuple(chips)
    if not chips or not all(isinstance(c, Chip) for c in chips):
        raise InputError("chips", "expected at least one chip")
    ctx = check_context(context)
    if ctx.ndim:
        raise InputError("context", "one context (a number of tokens) per design grid")
    family = _check_family(family or own_family(model))
    values, axes, order = _design_values(model, family, axes, fixed)
    shape = tuple(len(axes[name]) for name in order)
    token = decode_token(model, ctx, None, weight_dtype)  # the body: FFN FLOPs, checks the precision
    weight_bytes = bytes_per_element(weight_dtype, "weight precision")
    kv, stored, body_core, linear_params = _body_terms(model, family, values, ctx)
    kv_factor, flops_factor, draft = mtp_factors(model, values["tokens_per_step"], mtp_accept)
    full = lambda a: np.broadcast_to(np.asarray(a, dtype=float), shape)  # noqa: E731
    kv_read, stored, core = full(kv * kv_factor), full(stored), full(body_core * flops_factor)
    linear_params = full(linear_params)
    linear = 2.0 * linear_params * full(flops_factor)
    ffn_flops = token.ffn_flops * full(flops_factor)

    units = tuple(unit_costs(c, weight_dtype) for c in chips)
    uf = np.array([u.usd_per_flop for u in units])
    ub = np.array([u.usd_per_byte for u in units])
    core_c, kv_c, linear_c = core[..., None], kv_read[..., None], linear[..., None]
    attention = attention_usd(core_c, kv_c, linear_c, uf, ub) * TOKENS_PER_UNIT
    ffn = np.broadcast_to(ffn_flops[..., None] * uf * TOKENS_PER_UNIT, attention.shape)
    body = (attention_usd(full(body_core)[..., None], full(kv)[..., None], 2.0 * linear_params[..., None], uf, ub)
            + token.ffn_flops * uf) * TOKENS_PER_UNIT  # one token through the body, no MTP
    params = model.params()
    weights = linear_params * weight_bytes + (params.embedding + params.lm_head) * weight_bytes
    free = np.maximum(np.array([c.mem_bytes for c in chips]) - weights[..., None], 0.0)
    return DesignGrid(
        model=model, family=family, chips=chips, context=float(ctx), weight_dtype=weight_dtype,
        axes=tuple((name, axes[name]) for name in order),
        values={name: np.asarray(v) for name, v in values.items()},
        kv_read_bytes=kv_read, kv_stored_bytes=stored, attention_flops=core, linear_flops=linear,
        ffn_flops=ffn_flops, attention_weight_bytes=linear_params * weight_bytes,
        attention_usd_per_mtok=attention, ffn_usd_per_mtok=ffn,
        mtp_usd_per_mtok=full(draft)[..., None] * body,  # the MTP layer: (T - 1) / (a L) of the body per token
        attention_memory_bound=kv_c * ub >= core_c * uf,
        context_per_gpu=free / (stored / float(ctx))[..., None],
        ridge=np.array([c.ridge_point(weight_dtype) for c in chips]),
    )


def design_model(model: ModelSpec, family: str, parameters: dict, slug: str, name: str, source: str,
                 notes: str = "") -> ModelSpec:
    """The ModelSpec of one design: ``model`` with every softmax-attention layer group's
    attention replaced by the ``family`` design of ``parameters`` (``base_design``'s keys;
    missing ones from it), each group keeping its layers and window, its KV stored in
    ``kv_bits`` (0: the group's own format). ``tokens_per_step`` is a deployment setting, not a
    property of the model: it is not stored (mention it in ``notes``). The vendor's published
    parameter counts no longer apply and are dropped."""
    family = _check_family(family)
    check_slug(slug, "model slug")
    values = base_design(model, family)
    for key, value in parameters.items():
        if key == "n_q":
            continue
        values[key] = int(_check_values(key, value, family, axis=False)[()])
    groups = []
    for group in model.attention_groups:
        if family_of(group.attention) is None:
            groups.append(group)
            continue
        attn = _attention(family, values, model.hidden, group.attention.window, group.attention.window_kind,
                          arrays=False)
        kv_dtype = group.kv_dtype if values["kv_bits"] == OWN_KV else BITS_TO_DTYPE[values["kv_bits"]]
        groups.append(AttentionGroup(group.layers, attn, kv_dtype))
    return dataclasses.replace(model, slug=slug, name=name, attention_groups=tuple(groups), source=source,
                               notes=notes, published_total_params=None, published_activated_params=None,
                               inferred=())
