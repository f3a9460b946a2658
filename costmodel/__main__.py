"""Command line: `python -m costmodel {models,chips,cost,afd,decode,prefill,serve,attention,validate,paper}`;
see README.md.

Exit status: 0 ok, 1 a paper mismatch, no feasible plan or a validated latency over its bound,
2 bad input (one message naming the field, no traceback). JSON field names are a public interface. ``--chip-file`` and
``--model-file`` add a user's chips and models (data/*.toml's shape, or a Hugging Face
config.json) to the library's for one command."""
from __future__ import annotations

import dataclasses
import math
import csv
import io
import json
import sys

from . import __version__, escape, library, results
from .chips import CHIP_FIELDS
from .cost import cost_grid
from .decode import parse_context
from .errors import InputError
from .arguments import Parser
from .afd import KERNEL_TIMED, RATIO, AFDSetup, Efficiency, evaluate, layout_label
from .afd_search import binding_constraint, nearest_feasible, search, search_chip_pairs
from .afd_search import notes as afd_notes, range_plans as afd_range_plans
from .deploy import MAX_BATCH as MAX_DECODE_BATCH, DecodeSetup, as_row, best_batch, part_key
from .deploy import evaluate as evaluate_deployment
from .prefill import PrefillSetup, evaluate as evaluate_prefill
from .pricing import Pricing
from .serving import ServeSetup, Workload, as_row as serve_row, evaluate as evaluate_serve, parse_mix
from .serving import search_chip_pairs as search_serve_pairs
from .fields import Choice, declared
from .kernels import assumptions, chip_kernel_rows, kernel_range, kernel_set
from .latency import check_layout, default_layout, layer_latency, table9_weight_dtype
from .precision import check_dtype, dtype_for_bits

FORMATS = ("table", "csv", "json")


def _fmt(value) -> str:
    """A table cell for the terminal."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return "-"
    return escape.terminal(value)


def check_finite(rows: list[dict], inputs=("model", "chip", "attention_chip", "context")) -> None:
    """Every number of ``rows`` finite, else InputError naming the row's inputs: a result that is
    not finite is never printed (strict JSON has no NaN or Infinity)."""
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and not math.isfinite(value):
                where = ", ".join(f"{k} {row[k]}" for k in inputs if k in row)
                raise InputError(key, f"not a finite number for {where}: the inputs are out of the model's range")


def render(rows: list[dict], fmt: str) -> str:
    """Rows as an aligned text table (for a terminal), CSV (no cell a spreadsheet would run as a
    formula) or a JSON array of objects (strict: no NaN; names exactly)."""
    check_finite(rows)
    if fmt == "json":
        return json.dumps(rows, indent=2, allow_nan=False)
    if not rows:
        return ""
    columns = list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: escape.csv_cell(v) for k, v in row.items()} for row in rows)
        return out.getvalue().rstrip("\n")
    cells = [[_fmt(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def known_chips(args) -> dict:
    """The library's chips (``--data``) and those of every ``--chip-file``, by slug."""
    extra = [c for path in args.chip_file or () for c in library.load_chip_file(path)]
    return library.with_extra(library.chips(args.data), extra, "chip")


def known_models(args) -> dict:
    """The library's models (``--data``) and those of every ``--model-file``, by slug."""
    extra = [m for path in args.model_file or () for m in library.load_model_file(path)]
    return library.with_extra(library.models(args.data), extra, "model")


def model_rows(args) -> list[dict]:
    rows = []
    for m in known_models(args).values():
        p = m.params()
        rows.append({
            "model": m.slug, "name": m.name, "attention": m.attention_label, "layers": m.layers,
            "hidden": m.hidden, "total_params": p.total, "activated_params": p.activated,
            "embedding_params": p.embedding, "kv_bytes_per_context_token_8k": _kv_per_token(m),
            "source": m.source,
        })
    return rows


def _kv_per_token(model) -> float:
    """KV bytes read per decoded token per context token (all layers, the model's own KV formats) at 8K."""
    from .decode import decode_token

    return float(decode_token(model, 8192).kv_bytes) / 8192


def chip_rows(args) -> list[dict]:
    """One row per chip: every declared field in SI units, the FP8 ridge point, estimates, source."""
    return [{"chip": c.slug, "name": c.name, "vendor": c.vendor,
             **{spec.name: getattr(c, spec.name) for spec in CHIP_FIELDS},
             "ridge_point_fp8": c.ridge_point("fp8"), "assumed": ",".join(sorted(c.assumed)), "source": c.source}
            for c in known_chips(args).values()]


