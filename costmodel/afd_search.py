"""Searching AFD plans (the Step-3 paper's §6, §7): the best xAyF and micro-batch for a setup and
an objective (``search``), over contexts (``search_contexts``) and over chip pairs
(``search_chip_pairs``); what binds a plan, the nearest feasible one, and a plan's range under
assumed kernel efficiencies. The plan itself (its stages, memory, throughput) is ``costmodel.afd``."""
from __future__ import annotations

from dataclasses import replace

import numpy as np

from .afd import (MAX_ATTENTION_INSTANCES, MAX_FFN_INSTANCES, MAX_LAYOUT, MICRO_BATCH_GRID, AFDPlan, AFDSetup,
                  _attention_side, _checked, _ffn_side, _limit, _network_s_per_byte, _network_side, _routed_top_k,
                  a2f_bytes_per_token, evaluate, f2a_bytes_per_token, layout_label)
from .errors import InputError
from .kernels import kernel_range, kernel_set
from .latency import link_bytes_per_s


STAGE_WORDS = {"attention": "attention", "network": "network (A->F + F->A)", "a2f": "A->F network",
               "f2a": "F->A network", "ffn": "FFN", "pipeline slot": "pipeline slot (the stages not hidden add up)"}


def _duration(seconds: float) -> str:
    """'140 us'; below a microsecond in ns ('254 ns'), not '0 us'."""
    return f"{seconds * 1e6:.0f} us" if seconds >= 1e-6 else f"{seconds * 1e9:.3g} ns"


def binding_constraint(plan: AFDPlan) -> str:
    """The constraint nearest to (or furthest past) its limit, in words, for a scalar plan."""
    use = {name: float(value) for name, value in plan.constraint_use().items()}
    name = max(use, key=use.get)
    over = use[name] > 1 + 1e-12
    if name.endswith("time"):
        stage = name[: -len(" time")]
        took = float(plan.slot_s if stage == "pipeline slot" else plan.stage_s[stage])
        budget = plan.setup.per_layer_budget_s
        if over:
            past = f"{100 * (use[name] - 1):.0f}%" if use[name] < 10 else f"{use[name]:,.0f} times the budget"
            return (f"{STAGE_WORDS[stage]} time: {_duration(took)} per layer exceeds the {_duration(budget)} budget "
                    f"by {_duration(took - budget)} ({past})")
        return (f"{STAGE_WORDS[stage]} time: {_duration(took)} per layer, {100 * use[name]:.0f}% of the "
                f"{_duration(budget)} budget")
    side = "attention" if name.startswith("attention") else "FFN"
    need = float(plan.attention_memory_bytes if side == "attention" else plan.ffn_memory_bytes) / 1e9
    have = (plan.attention_memory_capacity if side == "attention" else plan.ffn_memory_capacity) / 1e9
    if over:
        return f"{side} GPU memory: needs {need:.1f} GB, {need - have:.1f} GB more than the {have:.1f} GB usable"
    return f"{side} GPU memory: {need:.1f} GB, {100 * need / have:.0f}% of the {have:.1f} GB usable"


def _choose(count: np.ndarray, batches: np.ndarray, x: np.ndarray, y: np.ndarray, setup: AFDSetup, objective: str):
    """Index (attention, FFN, micro-batch) of the best feasible plan by its capacity at the SLA
    (max tokens/GPU/s or min USD per 1M tokens at the target TPOT: running faster than the
    target serves no more users); ties go to fewer GPUs. ``count`` (x by y): how many of the
    ascending micro-batches ``batches`` are feasible, always a prefix (feasibility only falls
    as the micro-batch grows, capacity rises with it: each pair's best is its largest feasible
    one). ``x``, ``y``: the instance counts along the two axes. None if nothing is feasible."""
    if objective not in ("tokens_per_gpu_s", "usd_per_mtok"):
        raise InputError("objective", f"choose tokens_per_gpu_s or usd_per_mtok, got {objective!r}")
    if not count.any():
        return None
    s = setup
    best_batch = np.where(count > 0, batches[np.maximum(count - 1, 0)], 0.0)
    x, y = x.reshape(-1, 1), y.reshape(1, -1)
    gpus = x * s.attention_gpus + y * s.ffn_gpus
    if objective == "tokens_per_gpu_s":
        score = -(best_batch * s.micro_batches / s.tpot_s / gpus)
    else:
        usd_per_s = (x * s.attention_gpus * s.attention_chip.price_usd_per_hour
                     + y * s.ffn_gpus * s.ffn_chip.price_usd_per_hour) / 3600.0
        score = usd_per_s / np.maximum(best_batch * s.micro_batches / s.tpot_s, 1e-30) * 1e6
    score = np.where(count > 0, score, np.inf)
    best = score <= score.min() + 1e-9 * abs(score.min())
    i, j = np.unravel_index(np.argmin(np.where(best, gpus, np.inf)), score.shape)
    return i, j, int(count[i, j]) - 1


