"""Result fields, declared once: how each output the command line prints and the dashboard shows
is named, in which unit it is shown and at which scale, and its key in JSON (``tpot_ms``).
Command-line rows, dashboard tables, key figures and CSV headers come from these declarations
(``Result.title``, ``Result.shown``, ``Result.column``), never written out again.

A new output is one declaration here."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Result:
    """One output of the model, stored in SI units on the model's records.

    ``name``: the attribute on the record ('tpot_s'); ``label``: short name ('TPOT'); ``unit``:
    the display unit ('ms', '' for a plain count or a rate that names its unit in the label);
    ``scale``: SI value of one display unit (1e-3 for ms, 1e9 for GB); ``key``: the JSON field
    and CSV column of the command line ('tpot_ms')."""

    name: str
    label: str
    unit: str
    scale: float
    key: str

    @property
    def title(self) -> str:
        """Label with unit: 'TPOT (ms)' (no unit: the label)."""
        return f"{self.label} ({self.unit})" if self.unit else self.label

    def column(self, before: str = "", after: str = "") -> str:
        """A table's column for this result in a context: 'attention ' + label + ' at the SLA',
        with the unit: column('TPOT', after=' at low kernel efficiency') -> 'TPOT at low kernel
        efficiency (ms)'."""
        text = f"{before}{self.label}{after}"
        return f"{text} ({self.unit})" if self.unit else text

    def shown(self, si_value):
        """An SI value (a number, or an array of them) in display units, exactly: a scale below
        one multiplies by its whole inverse (1e-3 -> x 1000), a scale above one divides (1e9 ->
        / 1e9), so a value shown is the one the model computed, not a rounding of it."""
        value = np.asarray(si_value, dtype=float) if np.ndim(si_value) else float(si_value)
        if self.scale == 1:
            return value
        return value * round(1 / self.scale) if self.scale < 1 else value / self.scale


# Per decoded token, a deployment's throughput and cost
TPOT = Result("tpot_s", "TPOT", "ms", 1e-3, "tpot_ms")
TOKENS_PER_GPU_S = Result("tokens_per_gpu_s", "tokens/GPU/s", "", 1.0, "tokens_per_gpu_s")
SLA_TOKENS_PER_GPU_S = Result("sla_tokens_per_gpu_s", "tokens/GPU/s at the SLA", "", 1.0, "sla_tokens_per_gpu_s")
USD_PER_MTOK = Result("usd_per_mtok", "USD per 1M tokens", "", 1.0, "usd_per_mtok")
ATTENTION_USD_PER_MTOK = Result("attention_usd_per_mtok", "attention USD per 1M tokens", "", 1.0,
                                "attention_usd_per_mtok")
FFN_USD_PER_MTOK = Result("ffn_usd_per_mtok", "FFN USD per 1M tokens", "", 1.0, "ffn_usd_per_mtok")
TOTAL_USD_PER_MTOK = Result("total_usd_per_mtok", "total USD per 1M tokens", "", 1.0, "total_usd_per_mtok")
SLA_USD_PER_MTOK = Result("sla_usd_per_mtok", "USD per 1M tokens at the SLA", "", 1.0, "sla_usd_per_mtok")
# Memory and context of an AFD plan, per GPU
ATTENTION_MEMORY = Result("attention_memory_bytes", "attention GPU memory", "GB", 1e9, "attention_memory_gb")
FFN_MEMORY = Result("ffn_memory_bytes", "FFN GPU memory", "GB", 1e9, "ffn_memory_gb")
MAX_CONTEXT_PER_GPU = Result("attention_max_context_tokens_per_gpu", "max context per attention GPU", "tokens", 1.0,
                             "attention_max_context_tokens_per_gpu")
PER_LAYER_BUDGET = Result("per_layer_budget_s", "per-layer budget", "µs", 1e-6, "per_layer_budget_us")

