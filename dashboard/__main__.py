"""Command line of the dashboard: `python -m dashboard serve`, the dashboard's server (what
`make run` starts), and `python -m dashboard report`, the report bundle of the dashboard's pages
for a scenario file, with no browser session (the same files as the dashboard's 'Download'
menu). Exit status of `report`: 0 ok, 1 image export failed, 2 bad input (one message naming the
field, no traceback), 130 interrupted (Ctrl-C: one line, no traceback, no temporary file left).
Only modules Python has loaded at its start are imported before ``main`` runs, so an interrupt
while the rest loads is caught too."""
from __future__ import annotations

import os
import signal
import sys
import threading


def _choices(values, known, field: str) -> list[str]:
    """Names from repeated and/or comma-separated arguments, each checked against ``known``."""
    from costmodel.errors import InputError

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
    from costmodel import escape
    from costmodel.errors import InputError

    from dashboard import pages
    from dashboard.export import browser, report
    from dashboard.state.scenario import read_scenario

    reported = {page.slug: page for page in pages.REPORTED}
    chosen = _choices(args.pages or list(reported), reported, "--pages")
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
    if any(f in report.IMAGE_FORMATS for f in formats):
        report.ImageExporter.shared().warm_up()  # chromium starts while the pages' figures are computed
    scenario, warnings = read_scenario(args.scenario)
    for warning in warnings:
        print(f"warning: {escape.terminal(warning)}", file=sys.stderr)
    contents = [reported[slug].build(scenario) for slug in chosen]
    try:
        files = report.bundle_files(contents, scenario, formats, appendices=not args.no_appendices)
    except browser.ImageExportError as err:
        print(f"error: {escape.terminal(err)}", file=sys.stderr)
        return 1
    report.write_bundle(files, args.out, force=args.force)
    print(f"wrote {len(files) + 1} files to {escape.terminal(args.out)} ({', '.join(chosen)}; {', '.join(formats)}; "
          f"scenario.json, summary.md, {report.MANIFEST})")
    return 0


SERVER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "server", "asgi.py")


def serve(streamlit_args: list[str]) -> int:
    """`streamlit run dashboard/server/asgi.py`: app.py behind the link guard (``dashboard.server``),
    through Streamlit's own command line."""
    from streamlit.web import cli

    return cli.main(["run", SERVER, *streamlit_args], prog_name="streamlit", standalone_mode=False) or 0


def parser():
    from costmodel import __version__
    from costmodel.arguments import Parser

    from dashboard import pages

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
                   help=f"{', '.join(page.slug for page in pages.REPORTED)} (default: all; commas allowed)")
    p.add_argument("--no-appendices", action="store_true",
                   help="leave the report's appendices out (its longer tables and the list of CSV attachments)")
    p.add_argument("--formats", metavar="LIST",
                   help="comma list of png,svg,pdf,html,csv (default: all; images skipped if chromium is missing)")
    return top


def main(argv=None) -> int:
    """The command line; Ctrl-C ends it with one line and exit 130 (what a write had begun is
    undone by the write itself). An interrupt can surface as another error (numpy's C import
    interrupted raises ImportError): any error after a Ctrl-C is the interrupt."""
    interrupted = []

    def on_interrupt(signum, frame):
        interrupted.append(signum)
        raise KeyboardInterrupt

    # An interrupt raised inside a callback Python cannot raise from (an import lock's weakref
    # callback) is lost and the command runs to its end: not printed as a traceback either.
    def unraisable(info):
        if not isinstance(info.exc_value, KeyboardInterrupt):
            hook(info)

    previous = signal.signal(signal.SIGINT, on_interrupt) if threading.current_thread() is threading.main_thread() \
        else None
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except BaseException as err:
        if not interrupted and not isinstance(err, KeyboardInterrupt):
            raise
        print("error: interrupted", file=sys.stderr)
        return 130
    finally:
        sys.unraisablehook = hook
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _main(argv: list[str]) -> int:
    from costmodel import escape
    from costmodel.errors import InputError

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
        print(f"error: {escape.terminal(exc)}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    code = main()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # done: closing the export browser is not to be interrupted
    if code == 130:
        # An interrupt that landed in Python code run from C (an extension's import) makes CPython end
        # the process by SIGINT at exit, whatever was caught: end it here, after the exit handlers.
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)