def cost_rows(args) -> list[dict]:
    known_m, known_c = known_models(args), known_chips(args)
    models = [library.lookup(m, known_m, "model") for m in args.model]
    chips = [library.lookup(c, known_c, "chip") for c in args.chip]
    contexts = [parse_context(c) for c in args.context]
    kv_dtype = dtype_for_bits(args.kv_bits) if args.kv_bits is not None else None
    weight_dtype = check_dtype(args.weight_dtype, "weight-dtype")
    grid = cost_grid(models, chips, contexts, kv_dtype, weight_dtype)
    rows = []
    for i, model in enumerate(models):
        token = grid.tokens[i]
        for j, chip in enumerate(chips):
            for k, context in enumerate(grid.context):
                rows.append({
                    "model": model.slug, "chip": chip.slug, "context": int(context),
                    "kv_dtype": kv_dtype or "model", "compute_dtype": grid.units[j].compute_dtype,
                    "kv_bytes": float(token.kv_bytes[k]),
                    "attention_flops": float(token.attention_flops[k]),
                    "linear_flops": float(token.linear_flops),
                    "ffn_flops": float(token.ffn_flops),
                    "kv_stored_bytes": float(token.kv_stored_bytes[k]),
                    "query_flops": float(token.query_flops), "kv_projection_flops": float(token.kv_projection_flops),
                    "output_flops": float(token.output_flops),
                    "attention_intensity": float(token.attention_intensity[k]),
                    "attention_usd_per_mtok": float(grid.attention_usd_per_mtok[i, j, k]),
                    "ffn_usd_per_mtok": float(grid.ffn_usd_per_mtok[i, j, k]),
                    "total_usd_per_mtok": float(grid.total_usd_per_mtok[i, j, k]),
                    "attention_bound": "memory" if grid.attention_memory_bound[i, j, k] else "compute",
                })
    return rows


def paper_command(args) -> int:
    from .paper import reproduce

    cells = reproduce(data_path=args.data)
    rows = [{"table": c.table, "row": c.row, "column": c.column, "paper": c.paper,
             "computed": c.computed_at_paper_precision, "computed_exact": c.computed,
             "match": c.match} for c in cells]
    shown = rows if args.all or args.format == "json" else [r for r in rows if not r["match"]]
    mismatches = sum(not r["match"] for r in rows)
    if shown:
        print(render(shown, args.format))
    if args.format != "json":
        print(f"{len(rows) - mismatches} of {len(rows)} paper cells match (Tables 2-7, Figures 1-2 totals); "
              f"{mismatches} mismatch{'es' if mismatches != 1 else ''}.")
    return 1 if mismatches else 0


def afd_row(plan) -> dict:
    """One AFD plan as a flat row (times in us, memory in GB, bandwidth in bytes/s)."""
    s = plan.setup
    row = {
        "model": s.model.slug, "attention_chip": s.attention_chip.slug, "ffn_chip": s.ffn_chip.slug,
        "context": int(s.context), "attention_dtype": s.attention_dtype, "kv_dtype": s.kv_dtype,
        "attention_instances": int(plan.attention_instances), "ffn_instances": int(plan.ffn_instances),
        "layout": plan.layout, "attention_layout": s.layout, "kernel_set": s.kernel_set.label,
        "kernels_assumed": s.kernel_set.assumed, "gpus": int(plan.gpus), "micro_batch": int(plan.micro_batch), "total_batch": int(plan.total_batch),
        "feasible": bool(plan.feasible),
        **{r.key: r.shown(getattr(plan, r.name)) for r in (results.TPOT, results.TOKENS_PER_GPU_S,
                                                            results.SLA_TOKENS_PER_GPU_S, results.USD_PER_MTOK,
                                                            results.ATTENTION_USD_PER_MTOK, results.FFN_USD_PER_MTOK)},
        results.PER_LAYER_BUDGET.key: results.PER_LAYER_BUDGET.shown(s.per_layer_budget_s),
    }
    row.update({f"{name}_us": float(t) * 1e6 for name, t in plan.stage_s.items()})
    row.update({f"{name.replace(' ', '_')}_use": float(u) for name, u in plan.constraint_use().items()})
    row.update({
        **{r.key: r.shown(getattr(plan, r.name)) for r in (results.ATTENTION_MEMORY, results.FFN_MEMORY,
                                                            results.MAX_CONTEXT_PER_GPU)},
        "binding_constraint": binding_constraint(plan), "mtp_tokens": s.mtp_tokens, "mtp_accept": s.mtp_accept,
        "overlap": s.overlap,
    })
    ends = afd_range_plans(plan)
    for name, end in zip(("low", "high"), ends or ()):
        end = end.at(())
        row.update({f"{r.key}_{name}": r.shown(getattr(end, r.name))
                    for r in (results.TOKENS_PER_GPU_S, results.TPOT, results.USD_PER_MTOK)})
    row["assumed"] = "; ".join(dict.fromkeys(assumptions(s.attention_chip, s.kernel_set)
                                             + assumptions(s.ffn_chip, s.ffn_kernel_set)))
    row["notes"] = "; ".join(afd_notes(s))
    return row


# AFDSetup values the afd command takes as --<key> options (derived from their declarations);
# the model, the chips and the efficiency factors have options of their own.
AFD_OPTIONS = {name: spec for name, spec in declared(AFDSetup).items() if name not in ("context",)}
EFFICIENCY_OPTIONS = declared(Efficiency)
AFD_DEFAULTS = {**{f.name: f.default for f in dataclasses.fields(AFDSetup)},
                **{f.name: f.default for f in dataclasses.fields(Efficiency)}}


