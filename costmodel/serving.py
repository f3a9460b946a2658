"""What a request costs: its prefill and its decode, colocated on one pool or disaggregated over
two, sized for a workload and its TTFT and TPOT targets.

A request of L input tokens (a share ``cache_hit`` of them cached) and N output tokens: the
prefill computes the new input tokens and emits the first output token; decode emits the other
N - 1 at an average context of L + N / 2.

- ``disaggregated``: a prefill pool (its chip and deployment, ``prefill``) and a decode pool
  (``decode``). The prefill runs whole prompts at the most new tokens per GPU per forward whose
  TTFT (the forward, plus moving the prompt's KV to the decode pool over one prefill GPU's NIC)
  meets the target; the decode runs the largest batch per GPU whose TPOT meets the target.
  GPU-seconds per request: new tokens / prefill tokens/GPU/s and (N - 1) / decode tokens/GPU/s.
- ``colocated``: one pool (``decode``'s chip and deployment) runs chunked prefill beside decode:
  each step carries a decode batch B per GPU and B x new tokens / (N - 1) prompt tokens per GPU
  (the steady state's ratio), in chunks of ``chunk`` tokens; TPOT = the step, TTFT = a prompt's
  chunks' steps. The largest B meeting both targets and memory.

Costs (``pricing``: rental or ownership per device-hour): USD per request = GPU-seconds x USD
per GPU-second per pool; per 1M new input tokens (cache miss), per 1M cached input tokens (what
the cached prefix adds to the prompt's prefill: its attention and reads), per 1M output tokens;
``prefill_share`` of a request's cost. Pools for a request rate: GPUs rounded up to whole
deployments of each pool. A workload may be a mix (``Workload.mix``: input, output, weight
rows): costs and GPU-seconds are the weighted means, every row meets the targets.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from .deploy import DecodeSetup, best_batch, evaluate as evaluate_decode
from .deploy import decode_runs, link_notes, timeline
from .errors import InputError
from .fields import choice, declared, quantity
from .prefill import PrefillSetup, _attention as prefill_attention, evaluate as evaluate_prefill
from .pricing import Pricing
from .results import SERVE_RESULTS

MODES = ("disaggregated", "colocated")
TOKENS_GRID = np.unique(np.round(np.geomspace(256, 65536, 40) / 64) * 64)  # prefill tokens per GPU searched


@dataclass(frozen=True)
class Workload:
    """Requests and their targets, each declared once. ``mix``: (input, output, weight) rows
    replacing the single pair (weights need not add to 1)."""

    input_tokens: int = quantity("Input tokens", "tokens", 1.0, "input_tokens", default=2000, minimum=0,
                                 maximum=1 << 22, integer=True, step=100, description="Prompt length per request")
    output_tokens: int = quantity("Output tokens", "tokens", 1.0, "output_tokens", default=500, minimum=1,
                                  maximum=1 << 20, integer=True, step=50, description="Generated tokens per request")
    cache_hit: float = quantity("Prefix-cache hit rate", "", 1.0, "cache_hit", default=0.0, minimum=0, maximum=0.999,
                                step=0.05, description="Share of input tokens found in the prefix cache")
    ttft_s: float = quantity("TTFT target", "ms", 1e-3, "ttft_ms", default=2.0, minimum=1, maximum=600000, step=100,
                             description="Time to first token")
    tpot_s: float = quantity("TPOT target", "ms", 1e-3, "tpot_ms", default=0.050, minimum=1, maximum=10000, step=5,
                             description="Time per output token")
    requests_per_s: float | None = quantity("Request rate", "requests/s", 1.0, "requests_per_s", required=False,
                                            minimum=1e-6, maximum=1e9, step=1,
                                            description="Load the pools are sized for; empty: one decode deployment's")
    mix: tuple = ()

    def __post_init__(self):
        for name, spec in declared(Workload).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        rows = []
        for i, row in enumerate(self.mix):
            try:
                l_in, l_out, weight = row
            except (TypeError, ValueError):
                raise InputError(f"mix row {i + 1}", "expected (input tokens, output tokens, weight)") from None
            rows.append((declared(Workload)["input_tokens"].check(l_in, f"mix row {i + 1}: input"),
                         declared(Workload)["output_tokens"].check(l_out, f"mix row {i + 1}: output"),
                         _weight(weight, i)))
        object.__setattr__(self, "mix", tuple(rows))

    @property
    def rows(self) -> tuple:
        """(input, output, weight) of every request kind, weights summing to 1."""
        rows = self.mix or ((self.input_tokens, self.output_tokens, 1.0),)
        total = sum(w for _, _, w in rows)
        return tuple((i, o, w / total) for i, o, w in rows)


def _weight(value, i: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InputError(f"mix row {i + 1}: weight", f"must be a number > 0, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class ServeSetup:
    """A serving deployment: ``decode`` (the decode pool, or the one colocated pool), ``prefill``
    (the prefill pool's deployment: chip, ep or tp, GPUs; its context unused), the workload,
    the pricing, and the mode, the chunk and the prefill overlap declared."""

    decode: DecodeSetup
    prefill: DecodeSetup
    workload: Workload = field(default_factory=Workload)
    pricing: Pricing = field(default_factory=Pricing)
    mode: str = choice("Serving", MODES, "mode", default="disaggregated",
                       description="disaggregated: a prefill and a decode pool; colocated: chunked prefill beside "
                                   "decode on one pool")
    chunk_tokens: int = quantity("Chunk", "tokens", 1.0, "chunk_tokens", default=2048, minimum=16, maximum=1 << 20,
                                 integer=True, step=256, description="Colocated: prompt tokens per chunk")

    def __post_init__(self):
        for name in ("decode", "prefill"):
            if not isinstance(getattr(self, name), DecodeSetup):
                raise InputError(name, f"expected a deployment, got {type(getattr(self, name)).__name__}")
        for name, spec in declared(ServeSetup).items():
            object.__setattr__(self, name, spec.check(getattr(self, name)))
        if self.prefill.deployment not in ("ep", "tp"):
            raise InputError("prefill deployment", f"prefill runs on ep or tp, got {self.prefill.deployment!r}")
        if self.mode == "colocated" and self.decode.deployment not in ("ep", "tp"):
            raise InputError("deployment", "colocated serving runs on ep or tp")


@dataclass(frozen=True)
class RowCost:
    """One request kind: GPU-seconds per request in each pool, the TTFT and TPOT reached, the
    prefill and decode throughputs, what the cached prefix adds (GPU-seconds), the plans."""

    input_tokens: int
    output_tokens: int
    weight: float
    prefill_gpu_s: float
    decode_gpu_s: float
    cached_gpu_s: float
    ttft_s: float
    tpot_s: float
    prefill_tokens_per_gpu_s: float
    decode_tokens_per_gpu_s: float
    kv_transfer_s: float = 0.0
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServePlan:
    """A serving plan for a workload: per request kind (``rows``) and weighted; prices per
    device-hour of each pool (``usd_per_hour``); pools sized for ``requests_per_s``."""

    setup: ServeSetup
    rows: tuple[RowCost, ...]
    usd_per_hour: tuple[float, float]  # prefill pool, decode pool (colocated: the same)
    requests_per_s: float

    def _mean(self, name: str) -> float:
        return sum(getattr(r, name) * r.weight for r in self.rows)

    @property
    def ttft_s(self) -> float:
        return max(r.ttft_s for r in self.rows)

    @property
    def tpot_s(self) -> float:
        return max(r.tpot_s for r in self.rows)

    @property
    def prefill_usd(self) -> float:
        return self._mean("prefill_gpu_s") * self.usd_per_hour[0] / 3600.0

    @property
    def decode_usd(self) -> float:
        return self._mean("decode_gpu_s") * self.usd_per_hour[1] / 3600.0

    @property
    def usd_per_request(self) -> float:
        return self.prefill_usd + self.decode_usd

    @property
    def prefill_share(self) -> float:
        total = self.usd_per_request
        return self.prefill_usd / total if total > 0 else 0.0

    @property
    def usd_per_mtok_input(self) -> float:
        """USD per 1M new (cache-miss) input tokens: the prefill's cost over them."""
        new = self._mean_new_tokens()
        cached_usd = self._mean("cached_gpu_s") * self.usd_per_hour[0] / 3600.0
        return (self.prefill_usd - cached_usd) / new * 1e6 if new else 0.0

    @property
    def usd_per_mtok_input_cached(self) -> float:
        """USD per 1M cached input tokens: what the cached prefix adds to its prompt's prefill."""
        cached = sum(r.input_tokens * r.weight for r in self.rows) - self._mean_new_tokens()
        usd = self._mean("cached_gpu_s") * self.usd_per_hour[0] / 3600.0
        return usd / cached * 1e6 if cached > 0 else 0.0

    @property
    def usd_per_mtok_output(self) -> float:
        out = sum((r.output_tokens - 1) * r.weight for r in self.rows)
        return self.decode_usd / out * 1e6 if out else 0.0

    def _mean_new_tokens(self) -> float:
        hit = self.setup.workload.cache_hit
        return sum((r.input_tokens - round(hit * r.input_tokens)) * r.weight for r in self.rows)

    @property
    def prefill_gpus(self) -> int:
        """GPUs of the prefill pool for the request rate (colocated: the one pool's)."""
        if self.setup.mode == "colocated":
            return self.decode_gpus
        return _whole_units(self.requests_per_s * self._mean("prefill_gpu_s"), self.setup.prefill.gpus)

    @property
    def decode_gpus(self) -> int:
        """GPUs of the decode pool for the request rate (colocated: the one pool, both phases)."""
        busy = self._mean("decode_gpu_s") + (self._mean("prefill_gpu_s") if self.setup.mode == "colocated" else 0.0)
        return _whole_units(self.requests_per_s * busy, self.setup.decode.gpus)

    @property
    def pool_ratio(self) -> float:
        """Prefill GPUs per decode GPU, before rounding to whole deployments (None: no decode)."""
        decode = self._mean("decode_gpu_s")
        return self._mean("prefill_gpu_s") / decode if decode > 0 else None

    @property
    def prefill_tokens_per_gpu_s(self) -> float:
        return self._mean("prefill_tokens_per_gpu_s")

    @property
    def decode_tokens_per_gpu_s(self) -> float:
        return self._mean("decode_tokens_per_gpu_s")

    @property
    def kv_transfer_s(self) -> float:
        """The longest prompt's KV move from the prefill to the decode pool (colocated: 0)."""
        return max(r.kv_transfer_s for r in self.rows)

    @property
    def prefill_chip(self):
        """The chip that runs the prefill (colocated: the one pool's)."""
        return self.setup.prefill.chip if self.setup.mode == "disaggregated" else self.setup.decode.chip

    @property
    def pricing_words(self) -> str:
        """Which pricing the costs used, per chip, in words."""
        return "; ".join(dict.fromkeys(self.setup.pricing.label(c) for c in (self.prefill_chip, self.setup.decode.chip)))

    @property
    def notes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(n for r in self.rows for n in r.notes))