def _attention_count(setup: AFDSetup, x: np.ndarray, batches: np.ndarray) -> np.ndarray:
    """(x by 1) how many of the ascending micro-batches ``batches`` the attention side fits:
    its time in the per-layer budget and its KV + weights in memory (both grow with the
    micro-batch, so the fitting ones are a prefix)."""
    s = setup
    attention = _attention_side(s, x[:, None, None], batches[None, None, :])
    ok = (attention["attention_s"] <= _limit(s)) & (attention["attention_memory_bytes"] <= s.attention_chip.mem_bytes * s.memory_fraction)
    return ok.sum(axis=-1)


def _ffn_network_count(setup: AFDSetup, x: np.ndarray, y: np.ndarray, batches: np.ndarray) -> np.ndarray:
    """(x by y) how many of the ascending micro-batches ``batches`` the FFN side (over y) and
    the network (over x and y) fit; neither depends on the context."""
    s = setup
    limit = _limit(s)
    xs, ys = x[:, None], y[None, :]
    ffn = _ffn_side(s, ys[..., None], batches[None, None, :])
    ok = (ffn["ffn_s"] <= limit) & (ffn["ffn_memory_bytes"] <= s.ffn_chip.mem_bytes * s.memory_fraction)
    count = ok.sum(axis=-1)  # (1, y)

    s_per_byte = _network_s_per_byte(s, xs, ys)

    def network_fits(batch):  # the network stage(s) of each (x, y) at micro-batch ``batch`` (x by y)
        network = _network_side(s, xs, ys, batch, s_per_byte)
        if s.stages == 3:
            return network["a2f_s"] + network["f2a_s"] <= limit
        return (network["a2f_s"] <= limit) & (network["f2a_s"] <= limit)

    # network time is linear in the micro-batch: the largest that fits, then the exact check
    a2f, f2a = a2f_bytes_per_token(s.model.hidden, _routed_top_k(s.model)), f2a_bytes_per_token(s.model.hidden)
    per_request = s_per_byte * s.mtp_tokens * (a2f + f2a if s.stages == 3 else max(a2f, f2a))
    network = _prefix_length(batches, network_fits, np.searchsorted(batches, limit / per_request, side="right"))
    return np.minimum(count, network)



def _prefix_length(batches: np.ndarray, fits, estimate: np.ndarray) -> np.ndarray:
    """For each cell of ``estimate`` (an array of indices into the ascending ``batches``), the
    number of leading micro-batches for which ``fits`` (monotone: true, then false) holds,
    starting from the estimate and moved until ``fits`` agrees at the boundary."""
    n = len(batches)
    count = np.asarray(estimate).copy()
    while True:
        last_fits = np.where(count > 0, fits(batches[np.maximum(count - 1, 0)]), True)
        next_fits = np.where(count < n, fits(batches[np.minimum(count, n - 1)]), False)
        if last_fits.all() and not next_fits.any():
            return count
        count = count - ~last_fits + next_fits


def _axis(name: str, value, upper: int) -> np.ndarray:
    """1..``upper`` when ``value`` is None, else the checked ``value`` alone."""
    return np.arange(1, upper + 1, dtype=float) if value is None else _checked(name, [value])


def search(setup: AFDSetup, attention_instances=None, ffn_instances=None, micro_batch=None,
           objective: str = "tokens_per_gpu_s", max_attention: int = MAX_ATTENTION_INSTANCES,
           max_ffn: int = MAX_FFN_INSTANCES, micro_batch_grid: np.ndarray = MICRO_BATCH_GRID) -> AFDPlan | None:
    """Best feasible plan over whatever is not fixed: attention instances 1..max_attention, FFN
    instances 1..max_ffn, micro-batches on ``micro_batch_grid`` (ascending; default a
    geometric grid of multiples of 16, 16 to 16384). None if nothing is feasible."""
    return search_contexts(setup, [setup.context], attention_instances, ffn_instances, micro_batch, objective,
                           max_attention, max_ffn, micro_batch_grid)[0]