def _option_value(spec, raw, option: str):
    """An option's text as its declared field's SI value (InputError naming the option)."""
    if isinstance(spec, Choice):
        if any(isinstance(o, int) for o in spec.options):
            try:
                raw = float(raw)
            except ValueError:
                pass
        return spec.check(raw, option)
    try:
        number = float(raw)
    except ValueError:
        raise InputError(option, f"not a number: {raw!r}") from None
    return spec.check(number, option, shown=True)


def afd_setup(args) -> AFDSetup:
    """The AFDSetup the afd command's options describe. ``--gpus-per-instance`` and
    ``--net-gbs`` set both pools; ``--kv-bits`` sets the KV format by width."""
    chips, models = known_chips(args), known_models(args)
    attention_chip = library.lookup(args.attention_chip, chips, "attention-chip", "chip")
    values = {}
    for name, spec in AFD_OPTIONS.items():
        raw = getattr(args, spec.key)
        if raw is not None:
            values[name] = _option_value(spec, raw, spec.key.replace("_", "-"))
    for name, keys in (("gpus_per_instance", ("attention_gpus", "ffn_gpus")),
                       ("net_gbs", ("attention_net_bytes_per_s", "ffn_net_bytes_per_s"))):
        raw = getattr(args, name)
        for key in keys if raw is not None else ():
            values.setdefault(key, _option_value(AFD_OPTIONS[key], raw, name.replace("_", "-")))
    if args.kv_bits is not None:
        values.setdefault("kv_dtype", dtype_for_bits(args.kv_bits))
    efficiency = {name: _option_value(spec, getattr(args, spec.key), spec.key.replace("_", "-"))
                  for name, spec in EFFICIENCY_OPTIONS.items() if getattr(args, spec.key) is not None}
    return AFDSetup(
        model=library.lookup(args.model, models, "model"), attention_chip=attention_chip,
        ffn_chip=library.lookup(args.ffn_chip, chips, "ffn-chip", "chip") if args.ffn_chip else attention_chip,
        context=parse_context(args.context), efficiency=Efficiency(**efficiency), **values)


def afd_command(args) -> int:
    if args.top < 1:
        raise InputError("--top", f"rows shown with --chip-pairs: a whole number from 1, got {args.top}")
    setup = afd_setup(args)
    x, y, batch = (None if getattr(args, name) is None else _option_value(spec, getattr(args, name), name.replace("_", "-"))
                   for name, spec in RATIO.items())
    if args.chip_pairs:
        plans = search_chip_pairs(setup, list(known_chips(args).values()), args.objective, batch, y)
        rows = [afd_row(p) for p in plans[: args.top]]
        if not rows:
            print("error: no chip pair meets the target", file=sys.stderr)
            return 1
        print(render(rows, args.format))
        return 0
    if x is not None and y is not None and batch is not None:
        plan = evaluate(setup, x, y, batch).at(())
        row = afd_row(plan)
        if not plan.feasible:
            row["nearest_feasible"] = nearest_feasible(setup, x, y, batch)
    else:
        plan = search(setup, x, y, batch, args.objective)
        if plan is None:
            probe = evaluate(setup, x or 1, y or 1, batch or 16).at(())
            print(f"error: no plan meets the target: even at {layout_label(x or 1, y or 1)} with micro-batch {batch or 16}, "
                  f"{afd_row(probe)['binding_constraint']}", file=sys.stderr)
            return 1
        row = afd_row(plan)
    print(render([row], args.format) if args.format != "table" else "\n".join(f"{k:38s} {_fmt(v)}" for k, v in row.items()))
    return 0


# -- attention and validate (issue 11) -------------------------------------------------------------
def _finite(value):
    """A JSON-safe value: floats finite (else None), numpy scalars as Python numbers."""
    if isinstance(value, (bool, str)) or value is None:
        return value
    if isinstance(value, (int,)):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return number if number == number and abs(number) != float("inf") else None


def _print_rows(rows: list[dict], fmt: str) -> None:
    rows = [{k: _finite(v) for k, v in r.items()} for r in rows]
    print(json.dumps(rows, indent=2, allow_nan=False) if fmt == "json" else render(rows, fmt))