def _whole_units(gpus: float, unit: int) -> int:
    return int(max(1, math.ceil(gpus / unit - 1e-9)) * unit) if gpus > 0 else 0


def _prefill_setup(s: ServeSetup, l_in: int, tokens: int = 16384) -> PrefillSetup:
    return PrefillSetup(replace(s.prefill, context=float(max(l_in, 1))), input_tokens=max(l_in, 1),
                        cache_hit=s.workload.cache_hit, tokens_per_gpu=tokens)


def kv_bytes_per_request(setup: DecodeSetup, tokens: int) -> float:
    """Bytes of KV one request of ``tokens`` context holds (every layer, the deployed format)."""
    probe = evaluate_decode(replace(setup, context=float(max(tokens, 1)), mtp_tokens=1, mtp_accept=1.0), 1.0)
    return probe.kv_bytes_per_request


def _disaggregated_row(s: ServeSetup, l_in: int, l_out: int, weight: float) -> RowCost:
    w = s.workload
    context = l_in + l_out / 2.0
    decode = best_batch(replace(s.decode, context=float(max(context, 1))), w.tpot_s)
    if decode is None:
        raise InputError("tpot_ms", f"no decode batch of {s.decode.model.slug} on {s.decode.chip.slug} meets "
                                    f"{w.tpot_s * 1e3:g} ms at {context:,.0f} tokens of context")
    decode_gpu_s = (l_out - 1) / float(decode.tokens_per_gpu_s)
    if l_in == 0:
        return RowCost(l_in, l_out, weight, 0.0, decode_gpu_s, 0.0, float(decode.tpot_s), float(decode.tpot_s), 0.0,
                       float(decode.tokens_per_gpu_s))
    transfer = kv_bytes_per_request(s.decode, l_in) / s.prefill.net_value
    base = _prefill_setup(s, l_in)
    new = base.new_tokens
    grid = np.unique(np.concatenate([[new], TOKENS_GRID[TOKENS_GRID >= new]]))  # whole prompts per forward
    plans = evaluate_prefill(base, grid)
    if not plans.fits_memory[0]:
        raise InputError("prefill memory", f"{s.prefill.model.slug} on {s.prefill.gpus} {s.prefill.chip.slug}: the "
                                           f"weights and one prompt's KV need {float(plans.memory_bytes[0]) / 1e9:,.1f} GB "
                                           f"per GPU, {plans.memory_capacity / 1e9:,.1f} GB usable")
    ok = np.flatnonzero((plans.ttft_s + transfer <= w.ttft_s * (1 + 1e-12)) & plans.fits_memory)
    if ok.size == 0:
        raise InputError("ttft_ms", f"even one prompt of {l_in:,} tokens alone takes "
                                    f"{(float(plans.ttft_s[0]) + transfer) * 1e3:,.0f} ms on {s.prefill.chip.slug} "
                                    f"(target {w.ttft_s * 1e3:g} ms)")
    best = plans.at(int(ok[np.argmax(plans.tokens_per_gpu_s[ok])]))
    tgs = float(best.tokens_per_gpu_s)
    return RowCost(l_in, l_out, weight, new / tgs, decode_gpu_s, _cached_gpu_s(s, base, int(best.tokens)),
                   float(best.ttft_s) + transfer,
                   float(decode.tpot_s), tgs, float(decode.tokens_per_gpu_s), transfer,
                   link_notes(s.prefill) + link_notes(s.decode))