# Attention and the latency model's validation (tables of the attention page)
INTENSITY = Result("intensity", "attention intensity", "FLOPs/byte", 1.0, "intensity")
TOKENS_PER_USER_S = Result("tokens_per_user_s", "tokens/s per user", "", 1.0, "tokens_per_user_s")
MEASURED_LATENCY = Result("measured_s", "measured latency", "µs", 1e-6, "measured_us")
MODEL_LATENCY = Result("model_s", "modeled latency, held out", "µs", 1e-6, "model_us")
MODEL_LATENCY_IN_SAMPLE = Result("model_in_sample_s", "modeled latency, in sample", "µs", 1e-6, "model_in_sample_us")
ERROR = Result("error", "error (model vs measured)", "%", 1e-2, "error_pct")  # a fraction: model / measured - 1
ERROR_IN_SAMPLE = Result("error_in_sample", "error in sample", "%", 1e-2, "error_in_sample_pct")
ERROR_HELD_OUT = Result("error_held_out", "error held out", "%", 1e-2, "error_held_out_pct")

# What the AFD search may optimize: the result and its direction
OBJECTIVES = {TOKENS_PER_GPU_S.key: (TOKENS_PER_GPU_S, "max"), USD_PER_MTOK.key: (USD_PER_MTOK, "min")}


def objective_label(key: str) -> str:
    """'max tokens/GPU/s', 'min USD per 1M tokens'."""
    result, direction = OBJECTIVES[key]
    return f"{direction} {result.label}"


# A whole request (costmodel.serving.ServePlan): its pools, its times, its cost
PREFILL_GPUS = Result("prefill_gpus", "prefill GPUs", "", 1.0, "prefill_gpus")
DECODE_GPUS = Result("decode_gpus", "decode GPUs", "", 1.0, "decode_gpus")
POOL_RATIO = Result("pool_ratio", "prefill GPUs per decode GPU", "", 1.0, "pool_ratio")
REQUESTS_PER_S = Result("requests_per_s", "requests/s", "", 1.0, "requests_per_s")
PREFILL_TOKENS_PER_GPU_S = Result("prefill_tokens_per_gpu_s", "prefill tokens/GPU/s", "", 1.0,
                                  "prefill_tokens_per_gpu_s")
DECODE_TOKENS_PER_GPU_S = Result("decode_tokens_per_gpu_s", "decode tokens/GPU/s", "", 1.0, "decode_tokens_per_gpu_s")
TTFT = Result("ttft_s", "TTFT", "ms", 1e-3, "ttft_ms")
USD_PER_REQUEST = Result("usd_per_request", "USD per request", "", 1.0, "usd_per_request")
USD_PER_MTOK_INPUT = Result("usd_per_mtok_input", "USD per 1M input tokens (cache miss)", "", 1.0,
                            "usd_per_mtok_input")
USD_PER_MTOK_INPUT_CACHED = Result("usd_per_mtok_input_cached", "USD per 1M input tokens (cache hit)", "", 1.0,
                                   "usd_per_mtok_input_cached")
USD_PER_MTOK_OUTPUT = Result("usd_per_mtok_output", "USD per 1M output tokens", "", 1.0, "usd_per_mtok_output")
PREFILL_SHARE = Result("prefill_share", "prefill share of the cost", "%", 1e-2, "prefill_share_pct")  # a fraction
KV_TRANSFER = Result("kv_transfer_s", "KV transfer", "ms", 1e-3, "kv_transfer_ms")
SERVE_RESULTS = (PREFILL_GPUS, DECODE_GPUS, POOL_RATIO, REQUESTS_PER_S, PREFILL_TOKENS_PER_GPU_S,
                 DECODE_TOKENS_PER_GPU_S, TTFT, TPOT, USD_PER_REQUEST, USD_PER_MTOK_INPUT, USD_PER_MTOK_INPUT_CACHED,
                 USD_PER_MTOK_OUTPUT, PREFILL_SHARE, KV_TRANSFER)  # a serving plan's outputs, in the order shown


RESULTS = tuple(v for v in globals().values() if isinstance(v, Result))  # every declared result, in order


def lookup(column: str) -> tuple[Result, bool] | None:
    """The declared result a table column holds and whether its values are SI (the column is
    the result's ``name``: 'error') rather than already in display units (its ``key`` or
    ``title``: 'tpot_ms', 'TPOT (ms)'); None for an undeclared column."""
    for result in RESULTS:
        if column == result.name:
            return result, True
        if column in (result.key, result.title):
            return result, False
    return None