def attention_rows(args) -> list[dict]:
    """One row per (model, chip, context): one attention layer per decode step, per GPU."""
    known_m, known_c = known_models(args), known_chips(args)
    models = [library.lookup(m, known_m, "model") for m in args.model]
    chips = [library.lookup(c, known_c, "chip") for c in args.chip]
    contexts = [parse_context(c) for c in args.context]
    gpus = _whole_option(args.gpus, "gpus", 4096)
    batch = _whole_option(args.batch, "batch", 1 << 24)
    layout = None if args.layout is None else check_layout(args.layout)
    kv_dtype = check_dtype(args.kv_dtype, "kv-dtype") if args.kv_dtype != "model" else None
    attention_dtype = check_dtype(args.attention_dtype, "attention-dtype")
    rows = []
    for model in models:
        for chip in chips:
            weight_dtype = (table9_weight_dtype(chip) if args.weight_dtype == "auto"
                            else check_dtype(args.weight_dtype, "weight-dtype"))
            ks = kernel_set(chip, args.data)
            lay = layout or default_layout(model)
            lat = layer_latency(model, chip, contexts, gpus, batch, lay, kv_dtype=kv_dtype,
                                attention_dtype=attention_dtype, weight_dtype=weight_dtype, kernels=ks)
            ends = [layer_latency(model, chip, contexts, gpus, batch, lay, kv_dtype=kv_dtype, attention_dtype=attention_dtype,
                                  weight_dtype=weight_dtype, kernels=end) for end in kernel_range(chip, args.data) or ()]
            kinds = sorted({g.attention.kind for g in model.attention_groups})
            for k, context in enumerate(contexts):
                rows.append({
                    "model": model.slug, "chip": chip.slug, "context": int(context), "layout": lay, "gpus": gpus,
                    "batch": batch, "latency_us": float(lat.latency_s[k]) * 1e6, "core_us": float(lat.core_s[k]) * 1e6,
                    "projections_us": float(lat.projections_s[k]) * 1e6, "query_us": float(lat.query_s[k]) * 1e6,
                    "kv_projection_us": float(lat.kv_projection_s[k]) * 1e6,
                    "output_us": float(lat.output_s[k]) * 1e6, "comm_us": float(lat.comm_s[k]) * 1e6,
                    "overhead_us": float(lat.overhead_s[k]) * 1e6, "bound": str(lat.bound[k]),
                    "kv_read_bytes": float(lat.kv_read_bytes[k]), "kv_stored_bytes": float(lat.kv_stored_bytes[k]),
                    "core_flops": float(lat.core_flops[k]), "comm_bytes": float(lat.comm_bytes[k]),
                    "requests_per_gpu": float(lat.requests_per_gpu[k]), "replication": float(lat.replication[k]),
                    "replication_note": lat.replication_note, "kv_dtype": kv_dtype or "model",
                    "attention_dtype": attention_dtype, "weight_dtype": weight_dtype,
                    "kernel": ", ".join(ks.attention(kind).kernel for kind in kinds),
                    "kernel_set": ks.family, "kernels_assumed": ks.assumed, "kernel_set_label": ks.label,
                    **{f"latency_us_{name}": float(end.latency_s[k]) * 1e6 for name, end in zip(("high", "low"), ends)},
                    "assumed": "; ".join(assumptions(chip, ks, args.data)), "notes": "; ".join(lat.notes),
                })
    return rows


def _whole_option(raw, option: str, maximum: int) -> int:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise InputError(option, f"not a number: {raw!r}") from None
    if not (1 <= value <= maximum) or value != int(value):
        raise InputError(option, f"must be a whole number between 1 and {maximum:,}, got {raw}")
    return int(value)


ATTENTION_TABLE = ("model", "chip", "context", "layout", "gpus", "batch", "latency_us", "core_us", "projections_us",
                   "comm_us", "overhead_us", "bound", "replication", "kernel_set", "kernels_assumed")


def validate_command(args) -> int:
    """Every measured row: measured, model in sample and held out, errors; exit 1 when a
    held-out row of a limited table (Table 9: 15%) is over its limit."""
    from . import calibration, validation

    chips, models = known_chips(args), known_models(args)
    result = validation.validate(args.data, chips, models)
    rows = [r.as_dict() for r in result.rows]
    failures = result.failures()
    table9 = [abs(r.error_held_out) for r in result.rows if r.measurement.table == "Table 9"]
    worst = max(table9, default=0.0)
    if args.write_kernels:
        calibration.write_kernels(args.write_kernels, calibration.kernels_toml(
            result.fit, result.ceilings, result.clocks, result.deployment_defaults()))
    if args.format == "json":
        payload = {"rows": [{k: _finite(v) for k, v in r.items()} for r in rows],
                   "parameters": {k: _finite(v) for k, v in result.efficiencies().items()},
                   "parameter_descriptions": {k: d for k, (d, *_) in calibration.PARAMETERS.items()
                                              if k in result.fit.values},
                   "ceilings": {k: {"value": b.value, "source": b.source} for k, b in result.ceilings.items()},
                   "clocks": {k: {"value": b.value, "assumed": b.assumed, "source": b.source}
                              for k, b in result.clocks.items()},
                   "deployments": result.deployment_defaults(),
                   "speedups_32k": [{k: _finite(v) for k, v in r.items()}
                                    for r in validation.speedups(result.sets, args.data, chips, models)],
                   "kernel_sets": [{k: _finite(v) for k, v in r.items()}
                                   for r in chip_kernel_rows(chips.values(), args.data)],
                   "table9_max_held_out_error": _finite(worst), "table9_limit": validation.TABLE9_LIMIT,
                   "ok": not failures}
        print(json.dumps(payload, indent=2, allow_nan=False))
        return 1 if failures else 0
    shown = [{k: v for k, v in r.items() if k not in ("assumed", "source", "quantity", "notes", "model_low", "model_high")}
             for r in rows]
    if args.format == "table":  # errors as percentages on screen; csv and json keep fractions
        shown = [{**r, "error_in_sample": f"{100 * r['error_in_sample']:+.1f}%",
                  "error_held_out": f"{100 * r['error_held_out']:+.1f}%",
                  "range": "" if d["model_low"] is None else f"{d['model_low']:.4g}-{d['model_high']:.4g}"}
                 for r, d in zip(shown, rows)]
    print(render([{k: _finite(v) for k, v in r.items()} for r in shown], args.format))
    if args.format == "table":
        _print_validation_summary(result, validation.speedups(result.sets, args.data, chips, models), worst,
                                  len(table9), failures)
    return 1 if failures else 0