def _cached_gpu_s(s: ServeSetup, base: PrefillSetup, tokens: int) -> float:
    """GPU-seconds the cached prefix adds to one prompt's prefill at ``tokens`` new tokens per
    GPU: the prompt as it is, less its new tokens alone (no prefix)."""
    if not base.cached:
        return 0.0
    new = base.new_tokens
    with_prefix = evaluate_prefill(replace(base, tokens_per_gpu=tokens)).at(0)
    alone = evaluate_prefill(replace(_prefill_setup(s, new, tokens), cache_hit=0.0)).at(0)
    return max(0.0, new / float(with_prefix.tokens_per_gpu_s) - new / float(alone.tokens_per_gpu_s))


def _colocated_plan(s: ServeSetup, l_in: int, l_out: int, batch: np.ndarray):
    """Mixed steps at decode batches ``batch`` per GPU: (step seconds, prefill share of the
    step, prompt tokens per GPU per step, memory fits)."""
    d = s.decode
    context = l_in + l_out / 2.0
    dec = replace(d, context=float(max(context, 1)), mtp_tokens=1, mtp_accept=1.0)
    pre = _prefill_setup(s, l_in) if l_in else None
    new = pre.new_tokens if pre else 0
    prompt = batch * new / max(l_out - 1, 1)  # prompt tokens per GPU per step (steady state)
    g = float(d.gpus) if d.deployment == "tp" else 1.0
    ks = dec.kernel_set
    def runs_of(b):
        runs = decode_runs(dec, ks, b)
        if pre is None:
            return runs
        p_tokens = b * new / max(l_out - 1, 1) * g
        p_compute, _, p_comm = prefill_attention(replace(pre, chunk_tokens=min(s.chunk_tokens, new)), ks, p_tokens)
        main = runs[0]
        compute, bound, comm = main.attention
        return [replace(main, tokens=main.tokens + p_tokens, attention=(compute + p_compute, bound, comm + p_comm)),
                *runs[1:]]

    parts, step, _ = timeline(dec, ks, runs_of, batch, batch * g + (prompt * g / new if new else 0.0))
    decode_only = evaluate_decode(dec, batch).step_s
    share = np.clip(1.0 - decode_only / step, 0.0, 1.0) if new else np.zeros_like(batch)
    memory = evaluate_decode(dec, batch).fits_memory
    return step, share, prompt, memory


