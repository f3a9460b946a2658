"""Command line: `python -m costmodel {models,chips,cost,paper,afd,report}`; see README.md.

Exit status: 0 ok, 1 paper mismatch, 2 bad input (one message naming the field, no traceback).
JSON field names are a public interface."""
from __future__ import annotations

import argparse
import csv
import io
import json
import sys

from . import __version__, library
from .cost import cost_grid
from .decode import parse_context
from .errors import InputError
from .precision import check_dtype, dtype_for_bits

FORMATS = ("table", "csv", "json")


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if value is None:
        return "-"
    return str(value)


def render(rows: list[dict], fmt: str) -> str:
    """Rows as an aligned text table, CSV or a JSON array of objects."""
    if fmt == "json":
        return json.dumps(rows, indent=2)
    if not rows:
        return ""
    columns = list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    cells = [[_fmt(r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join(lines)


def model_rows(args) -> list[dict]:
    rows = []
    for m in library.models(args.data).values():
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
    rows = []
    for c in library.chips(args.data).values():
        rows.append({
            "chip": c.slug, "name": c.name, "bf16_flops": c.bf16_flops, "fp8_flops": c.fp8_flops,
            "int8_ops": c.int8_ops, "fp4_flops": c.fp4_flops, "mem_bw_bytes_per_s": c.mem_bw_bytes_per_s,
            "mem_bytes": c.mem_bytes, "net_bytes_per_s": c.net_bytes_per_s,
            "price_usd_per_hour": c.price_usd_per_hour, "ridge_point_fp8": c.ridge_point("fp8"),
            "assumed": ",".join(sorted(c.assumed)), "source": c.source,
        })
    return rows


def cost_rows(args) -> list[dict]:
    models = [library.model(m, args.data) for m in args.model]
    chips = [library.chip(c, args.data) for c in args.chip]
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
    from .afd import binding_constraint

    s = plan.setup
    row = {
        "model": s.model.slug, "attention_chip": s.attention_chip.slug, "ffn_chip": s.ffn_chip.slug,
        "context": int(s.context), "attention_dtype": s.attention_dtype, "kv_dtype": s.kv_dtype,
        "attention_instances": int(plan.attention_instances), "ffn_instances": int(plan.ffn_instances),
        "layout": f"{int(plan.attention_instances)}A{int(plan.ffn_instances)}F",
        "gpus": int(plan.gpus), "micro_batch": int(plan.micro_batch), "total_batch": int(plan.total_batch),
        "feasible": bool(plan.feasible), "tpot_ms": float(plan.tpot_s) * 1e3,
        "tokens_per_gpu_s": float(plan.tokens_per_gpu_s), "sla_tokens_per_gpu_s": float(plan.sla_tokens_per_gpu_s),
        "usd_per_mtok": float(plan.usd_per_mtok), "attention_usd_per_mtok": float(plan.attention_usd_per_mtok),
        "ffn_usd_per_mtok": float(plan.ffn_usd_per_mtok), "per_layer_budget_us": s.per_layer_budget_s * 1e6,
    }
    row.update({f"{name}_us": float(t) * 1e6 for name, t in plan.stage_s.items()})
    row.update({f"{name.replace(' ', '_')}_use": float(u) for name, u in plan.constraint_use().items()})
    row.update({
        "attention_memory_gb": float(plan.attention_memory_bytes) / 1e9, "ffn_memory_gb": float(plan.ffn_memory_bytes) / 1e9,
        "attention_max_context_tokens_per_gpu": float(plan.attention_max_context_tokens_per_gpu),
        "binding_constraint": binding_constraint(plan),
    })
    return row


def afd_command(args) -> int:
    from dataclasses import replace

    from .afd import AFDSetup, Efficiency, evaluate, nearest_feasible, search, search_chip_pairs

    attention_chip = library.chip(args.attention_chip, args.data)
    setup = AFDSetup(
        model=library.model(args.model, args.data), attention_chip=attention_chip,
        ffn_chip=library.chip(args.ffn_chip, args.data) if args.ffn_chip else attention_chip,
        context=parse_context(args.context), tpot_s=_number(args.tpot_ms, "tpot-ms") / 1e3,
        stages=int(_number(args.stages, "stages")), micro_batches=int(_number(args.micro_batches, "micro-batches")),
        attention_gpus=int(_number(args.gpus_per_instance, "gpus-per-instance")),
        ffn_gpus=int(_number(args.gpus_per_instance, "gpus-per-instance")),
        attention_dtype=args.attention_dtype, kv_dtype=dtype_for_bits(args.kv_bits) if args.kv_bits else None,
        ffn_parallel=args.ffn_parallel,
        attention_net_bytes_per_s=_number(args.net_gbs, "net-gbs") * 1e9 if args.net_gbs else None,
        ffn_net_bytes_per_s=_number(args.net_gbs, "net-gbs") * 1e9 if args.net_gbs else None,
        efficiency=Efficiency(**{k: _number(v, f"{k}-efficiency") for k, v in
                                 (("hbm", args.hbm_efficiency), ("flops", args.flops_efficiency),
                                  ("network", args.network_efficiency), ("lowbit_kv", args.lowbit_kv_efficiency))
                                 if v is not None}),
    )
    x = _whole(args.attention_instances, "attention-instances")
    y = _whole(args.ffn_instances, "ffn-instances")
    batch = _whole(args.micro_batch, "micro-batch")
    if args.chip_pairs:
        plans = search_chip_pairs(setup, list(library.chips(args.data).values()), args.objective, batch, y)
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
            print(f"error: no plan meets the target: even at {x or 1}A{y or 1}F with micro-batch {batch or 16}, "
                  f"{afd_row(probe)['binding_constraint']}", file=sys.stderr)
            return 1
        row = afd_row(plan)
    print(render([row], args.format) if args.format != "table" else "\n".join(f"{k:38s} {_fmt(v)}" for k, v in row.items()))
    return 0


def _choices(values, known, field: str) -> list[str]:
    """Names from repeated and/or comma-separated arguments, each checked against ``known``."""
    out = []
    for value in values:
        for name in filter(None, (v.strip() for v in value.split(","))):
            if name not in known:
                raise InputError(field, f"unknown {field.lstrip('-').rstrip('s')} {name!r}; choose from {', '.join(known)}")
            if name not in out:
                out.append(name)
    if not out:
        raise InputError(field, f"choose at least one of {', '.join(known)}")
    return out


def report_command(args) -> int:
    """Write the report bundle of the dashboard's pages for a scenario file, with no browser
    session. Imports the UI package here only, so `import costmodel` stays light."""
    try:
        from dashboard import figures, report
    except ImportError as err:
        print(f"error: the report needs the dashboard package ({err}); run from the repository root",
              file=sys.stderr)
        return 2
    pages = _choices(args.pages or list(figures.PAGES), figures.PAGES, "--pages")
    if args.formats is None:
        formats = report.FORMATS
        if not report.images_available():
            formats = tuple(f for f in formats if f not in report.IMAGE_FORMATS)
            print("warning: no PNG/SVG/PDF. " + report.INSTALL_HINT, file=sys.stderr)
    else:
        formats = tuple(_choices([args.formats], report.FORMATS, "--formats"))
        if any(f in report.IMAGE_FORMATS for f in formats) and not report.images_available():
            raise InputError("--formats", report.INSTALL_HINT)
    scenario, warnings = report.read_scenario(args.scenario)
    for warning in warnings:
        print(f"warning: {warning}", file=sys.stderr)
    contents = [figures.build(page, scenario) for page in pages]
    try:
        files = report.bundle_files(contents, scenario, formats)
    except report.ImageExportError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    report.write_files(files, args.out)
    print(f"wrote {len(files)} files to {args.out} ({', '.join(pages)}; {', '.join(formats)}; "
          "scenario.json, summary.md)")
    return 0


def _number(value, field: str) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"not a number: {value!r}") from None


def _whole(value, field: str):
    if value is None:
        return None
    number = _number(value, field)
    if number != int(number) or number < 1:
        raise InputError(field, f"must be a whole number >= 1, got {value!r}")
    return int(number)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m costmodel", description="Decode cost model (Step-3 paper, generalized).")
    top.add_argument("--version", action="version", version=__version__)
    top.add_argument("--data", help="folder with chips.toml, models.toml, paper_tables.toml (default: data/)")
    sub = top.add_subparsers(dest="command", required=True)
    for name, text in (("models", "list library models"), ("chips", "list library chips")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--format", choices=FORMATS, default="table")
    p = sub.add_parser("cost", help="per-token decode cost, one row per (model, chip, context)")
    p.add_argument("--model", nargs="+", required=True, metavar="M")
    p.add_argument("--chip", nargs="+", required=True, metavar="C")
    p.add_argument("--context", nargs="+", required=True, metavar="N", help="tokens: 8192 or 8k (k = 1024)")
    p.add_argument("--kv-bits", help="KV cache bits for every layer: 4, 8, 16 or 32 (default: each model's own)")
    p.add_argument("--weight-dtype", default="fp8", help="weight storage: fp8 (default), bf16, int8, fp4, int4")
    p.add_argument("--format", choices=FORMATS, default="table")
    p = sub.add_parser("afd", help="size attention-FFN disaggregation: evaluate xAyF or search the best")
    p.add_argument("--model", required=True)
    p.add_argument("--attention-chip", required=True)
    p.add_argument("--ffn-chip", help="default: the attention chip")
    p.add_argument("--context", required=True, help="average context in tokens: 4096 or 4k")
    p.add_argument("--tpot-ms", default="50", help="time-per-output-token target (default 50)")
    p.add_argument("--stages", default="3", help="3 (attention, network, FFN) or 4 (two network stages)")
    p.add_argument("--micro-batches", default="3", help="micro-batches in flight (default 3)")
    p.add_argument("--micro-batch", help="requests per micro-batch (default: searched)")
    p.add_argument("--attention-instances", help="x of xAyF (default: searched, 1-64)")
    p.add_argument("--ffn-instances", help="y of xAyF (default: searched, 1-16)")
    p.add_argument("--gpus-per-instance", default="8")
    p.add_argument("--attention-dtype", default="fp8", help="attention compute and KV format: fp8 or bf16")
    p.add_argument("--kv-bits", help="KV cache bits when they differ from the attention format")
    p.add_argument("--ffn-parallel", default="tp+ep", help="tp+ep (default), ep or tp")
    p.add_argument("--net-gbs", help="scale-out GB/s per GPU on both sides (default: each chip's)")
    for name in ("hbm", "flops", "network", "lowbit-kv"):
        p.add_argument(f"--{name}-efficiency", help="fraction of peak (default: the calibrated Hopper set)")
    p.add_argument("--objective", default="tokens_per_gpu_s", choices=("tokens_per_gpu_s", "usd_per_mtok"))
    p.add_argument("--chip-pairs", action="store_true", help="search every (attention chip, FFN chip) pair of the library")
    p.add_argument("--top", type=int, default=10, help="rows shown with --chip-pairs")
    p.add_argument("--format", choices=FORMATS, default="table")
    p = sub.add_parser("report", help="write the dashboard's report bundle for a scenario file, no browser session")
    p.add_argument("--scenario", required=True, metavar="FILE.json",
                   help="a scenario as the dashboard downloads it (sidebar: Scenario (JSON))")
    p.add_argument("--out", required=True, metavar="DIR", help="folder to write into (created)")
    p.add_argument("--pages", nargs="+", metavar="PAGE",
                   help="overview, roofline, context-sweep, attention, afd, paper (default: all; commas allowed)")
    p.add_argument("--formats", metavar="LIST",
                   help="comma list of png,svg,pdf,html,csv (default: all; images skipped if chromium is missing)")
    p = sub.add_parser("paper", help="every cell of the paper's Tables 2-7: paper vs computed; exit 1 on mismatch")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.add_argument("--all", action="store_true", help="list matching cells too")
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        if args.command == "paper":
            return paper_command(args)
        if args.command == "afd":
            return afd_command(args)
        if args.command == "report":
            return report_command(args)
        rows = {"models": model_rows, "chips": chip_rows, "cost": cost_rows}[args.command](args)
        print(render(rows, args.format))
        return 0
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