def _print_validation_summary(result, speedups, worst: float, cells: int, failures) -> None:
    from . import calibration, validation

    print()
    for name, value in result.efficiencies().items():
        text = calibration.PARAMETERS[name][0] if name in calibration.PARAMETERS else \
            (f"expert-parallel {'prefill' if 'prefill' in name else 'decode'} overlap: share of the shorter of "
             f"compute and all-to-all hidden (fitted to those public deployments)")
        print(f"{name:26s} {value:10.4g}  {text}")
    print(f"{'ep.balance':26s} {result.balance:10.4g}  expert balance, mean / max tokens per GPU (published, not fitted)")
    print("\nModel ranges (the columns 'range') are shown where a chip's kernel efficiencies are assumed.")
    print()
    for r in speedups:
        print(f"MFA speedup over {r['other_model']} on {r['chip']} at 32K: measured {r['measured']:.2f}x, "
              f"model {r['model']:.2f}x ({100 * r['error']:+.1f}%)")
    print(f"\n{cells} Table 9 cells: largest held-out error {100 * worst:.1f}% "
          f"(limit {100 * validation.TABLE9_LIMIT:.0f}%); {len(failures)} over.")


# -- decode (deployments) ---------------------------------------------------------------------------
# DecodeSetup values the decode command takes as --<key> options (from their declarations); the model,
# the chip and the context have options of their own, the efficiency factors those of afd.
DECODE_OPTIONS = {name: spec for name, spec in declared(DecodeSetup).items() if name != "context"}
DECODE_DEFAULTS = {f.name: f.default for f in dataclasses.fields(DecodeSetup)}


def _declared_values(args, options: dict) -> dict:
    """{field: SI value} of every declared option the command line gives."""
    return {name: _option_value(spec, getattr(args, spec.key), spec.key.replace("_", "-"))
            for name, spec in options.items() if getattr(args, spec.key) is not None}


def decode_rows(args) -> list[dict]:
    """One row per (model, chip, context): the deployment at ``--batch`` requests per GPU, or
    the largest batch meeting ``--tpot-ms``."""
    known_m, known_c = known_models(args), known_chips(args)
    models = [library.lookup(m, known_m, "model") for m in args.model]
    chips = [library.lookup(c, known_c, "chip") for c in args.chip]
    contexts = [parse_context(c) for c in args.context]
    values = _declared_values(args, DECODE_OPTIONS)
    efficiency = Efficiency(**_declared_values(args, EFFICIENCY_OPTIONS))
    if args.batch is None and args.tpot_ms is None:
        raise InputError("batch", "give --batch (requests per GPU) or --tpot-ms (the largest batch meeting it)")
    tpot = None if args.tpot_ms is None else _option_value(AFD_OPTIONS["tpot_s"], args.tpot_ms, "tpot-ms")
    batch = None if args.batch is None else _whole_option(args.batch, "batch", MAX_DECODE_BATCH)
    rows = []
    for model in models:
        for chip in chips:
            for context in contexts:
                setup = DecodeSetup(model, chip, context=context, efficiency=efficiency, **values)
                rows.append(_decode_row(setup, batch, tpot))
    return rows


def _decode_row(setup: DecodeSetup, batch, tpot) -> dict:
    if batch is None:
        plan = best_batch(setup, tpot)
        if plan is None:
            raise InputError("tpot-ms", f"no batch of {setup.model.slug} on {setup.chip.slug} meets "
                                        f"{tpot * 1e3:g} ms per token (or one request's KV does not fit)")
    else:
        plan = evaluate_deployment(setup, batch).at(0)
    return as_row(plan)


DECODE_TABLE = ("model", "chip", "deployment", "gpus", "batch_per_gpu", "context", "tokens_per_gpu_s", "tpot_ms",
                "step_ms", "compute_ms", "comm_ms", "memory_gb_per_gpu", "mode", "bound")