def _colocated_row(s: ServeSetup, l_in: int, l_out: int, weight: float) -> RowCost:
    w = s.workload
    if l_out == 1:  # nothing to decode: the pool only prefills
        return _disaggregated_row(replace(s, prefill=s.decode), l_in, l_out, weight)
    batch = np.arange(1.0, 1025.0)
    step, share, prompt, fits = _colocated_plan(s, l_in, l_out, batch)
    new = _prefill_setup(s, l_in).new_tokens if l_in else 0
    # a prompt is prefilled on one GPU, at most a chunk and at most the step's prompt tokens per step
    per_step = np.maximum(np.minimum(float(s.chunk_tokens), prompt), 1.0)
    ttft = np.ceil(new / per_step - 1e-9) * step if new else step
    ok = np.flatnonzero((step <= w.tpot_s * (1 + 1e-12)) & (ttft <= w.ttft_s * (1 + 1e-12)) & fits)
    if ok.size == 0:
        raise InputError("tpot_ms", f"no colocated batch of {s.decode.model.slug} on {s.decode.chip.slug} meets "
                                    f"{w.tpot_s * 1e3:g} ms per token and {w.ttft_s * 1e3:g} ms to the first")
    i = int(ok[-1])
    b = float(batch[i])
    gpu_s = float(step[i]) / b * max(l_out - 1, 1)  # GPU-seconds per request: its share of the steps
    prefill_gpu_s = gpu_s * float(share[i])
    cached = _cached_gpu_s(replace(s, prefill=s.decode), _prefill_setup(replace(s, prefill=s.decode), l_in),
                           int(max(new, 1))) if new else 0.0
    return RowCost(l_in, l_out, weight, prefill_gpu_s, gpu_s - prefill_gpu_s, cached, float(ttft[i]), float(step[i]),
                   float(prompt[i] / step[i]), b / float(step[i]), 0.0, link_notes(s.decode))