def search_contexts(setup: AFDSetup, contexts, attention_instances=None, ffn_instances=None, micro_batch=None,
                    objective: str = "tokens_per_gpu_s", max_attention: int = MAX_ATTENTION_INSTANCES,
                    max_ffn: int = MAX_FFN_INSTANCES,
                    micro_batch_grid: np.ndarray = MICRO_BATCH_GRID) -> list[AFDPlan | None]:
    """``search`` at each of ``contexts`` (tokens): the FFN and network sides, which do not
    depend on the context, are counted once. Each feasible micro-batch is counted per side
    (attention over x, FFN over y, the network over both) instead of evaluating every plan."""
    x = _axis("attention instances", attention_instances, max_attention)
    y = _axis("ffn instances", ffn_instances, max_ffn)
    if micro_batch is not None:
        b = _checked("micro-batch", [micro_batch])
    else:
        b = micro_batch_grid if micro_batch_grid is MICRO_BATCH_GRID else _checked("micro-batch", micro_batch_grid)
    shared = _ffn_network_count(setup, x, y, b) if setup.overlap == 1 else None
    plans = []
    for context in contexts:
        at = setup if float(context) == setup.context else replace(setup, context=float(context))
        if shared is None:  # stages not hidden add up: the slot couples the sides, evaluate every plan
            count = evaluate(at, x[:, None, None], y[None, :, None], b[None, None, :]).feasible.sum(axis=-1)
        else:
            count = np.minimum(_attention_count(at, x, b), shared)
        index = _choose(count, b, x, y, at, objective)
        plans.append(None if index is None else evaluate(at, x[index[0]], y[index[1]], b[index[2]]))
    return plans


def range_plans(plan: AFDPlan) -> tuple[AFDPlan, AFDPlan] | None:
    """The same xAyF and micro-batch at the low and high end of the attention and FFN chips'
    assumed kernel efficiencies (``kernels.kernel_range``); None when both chips' kernels were
    measured, the setup fixes its kernels or times with the efficiency factors."""
    s = plan.setup
    if s.kernels is not None or s.attention_timing != "kernels":
        return None
    ranges = [kernel_range(chip) for chip in (s.attention_chip, s.ffn_chip)]
    if ranges == [None, None]:
        return None
    ends = []
    for end in (0, 1):
        sets = [r[end] if r is not None else kernel_set(chip) for r, chip in zip(ranges, (s.attention_chip, s.ffn_chip))]
        at = replace(s, attention_set=sets[0], ffn_set=sets[1])
        ends.append(evaluate(at, plan.attention_instances, plan.ffn_instances, plan.micro_batch))
    return ends[0], ends[1]


def notes(setup: AFDSetup) -> tuple[str, ...]:
    """What the plan assumes that a user should know: assumed kernel efficiencies, a chip
    without a scale-up figure whose NIC carries the attention instance's traffic."""
    out = []
    for role, chip, ks in (("attention", setup.attention_chip, setup.kernel_set), ("FFN", setup.ffn_chip,
                                                                                    setup.ffn_kernel_set)):
        if ks.assumed and setup.attention_timing == "kernels" and setup.kernels is None:
            out.append(f"{role} chip {chip.slug}: kernel efficiencies assumed ({ks.label}); figures carry a range")
    if setup.layout != "dp" and setup.attention_gpus > 1:
        note = link_bytes_per_s(setup.attention_chip)[1]
        if note:
            out.append(note)
    return tuple(dict.fromkeys(out))


def nearest_feasible(setup: AFDSetup, attention_instances, ffn_instances, micro_batch) -> str:
    """What would meet the target nearest to an infeasible choice, in words."""
    options = []
    fine = np.arange(16.0, max(float(micro_batch), 16.0) + 1, 16.0)
    fewer = search(setup, attention_instances, ffn_instances, micro_batch_grid=fine)
    if fewer is not None:
        options.append(f"the same {layout_label(attention_instances, ffn_instances)} with micro-batch "
                       f"{int(fewer.micro_batch)} ({float(fewer.tokens_per_gpu_s):.0f} tokens/GPU/s)")
    more = search(setup, None, None, micro_batch)
    if more is not None:
        options.append(f"{more.layout} at micro-batch {int(micro_batch)} "
                       f"({float(more.tokens_per_gpu_s):.0f} tokens/GPU/s)")
    if not options:
        best = evaluate(setup, MAX_ATTENTION_INSTANCES, MAX_FFN_INSTANCES, MICRO_BATCH_GRID[0])
        return (f"nothing up to {MAX_LAYOUT} meets the target: even then "
                f"{binding_constraint(best.at(0))}")
    return "nearest feasible: " + "; or ".join(options)


def search_chip_pairs(setup: AFDSetup, chips, objective: str = "tokens_per_gpu_s", micro_batch=None,
                      ffn_instances=None) -> list[AFDPlan]:
    """The best plan for every (attention chip, FFN chip) pair of ``chips``, best first
    (pairs with no feasible plan are left out)."""
    plans = []
    for a in chips:
        for f in chips:
            plan = search(replace(setup, attention_chip=a, ffn_chip=f), None, ffn_instances, micro_batch, objective)
            if plan is not None:
                plans.append(plan)
    key = (lambda p: (-float(p.sla_tokens_per_gpu_s), float(p.gpus))) if objective == "tokens_per_gpu_s" \
        else (lambda p: (float(p.sla_usd_per_mtok), float(p.gpus)))
    return sorted(plans, key=key)