# -- prefill and serve (the whole request) ------------------------------------------------------------
PREFILL_OPTIONS = {name: spec for name, spec in declared(PrefillSetup).items()}
WORKLOAD_OPTIONS = declared(Workload)
PRICING_OPTIONS = declared(Pricing)
SERVE_OPTIONS = declared(ServeSetup)
SERVE_DEFAULTS = {f.name: f.default for cls in (PrefillSetup, Workload, Pricing, ServeSetup)
                  for f in dataclasses.fields(cls)}
SHARED_DEPLOY = {name: spec for name, spec in DECODE_OPTIONS.items()
                 if name not in ("context", "mtp_tokens", "mtp_accept", "overlap")}  # prefill takes its own overlap


def _deploy_setup(args, model, chip, options=None, **fixed) -> DecodeSetup:
    values = {**_declared_values(args, options or DECODE_OPTIONS), **fixed}
    return DecodeSetup(model, chip, efficiency=Efficiency(**_declared_values(args, EFFICIENCY_OPTIONS)), **values)


def prefill_rows(args) -> list[dict]:
    """One row per (model, chip): one prefill forward pass."""
    known_m, known_c = known_models(args), known_chips(args)
    rows = []
    for slug in args.model:
        model = library.lookup(slug, known_m, "model")
        for chip_slug in args.chip:
            chip = library.lookup(chip_slug, known_c, "chip")
            deploy = _deploy_setup(args, model, chip, SHARED_DEPLOY)
            setup = PrefillSetup(deploy, **_declared_values(args, PREFILL_OPTIONS))
            plan = evaluate_prefill(setup).at(0)
            row = {"model": model.slug, "chip": chip.slug, "deployment": deploy.deployment, "gpus": deploy.gpus,
                   "input_tokens": setup.input_tokens, "cache_hit": setup.cache_hit, "new_tokens": setup.new_tokens,
                   "tokens_per_gpu": int(plan.tokens), "chunk_tokens": setup.chunk,
                   "tokens_per_gpu_s": float(plan.tokens_per_gpu_s), "ttft_ms": float(plan.ttft_s) * 1e3,
                   "step_ms": float(plan.step_s) * 1e3, "compute_ms": float(plan.compute_s) * 1e3,
                   "comm_ms": float(plan.comm_s) * 1e3, "bound": str(plan.bound), "mode": str(plan.mode),
                   "overlap": setup.overlap_value, "usd_per_mtok": float(plan.usd_per_mtok),
                   **{f"{part_key(p.name)}_ms": float(p.seconds) * 1e3 for p in plan.parts},
                   "kernel_set": deploy.kernel_set.label, "kernels_assumed": deploy.kernel_set.assumed,
                   "assumed": "; ".join(assumptions(chip, deploy.kernel_set)), "notes": "; ".join(plan.notes)}
            rows.append(row)
    return rows


def serve_rows(args) -> list[dict]:
    """One row per model (and per chip pair with --chip-pairs): the whole request's cost."""
    known_m, known_c = known_models(args), known_chips(args)
    workload = Workload(**_declared_values(args, WORKLOAD_OPTIONS), mix=parse_mix(args.mix))
    pricing = Pricing(**_declared_values(args, PRICING_OPTIONS))
    serve_values = _declared_values(args, SERVE_OPTIONS)
    if args.prefill_deployment not in (None, "ep", "tp"):
        raise InputError("prefill deployment", f"prefill runs on ep or tp, got {args.prefill_deployment!r}")
    prefill_chip = library.lookup(args.prefill_chip, known_c, "prefill-chip", "chip")
    decode_chip = library.lookup(args.decode_chip or args.prefill_chip, known_c, "decode-chip", "chip")
    rows = []
    for slug in args.model:
        model = library.lookup(slug, known_m, "model")
        decode = _deploy_setup(args, model, decode_chip)
        prefill = _deploy_setup(args, model, prefill_chip, SHARED_DEPLOY, gpus=int(args.prefill_gpus or decode.gpus),
                                deployment=args.prefill_deployment or ("tp" if decode.deployment == "tp" else "ep"))
        setup = ServeSetup(decode, prefill, workload, pricing, **serve_values)
        plans = search_serve_pairs(setup, list(known_c.values()))[: args.top] if args.chip_pairs \
            else [evaluate_serve(setup)]
        if not plans:
            raise InputError("chip-pairs", "no chip pair meets the targets")
        rows += [serve_row(plan) for plan in plans]
    return rows


SERVE_TABLE = ("model", "prefill_chip", "decode_chip", "mode", "prefill_gpus", "decode_gpus", "ttft_ms", "tpot_ms",
               "usd_per_request", "usd_per_mtok_input", "usd_per_mtok_input_cached", "usd_per_mtok_output",
               "prefill_share")
PREFILL_TABLE = ("model", "chip", "deployment", "gpus", "input_tokens", "new_tokens", "tokens_per_gpu",
                 "tokens_per_gpu_s", "ttft_ms", "step_ms", "compute_ms", "comm_ms", "mode", "bound")