def evaluate(setup: ServeSetup) -> ServePlan:
    """The serving plan of ``setup`` (InputError naming the target no plan can meet)."""
    cost_of = _disaggregated_row if setup.mode == "disaggregated" else _colocated_row
    rows = tuple(cost_of(setup, l_in, l_out, weight) for l_in, l_out, weight in setup.workload.rows)
    prefill_chip = setup.prefill.chip if setup.mode == "disaggregated" else setup.decode.chip
    prices = (setup.pricing.usd_per_hour(prefill_chip), setup.pricing.usd_per_hour(setup.decode.chip))
    plan = ServePlan(setup, rows, prices, 1.0)
    rate = setup.workload.requests_per_s
    if rate is None:  # one decode deployment's load
        rate = setup.decode.gpus / plan._mean("decode_gpu_s") if plan._mean("decode_gpu_s") > 0 else 1.0
    return replace(plan, requests_per_s=rate)


def search_chip_pairs(setup: ServeSetup, chips) -> list[ServePlan]:
    """The disaggregated plan for every (prefill chip, decode chip) pair of ``chips`` that meets
    the targets and fits, cheapest per request first."""
    plans = []
    for p in chips:
        for d in chips:
            try:
                plans.append(evaluate(replace(setup, mode="disaggregated", prefill=replace(setup.prefill, chip=p),
                                              decode=replace(setup.decode, chip=d))))
            except InputError:
                continue
    return sorted(plans, key=lambda plan: plan.usd_per_request)


