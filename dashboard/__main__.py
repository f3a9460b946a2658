"""Command line of the dashboard: `python -m dashboard serve`, the dashboard's server (what
`make run` starts), and `python -m dashboard report`, the report bundle of the dashboard's pages
for a scenario file, with no browser session (the same files as the dashboard's 'Download'
menu). Exit status of `report`: 0 ok, 1 image export failed, 2 bad input (one message naming the
field, no traceback)."""
from __future__ import annotations

import os
import sys
from pathlib import Path

from costmodel import __version__
from costmodel.arguments import Parser
from costmodel.errors import InputError


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
    """Write the report bundle of the dashboard's pages for a scenario file."""
    from . import figures, report

    pages = _choices(args.pages or list(figures.PAGES), figures.PAGES, "--pages")
    report.check_out(args.out, args.force)  # before the figures are built
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
    report.write_bundle(files, args.out, force=args.force)
    print(f"wrote {len(files)} files to {args.out} ({', '.join(pages)}; {', '.join(formats)}; "
          "scenario.json, summary.md)")
    return 0


APP = Path(__file__).resolve().parent.parent / "app.py"


def serve(streamlit_args: list[str]) -> int:
    """`streamlit run app.py` with Streamlit's legacy `pages/` discovery off from the first
    session on. app.py navigates with st.navigation (URL paths such as /context-sweep); until a
    session has run it, Streamlit would treat the `pages/` folder beside it as file-named pages:
    a link opened on a fresh server showed 'Page not found' and the files' own names first."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    return cli.main(["run", str(APP), *streamlit_args], prog_name="streamlit", standalone_mode=False) or 0


def parser() -> Parser:
    top = Parser(prog="python -m dashboard", description="The decode co-design dashboard's command line.")
    top.add_argument("--version", action="version", version=__version__)
    top.add_argument("--data", help="folder with chips.toml, models.toml, paper_tables.toml (default: data/)")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="serve the dashboard (options after it go to `streamlit run`, e.g. --server.port 8501)",
                   add_help=False)
    p = sub.add_parser("report", help="write the dashboard's report bundle for a scenario file, no browser session")
    p.add_argument("--scenario", required=True, metavar="FILE.json",
                   help="a scenario as the dashboard downloads it (sidebar: Scenario (JSON)); its chip and model "
                        "specs are the ones used")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="folder to write into: new, empty or an earlier bundle (replaced whole); written whole or not at all")
    p.add_argument("--force", action="store_true", help="replace --out even when it holds other files")
    p.add_argument("--pages", nargs="+", metavar="PAGE",
                   help="overview, roofline, context-sweep, attention, afd, deployments, paper, co-design (default: "
                        "all; commas allowed)")
    p.add_argument("--formats", metavar="LIST",
                   help="comma list of png,svg,pdf,html,csv (default: all; images skipped if chromium is missing)")
    return top


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    top = parser()
    args, rest = top.parse_known_args(argv)
    if args.data:  # the library every part of the dashboard reads
        os.environ["COSTMODEL_DATA"] = args.data
    if args.command == "serve":
        return serve(rest)  # the options after `serve` go to `streamlit run`
    if rest:  # no unknown option outside `serve`
        top.error(f"unrecognized arguments: {' '.join(rest)}")
    try:
        return report_command(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