def _table_command(rows_of, table):
    """A command printing ``rows_of(args)``: the ``table`` columns on screen, every field in CSV and JSON."""
    def command(args) -> int:
        rows = rows_of(args)
        if args.format == "table":  # the main figures; csv and json carry every field
            rows = [{k: r[k] for k in table} for r in rows]
        _print_rows(rows, args.format)
        return 0

    return command


EXTRA_COMMANDS = {"attention": _table_command(attention_rows, ATTENTION_TABLE), "validate": validate_command,
                  "decode": _table_command(decode_rows, DECODE_TABLE),
                  "prefill": _table_command(prefill_rows, PREFILL_TABLE),
                  "serve": _table_command(serve_rows, SERVE_TABLE)}


def _data_options(p) -> None:
    p.add_argument("--chip-file", action="append", metavar="PATH",
                   help="a TOML file of chips in data/chips.toml's shape (repeatable)")
    p.add_argument("--model-file", action="append", metavar="PATH",
                   help="a Hugging Face config.json or a TOML file in data/models.toml's shape (repeatable)")


def _option_help(spec, defaults: dict | None = None) -> str:
    """'TPOT target in ms (default 50). Time per output token...' from a field's declaration."""
    if isinstance(spec, Choice):
        what = f"{spec.label}: {', '.join(str(o) for o in spec.options if o is not None)}"
    else:
        what = spec.label + (f" in {spec.unit}" if spec.unit else "")
    default = (AFD_DEFAULTS if defaults is None else defaults).get(spec.name)
    if spec.name in RATIO:
        what += " (default: searched)"
    elif default is not None:
        what += f" (default {spec.shown(default) if hasattr(spec, 'shown') else default:g})" \
            if not isinstance(default, str) else f" (default {default})"
    return f"{what}. {spec.description}".strip()


def _declared_arguments(p, specs, defaults: dict) -> None:
    """A --<key> option per declared field (each key once: a field two records share is one option)."""
    seen = set()
    for spec in specs:
        if spec.key in seen:
            continue
        seen.add(spec.key)
        p.add_argument(f"--{spec.key.replace('_', '-')}", dest=spec.key, metavar="X", help=_option_help(spec, defaults) + (
            " Applies with --timing efficiency." if spec.name in KERNEL_TIMED else ""))


def _command(sub, name: str, text: str, data: bool = True):
    """A subcommand with --format (and, with ``data``, the --chip-file and --model-file options)."""
    p = sub.add_parser(name, help=text)
    p.add_argument("--format", choices=FORMATS, default="table")
    if data:
        _data_options(p)
    return p


def _models_chips(p) -> None:
    p.add_argument("--model", nargs="+", required=True, metavar="M")
    p.add_argument("--chip", nargs="+", required=True, metavar="C")


def _library_parsers(sub) -> None:
    for name, text in (("models", "list library models"), ("chips", "list library chips")):
        _command(sub, name, text)
    p = _command(sub, "cost", "per-token decode cost, one row per (model, chip, context)")
    _models_chips(p)
    p.add_argument("--context", nargs="+", required=True, metavar="N", help="tokens: 8192 or 8k (k = 1024)")
    p.add_argument("--kv-bits", help="KV cache bits for every layer: 4, 8, 16 or 32 (default: each model's own)")
    p.add_argument("--weight-dtype", default="fp8", help="weight storage: fp8 (default), bf16, int8, fp4, int4")
    p = _command(sub, "paper", "every cell of the paper's Tables 2-7: paper vs computed; exit 1 on mismatch", data=False)
    p.add_argument("--all", action="store_true", help="list matching cells too")


def _afd_parser(sub) -> None:
    p = _command(sub, "afd", "size attention-FFN disaggregation: evaluate xAyF or search the best")
    p.add_argument("--model", required=True)
    p.add_argument("--attention-chip", required=True)
    p.add_argument("--ffn-chip", help="default: the attention chip")
    p.add_argument("--context", required=True, help="average context in tokens: 4096 or 4k")
    for spec in (*AFD_OPTIONS.values(), *EFFICIENCY_OPTIONS.values(), *RATIO.values()):
        p.add_argument(f"--{spec.key.replace('_', '-')}", dest=spec.key, metavar="X", help=_option_help(spec))
    p.add_argument("--gpus-per-instance", help="GPUs per attention and per FFN instance (both; default 8)")
    p.add_argument("--net-gbs", help="scale-out GB/s per GPU on both sides (default: each chip's)")
    p.add_argument("--kv-bits", help="KV cache bits when they differ from the attention format: 4, 8 or 16")
    p.add_argument("--objective", default="tokens_per_gpu_s", choices=tuple(results.OBJECTIVES))
    p.add_argument("--chip-pairs", action="store_true", help="search every (attention chip, FFN chip) pair of the library")
    p.add_argument("--top", type=int, default=10, help="rows shown with --chip-pairs")


