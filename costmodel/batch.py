"""Batch-aware decode steps on a roofline (the paper's §5.3).

At decode batch B one step reads every weight once for all B tokens, so FFN and projection
intensity grow with B; MoE weights read depend on how many distinct experts the batch routes to.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chips import Chip
from .decode import decode_token
from .errors import require_positive
from .ffn import MoEFFN
from .model import ModelSpec
from .precision import bytes_per_element

def roofline_time_s(flops, nbytes, peak_flops: float, mem_bw_bytes_per_s: float):
    """(time in s, memory_bound) for work of ``flops`` FLOPs and ``nbytes`` HBM bytes."""
    compute = np.asarray(flops, dtype=float) / peak_flops
    memory = np.asarray(nbytes, dtype=float) / mem_bw_bytes_per_s
    return np.maximum(compute, memory), memory >= compute


def expected_experts_touched(n_routed: int, top_k: int, batch):
    """Expected distinct experts hit by ``batch`` tokens routing uniformly to top_k of n_routed:
    E x (1 - (1 - k/E)^B)."""
    batch = np.asarray(batch, dtype=float)
    return n_routed * (1.0 - (1.0 - top_k / n_routed) ** batch)


@dataclass(frozen=True)
class Step:
    """One decode step of ``batch`` tokens through a part of the model (all layers).
    flops, weight/KV bytes, time in seconds, and whether memory bandwidth binds."""

    batch: np.ndarray
    flops: np.ndarray
    nbytes: np.ndarray
    time_s: np.ndarray
    memory_bound: np.ndarray

    @property
    def intensity(self) -> np.ndarray:
        """FLOPs per byte."""
        return self.flops / self.nbytes


def _batch(batch) -> np.ndarray:
    values = np.asarray(batch, dtype=float)
    for value in np.atleast_1d(values):
        require_positive(value, "batch")
    return values


def ffn_weight_bytes(model: ModelSpec, batch, weight_dtype: str = "fp8"):
    """Bytes of FFN weights one step of ``batch`` tokens reads: dense layers whole, MoE layers
    the shared experts plus the expected distinct routed experts touched."""
    b = bytes_per_element(weight_dtype, "weight precision")
    batch = _batch(batch)
    total = np.zeros_like(batch)
    for group in model.ffn_groups:
        ffn = group.ffn
        if isinstance(ffn, MoEFFN):
            touched = expected_experts_touched(ffn.n_routed, ffn.top_k, batch)
            total = total + group.layers * (touched * ffn.expert_params() + ffn.shared_params()) * b
        else:
            total = total + group.layers * ffn.total_params() * b
    return total



def ffn_step(model: ModelSpec, chip: Chip, batch, weight_dtype: str = "fp8") -> Step:
    """FFN of all layers for one decode step of ``batch`` tokens on one chip."""
    batch = _batch(batch)
    flops = batch * decode_token(model, 1, weight_dtype=weight_dtype).ffn_flops
    nbytes = ffn_weight_bytes(model, batch, weight_dtype)
    peak = chip.peak_flops(chip.compute_dtype(weight_dtype))
    time, memory_bound = roofline_time_s(flops, nbytes, peak, chip.mem_bw_bytes_per_s)
    return Step(batch, flops, nbytes, time, memory_bound)


def attention_step(model: ModelSpec, chip: Chip, batch, context, kv_dtype: str | None = None,
                   weight_dtype: str = "fp8") -> tuple[Step, Step]:
    """(core, projections) of all layers for one step of ``batch`` requests at ``context``:
    the core reads every request's KV; the projections read their weights once per step."""
    batch = _batch(batch)
    token = decode_token(model, context, kv_dtype, weight_dtype)
    peak = chip.peak_flops(chip.compute_dtype(weight_dtype))
    core_flops = batch * token.attention_flops
    core_bytes = batch * token.kv_bytes
    core = Step(batch, core_flops, core_bytes, *roofline_time_s(core_flops, core_bytes, peak, chip.mem_bw_bytes_per_s))
    lin_flops = batch * token.linear_flops
    lin_bytes = np.broadcast_to(token.linear_weight_bytes, np.shape(lin_flops)).astype(float)
    linear = Step(batch, lin_flops, lin_bytes, *roofline_time_s(lin_flops, lin_bytes, peak, chip.mem_bw_bytes_per_s))
    return core, linear