def as_row(plan: ServePlan) -> dict:
    """A plan as one flat row (the command line's JSON and CSV, the Serving cost page's table):
    what it serves, then every ``results.SERVE_RESULTS`` under its key in its display unit."""
    s, mix = plan.setup, plan.setup.workload.mix
    return {"model": s.decode.model.slug, "prefill_chip": plan.prefill_chip.slug, "decode_chip": s.decode.chip.slug,
            "mode": s.mode, "input_tokens": "mix" if mix else s.workload.input_tokens,
            "output_tokens": "mix" if mix else s.workload.output_tokens, "cache_hit": s.workload.cache_hit,
            **{r.key: _shown(r, getattr(plan, r.name)) for r in SERVE_RESULTS},
            "prefill_share": plan.prefill_share,  # also as a fraction: the command line's documented field
            "pricing": plan.pricing_words, "notes": "; ".join(plan.notes)}


def _shown(result, value):
    """A result in its display unit; counts (GPUs) stay whole, a missing ratio None."""
    return value if value is None or isinstance(value, int) else result.shown(value)


def parse_mix(text, field: str = "mix") -> tuple:
    """A workload mix written as 'input:output:weight' rows, comma-separated
    ('2000:500:0.7, 8000:300:0.3'), as (input, output, weight) rows; '' or None: no mix."""
    if text is None or not str(text).strip():
        return ()
    rows = []
    for i, item in enumerate(str(text).split(",")):
        parts = item.strip().split(":")
        if len(parts) != 3:
            raise InputError(field, f"row {i + 1}: expected input:output:weight, got {item.strip()!r}")
        try:
            rows.append((int(parts[0]), int(parts[1]), float(parts[2])))
        except ValueError:
            raise InputError(field, f"row {i + 1}: not numbers: {item.strip()!r}") from None
    return tuple(rows)


def mix_text(rows) -> str:
    """Inverse of ``parse_mix``."""
    return ", ".join(f"{i}:{o}:{w:g}" for i, o, w in rows)


AXES = ("input_tokens", "output_tokens")
LENGTHS = tuple(int(v) for v in np.unique(np.round(np.geomspace(64, 131072, 23))))  # swept on either axis


@dataclass(frozen=True)
class LengthPoint:
    """The plan at one request length (``plan`` None: no plan meets the targets there, ``reason``)."""

    tokens: int
    plan: ServePlan | None
    reason: str = ""


def by_length(setup: ServeSetup, axis: str, lengths=LENGTHS) -> tuple[LengthPoint, ...]:
    """The plan at every length of ``lengths`` on ``axis`` ('input_tokens' or 'output_tokens'),
    the other length as the workload sets it (a mix: its first row's)."""
    if axis not in AXES:
        raise InputError("axis", f"one of {', '.join(AXES)}, got {axis!r}")
    l_in, l_out, _ = setup.workload.rows[0]
    base = replace(setup.workload, input_tokens=l_in, output_tokens=l_out, mix=())
    points = []
    for tokens in lengths:
        try:
            plan = evaluate(replace(setup, workload=replace(base, **{axis: int(tokens)})))
            points.append(LengthPoint(int(tokens), plan))
        except InputError as e:
            points.append(LengthPoint(int(tokens), None, str(e)))
    return tuple(points)


def crossover(points) -> float | None:
    """The first length (tokens) at which the prefill's share of a request's cost crosses one
    half (geometric between the neighbouring lengths of ``points``), None when it does not."""
    ok = [(p.tokens, p.plan.prefill_share - 0.5) for p in points if p.plan is not None]
    for (x0, y0), (x1, y1) in zip(ok, ok[1:]):
        if y0 == 0:
            return float(x0)
        if (y0 < 0) != (y1 < 0) or y1 == 0:
            return x0 * (x1 / x0) ** (y0 / (y0 - y1))
    return None