def _latency_parsers(sub) -> None:
    p = _command(sub, "attention", "one attention layer per decode step (projections included), in parts; "
                                   "defaults: the paper's Table 9 setup")
    _models_chips(p)
    p.add_argument("--context", nargs="+", required=True, metavar="N", help="tokens per request: 8192 or 8k (k = 1024)")
    p.add_argument("--gpus", default="4", metavar="G", help="GPUs in the attention instance (default 4)")
    p.add_argument("--batch", default="256", metavar="B", help="requests the instance serves (default 256)")
    p.add_argument("--layout", metavar="L", help="dp, tp or afd (default: MFA and MLA dp, GQA tp, as Table 9)")
    p.add_argument("--kv-dtype", default="bf16", help="KV cache format: bf16 (default, as Table 9), fp8, fp4, or "
                                                      "'model' for each layer group's own")
    p.add_argument("--attention-dtype", default="bf16", help="precision of the attention math (default bf16)")
    p.add_argument("--weight-dtype", default="auto", help="projection weights: auto (FP8 where the chip has it, "
                                                          "else INT8, as Table 9), fp8, int8, bf16, fp4")
    p = _command(sub, "validate", "every measured row (Tables 8 and 9, DeepSeek-V3): the model in sample and held "
                                  "out; exit 1 when a held-out Table 9 cell is off by more than 15%%")
    p.add_argument("--write-kernels", metavar="PATH", help="write the refit kernel efficiencies (kernels.toml) to PATH")


def _deployment_parsers(sub) -> None:
    p = _command(sub, "decode", "decode as deployed (ep, tp or afd over G GPUs): tokens/GPU/s, TPOT, memory, what "
                                "binds; at --batch requests per GPU or the largest batch meeting --tpot-ms")
    _models_chips(p)
    p.add_argument("--context", nargs="+", required=True, metavar="N", help="average KV length in tokens: 4096 or 4k")
    p.add_argument("--batch", metavar="B", help="requests per GPU")
    p.add_argument("--tpot-ms", metavar="T", help="without --batch: the largest batch whose TPOT meets T ms")
    _declared_arguments(p, (*DECODE_OPTIONS.values(), *EFFICIENCY_OPTIONS.values()), {**DECODE_DEFAULTS, **AFD_DEFAULTS})
    p = _command(sub, "prefill", "one prefill forward pass (ep or tp): new tokens/GPU/s, TTFT, what binds")
    _models_chips(p)
    _declared_arguments(p, (*SHARED_DEPLOY.values(), *PREFILL_OPTIONS.values(), *EFFICIENCY_OPTIONS.values()),
                        {**DECODE_DEFAULTS, **SERVE_DEFAULTS, **AFD_DEFAULTS})
    p = _command(sub, "serve", "what a request costs: prefill and decode, disaggregated or colocated, sized for a "
                               "workload and its TTFT and TPOT targets")
    p.add_argument("--model", nargs="+", required=True, metavar="M")
    p.add_argument("--prefill-chip", required=True, metavar="C", help="the prefill pool's chip (colocated: the pool's)")
    p.add_argument("--decode-chip", metavar="C", help="the decode pool's chip (default: the prefill chip)")
    p.add_argument("--prefill-gpus", metavar="G", help="GPUs of one prefill deployment (default: --gpus)")
    p.add_argument("--prefill-deployment", metavar="D", help="ep or tp (default: ep, or tp when decode is tp)")
    p.add_argument("--mix", metavar="I:O:W,...", help="a workload mix: input:output:weight rows, comma-separated")
    p.add_argument("--chip-pairs", action="store_true", help="disaggregated: every (prefill chip, decode chip) pair, "
                                                              "cheapest per request first")
    p.add_argument("--top", type=int, default=10, help="rows shown with --chip-pairs")
    _declared_arguments(p, (*{k: v for k, v in DECODE_OPTIONS.items() if k != "context"}.values(),
                            *WORKLOAD_OPTIONS.values(), *PRICING_OPTIONS.values(), *SERVE_OPTIONS.values(),
                            *EFFICIENCY_OPTIONS.values()), {**DECODE_DEFAULTS, **SERVE_DEFAULTS, **AFD_DEFAULTS})


def parser() -> Parser:
    top = Parser(prog="python -m costmodel", description="Decode cost model (Step-3 paper, generalized).")
    top.add_argument("--version", action="version", version=__version__)
    top.add_argument("--data", help="folder with chips.toml, models.toml, paper_tables.toml (default: data/)")
    sub = top.add_subparsers(dest="command", required=True)
    for add in (_library_parsers, _afd_parser, _latency_parsers, _deployment_parsers):
        add(sub)
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "paper":
            return paper_command(args)
        if args.command == "afd":
            return afd_command(args)
        if args.command in EXTRA_COMMANDS:
            return EXTRA_COMMANDS[args.command](args)
        rows = {"models": model_rows, "chips": chip_rows, "cost": cost_rows}[args.command](args)
        print(render(rows, args.format))
        return 0
    except InputError as exc:
        print(f"error: {escape.terminal(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
