"""Chips ranked for a model, honestly: only where the model can run, at several contexts side by
side, the user's own chips and estimated prices marked.

A chip is ranked for a model at a context only under a deployment that holds the model's
weights and one request's KV at that context: the smallest group of 1, 2, 4, ... GPUs (at most
``MAX_GPUS``) of the chip, expert parallel for an MoE model and tensor parallel for a dense one
(``deploy.memory``), named in the row ("1 GPU", "ep over 16 GPUs"). Its cost is the decode cost
model's (``cost.cost_grid``: attention and FFN on the chip, USD per 1M tokens), which does not
depend on the group's size; a chip that no group of at most ``MAX_GPUS`` holds is listed as not
ranked, with why."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .chips import Chip
from .cost import cost_grid
from .deploy import DecodeSetup, memory
from .errors import InputError
from .model import ModelSpec

GPU_STEPS = (1, 2, 4, 8, 16, 32, 64, 128, 256)
MAX_GPUS = GPU_STEPS[-1]
CONTEXTS = (8192, 32768, 131072)  # ranked beside the caller's own context


@dataclass(frozen=True)
class Placement:
    """The smallest deployment of ``chip`` that holds the model and one request at ``context``:
    ``gpus`` (None: none up to MAX_GPUS does) and ``deployment`` ('ep' or 'tp'); ``need_gb``:
    what one GPU holds at that size (or at MAX_GPUS when none fits); ``have_gb``: usable."""

    chip: Chip
    context: float
    gpus: int | None
    deployment: str
    need_gb: float
    have_gb: float

    @property
    def label(self) -> str:
        if self.gpus is None:
            return f"does not fit on {MAX_GPUS} GPUs ({self.need_gb:,.0f} GB per GPU, {self.have_gb:,.0f} usable)"
        return "1 GPU" if self.gpus == 1 else f"{self.deployment} over {self.gpus} GPUs"


def placement(model: ModelSpec, chip: Chip, context: float, kv_dtype: str = "fp8",
              weight_dtype: str = "fp8") -> Placement:
    """The smallest group of GPUs of ``chip`` holding ``model`` and one request at ``context``."""
    deployment = "ep" if model.moe_groups else "tp"
    heads = min(g.attention.query_heads for g in model.attention_groups)
    need = None
    for gpus in GPU_STEPS:
        if deployment == "tp" and gpus > heads:
            break
        setup = DecodeSetup(model, chip, deployment, gpus=gpus, context=float(context), kv_dtype=kv_dtype,
                            weight_dtype=weight_dtype)
        per_gpu, _ = memory(setup, 1.0)
        need = float(np.ravel(per_gpu)[0])
        have = chip.mem_bytes * setup.memory_fraction
        if need <= have:
            return Placement(chip, float(context), gpus, deployment, need / 1e9, have / 1e9)
    return Placement(chip, float(context), None, deployment, (need or 0.0) / 1e9, chip.mem_bytes * 0.97 / 1e9)


@dataclass(frozen=True)
class RankedChip:
    """One chip for one model: its cost and place at each context (None: not ranked there, it
    does not fit), where it runs at each, and what about it is the user's own or estimated."""

    chip: Chip
    contexts: tuple[float, ...]
    usd_per_mtok: tuple[float, ...]
    rank: tuple[int | None, ...]
    placements: tuple[Placement, ...]
    own: bool

    @property
    def price_estimated(self) -> bool:
        return "price_usd_per_hour" in self.chip.assumed


def rank_chips(model: ModelSpec, chips, contexts, own: frozenset = frozenset(), kv_dtype: str | None = None,
               weight_dtype: str = "fp8") -> list[RankedChip]:
    """Every chip of ``chips`` for ``model`` at each of ``contexts`` (tokens): its decode cost
    and its rank among the chips that can run the model there (1 = cheapest); ``own``: slugs
    of the user's chips. Sorted by rank at the first context (chips that do not fit last)."""
    chips = tuple(chips)
    contexts = tuple(float(c) for c in contexts)
    if not chips or not contexts:
        raise InputError("chips" if not chips else "contexts", "nothing to rank")
    grid = cost_grid([model], chips, contexts, kv_dtype, weight_dtype)
    cache = kv_dtype or "fp8"
    places = [[placement(model, chip, c, cache, weight_dtype) for c in contexts] for chip in chips]
    costs = grid.total_usd_per_mtok[0]  # (chips, contexts)
    ranks = np.full(costs.shape, -1)
    for k in range(len(contexts)):
        fits = [i for i in range(len(chips)) if places[i][k].gpus is not None]
        for place, i in enumerate(sorted(fits, key=lambda i: costs[i, k]), start=1):
            ranks[i, k] = place
    rows = [RankedChip(chip, contexts, tuple(float(v) for v in costs[i]),
                       tuple(int(r) if r > 0 else None for r in ranks[i]), tuple(places[i]), chip.slug in own)
            for i, chip in enumerate(chips)]
    return sorted(rows, key=lambda row: (row.rank[0] is None, row.rank[0] or 0, row.chip.slug))
