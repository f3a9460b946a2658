"""The user's own library: custom chips, models and saved scenarios, as readable files in a
folder (``DECODE_CODESIGN_HOME``, default ``~/.decode-codesign``):

    chips/<slug>.toml      one [[chip]] table, data/chips.toml's shape
    models/<slug>.toml     one [[model]] table with its layer groups, data/models.toml's shape
    scenarios/<name>.json  a Scenario as the dashboard's 'Scenario (JSON)' download writes it

One file per entry, each written whole or not at all (``costmodel.files``: a temporary file in
the same folder, flushed, then renamed over the old one; the temporary files of a killed save
are removed when the library is next read), so two sessions saving at once never lose an entry
and a crash never leaves half a file. Only regular files are read. The whole library exports
to, and imports from, one JSON file."""
from __future__ import annotations

import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from costmodel import files, library
from costmodel.chips import Chip
from costmodel.errors import InputError, check_slug
from costmodel.model import ModelSpec

from dashboard.state.scenario import MAX_SCENARIO_BYTES, free_slug, scenario_from_data, strict_json

ENV = "DECODE_CODESIGN_HOME"
EXPORT_FORMAT = "decode-codesign user library"
EXPORT_VERSION = 1
MAX_IMPORT_BYTES = 5_000_000
SUBFOLDERS = ("chips", "models", "scenarios")
SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


def folder() -> Path:
    """The user library's folder: ``$DECODE_CODESIGN_HOME``, else ``~/.decode-codesign``."""
    return Path(os.environ.get(ENV) or Path.home() / ".decode-codesign")


def _write(path: Path, data: bytes) -> None:
    """Write a library file whole or not at all (``files.write_atomic``), its folder made if
    missing; files and folders get the modes the umask gives (readable by colleagues)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    files.write_atomic(path, data)


@dataclass(frozen=True)
class UserLibrary:
    """What the folder holds: chips and models (valid ones), scenario names, and a line per
    file that could not be read (the file is left as it is)."""

    chips: tuple[Chip, ...] = ()
    models: tuple[ModelSpec, ...] = ()
    scenarios: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def _stamp(base: Path) -> tuple:
    """Modification times of the three subfolders: a save, a rename or a delete changes one."""
    out = []
    for name in SUBFOLDERS:
        try:
            out.append((name, (base / name).stat().st_mtime_ns))
        except OSError:
            out.append((name, None))
    return tuple(out)


_cache: dict = {}


def load(base: Path | None = None) -> UserLibrary:
    """The user library in ``base`` (default ``folder()``), read again only when a subfolder
    changed; then the temporary files a killed save left are removed first. A library slug may
    not be reused; such files are reported, not read. Only regular files are read: anything
    else (a FIFO, a device) is reported as unreadable."""
    base = Path(base or folder())
    if _cache.get("stamp") != (str(base), _stamp(base)):
        for name in SUBFOLDERS:
            files.clean_stale(base / name)
        _cache.update(stamp=(str(base), _stamp(base)), value=_read(base))
    return _cache["value"]


def _read(base: Path) -> UserLibrary:
    chips, models, problems = [], [], []
    known = {"chip": library.chips(), "model": library.models()}
    for kind, parse, out in (("chip", library.parse_chips, chips), ("model", library.parse_models, models)):
        for path in sorted((base / f"{kind}s").glob("*.toml")):
            try:
                records = parse(library.read_text(path, path.name, library.MAX_FILE_BYTES), path.name)
            except InputError as err:
                problems.append(f"{kind}s/{path.name}: {err.field}: {err.message}")
                continue
            for record in records:
                if record.slug in known[kind]:
                    problems.append(f"{kind}s/{path.name}: {record.slug} is a library {kind}; give it another slug")
                else:
                    out.append(record)
    scenarios = []
    for path in sorted((base / "scenarios").glob("*.json")):
        if not SCENARIO_NAME.fullmatch(path.stem):
            continue
        if files.is_regular(path):
            scenarios.append(path.stem)
        else:
            problems.append(f"scenarios/{path.name}: not a regular file; only regular files are read")
    return UserLibrary(tuple(chips), tuple(models), tuple(scenarios), tuple(problems))


def _path(kind: str, slug: str, base: Path | None) -> Path:
    check_slug(slug, f"{kind} slug")
    return Path(base or folder()) / f"{kind}s" / f"{slug}.toml"


def _check_new(record, kind: str) -> None:
    if record.slug in (library.chips() if kind == "chip" else library.models()):
        raise InputError(f"{kind} slug", f"{record.slug!r} is a library {kind}; choose another slug")


def chip_toml(chip: Chip) -> bytes:
    """A chip as a chips.toml document (one [[chip]] table)."""
    return tomli_w.dumps({"chip": [library.chip_entry(chip)]}).encode()


def model_toml(model: ModelSpec) -> bytes:
    """A model as a models.toml document (one [[model]] table with its layer groups)."""
    return tomli_w.dumps({"model": [library.model_entry(model)]}).encode()


def save_chip(chip: Chip, base: Path | None = None) -> Path:
    """Save (or replace) a custom chip; its slug may not be a library chip's."""
    _check_new(chip, "chip")
    path = _path("chip", chip.slug, base)
    _write(path, chip_toml(chip))
    return path


def save_model(model: ModelSpec, base: Path | None = None) -> Path:
    """Save (or replace) a custom model; its slug may not be a library model's."""
    _check_new(model, "model")
    path = _path("model", model.slug, base)
    _write(path, model_toml(model))
    return path


def delete(kind: str, slug: str, base: Path | None = None) -> None:
    """Remove a custom chip or model (``kind`` 'chip' or 'model'); absent is not an error."""
    try:
        _path(kind, slug, base).unlink()
    except FileNotFoundError:
        pass


def check_scenario_name(name) -> str:
    if not isinstance(name, str) or not SCENARIO_NAME.fullmatch(name.strip()):
        raise InputError("scenario name", "use letters, digits, spaces, '.', '_' or '-' (at most 64, starting "
                                          f"with a letter or digit), got {name!r}")
    return name.strip()


def save_scenario(name: str, data: dict, base: Path | None = None) -> Path:
    """Save a scenario (the dict the 'Scenario (JSON)' download holds) under ``name``."""
    path = scenario_path(name, base)
    _write(path, (json.dumps(data, indent=2, allow_nan=False) + "\n").encode())
    return path


def read_scenario(name: str, base: Path | None = None) -> bytes:
    """The bytes of saved scenario ``name`` (InputError naming it when it is not a regular file,
    is larger than a scenario may be, or cannot be read)."""
    return files.read_bytes(scenario_path(name, base), f"scenario {name}", MAX_SCENARIO_BYTES)


def scenario_path(name: str, base: Path | None = None) -> Path:
    return Path(base or folder()) / "scenarios" / f"{check_scenario_name(name)}.json"


def delete_scenario(name: str, base: Path | None = None) -> None:
    try:
        scenario_path(name, base).unlink()
    except FileNotFoundError:
        pass


# --- the whole library as one file ----------------------------------------------------------------
def export_bytes(base: Path | None = None) -> bytes:
    """Every chip, model and scenario of the user library as one JSON file."""
    lib = load(base)
    scenarios = {}
    for name in lib.scenarios:
        try:
            scenarios[name] = json.loads(read_scenario(name, base))
        except (InputError, ValueError):
            continue  # unreadable: reported when it is loaded, not exported
    doc = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
           "chips": [library.chip_entry(c) for c in lib.chips],
           "models": [library.model_entry(m) for m in lib.models], "scenarios": scenarios}
    return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode()


def _same(record):
    """What makes two records the same entry whatever their slugs (hashable: an index key)."""
    return dataclasses.replace(record, slug="same")


def import_bytes(data: bytes, base: Path | None = None, progress=None) -> list[str]:
    """Read an exported library file and add its entries. Everything is checked before anything
    is written (a scenario as a scenario file is); an entry whose slug or name is taken (by the
    user's, or an earlier entry of the file) is saved under a new slug or name and its line
    says so: nothing of the user's is replaced. An entry already there (under any slug) is
    skipped. Linear in the entries (indexes by slug and by content); ``progress(done, total)``,
    if given, is called as entries are checked and written. Returns a line per entry written.
    One pass over the file's entries, every check before any write: long on purpose, so that no
    write can start before the last check."""
    if len(data) > MAX_IMPORT_BYTES:
        raise InputError("library file", f"larger than {MAX_IMPORT_BYTES:,} bytes")
    try:
        doc = strict_json(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as err:
        raise InputError("library file", f"not a JSON library export ({type(err).__name__})") from None
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise InputError("library file", f"not a user library export (expected \"format\": \"{EXPORT_FORMAT}\")")
    if doc.get("version") != EXPORT_VERSION:
        raise InputError("library file: version", f"expected {EXPORT_VERSION}, got {doc.get('version')!r}")
    for key, kind in (("chips", list), ("models", list), ("scenarios", dict)):
        if not isinstance(doc.get(key, kind()), kind):
            raise InputError(f"library file: {key}", f"expected a {kind.__name__}")
    tick = _ticker(2 * sum(len(doc.get(key, ())) for key in ("chips", "models", "scenarios")), progress)
    records = {"chip": [], "model": []}
    for kind, parse in (("chip", library.parse_chip), ("model", library.parse_model)):
        for i, entry in enumerate(doc.get(f"{kind}s", [])):
            records[kind].append(parse(entry, f"library file: {kind}s[{i}]"))
            tick()
    scenarios = []
    for given, value in doc.get("scenarios", {}).items():
        where = f"library file: scenarios.{given}"
        name = check_scenario_name(given)
        if not isinstance(value, dict):
            raise InputError(where, "expected a scenario object")
        try:
            scenario_from_data(value, where)  # what is saved as a scenario loads as one
        except InputError as err:
            raise InputError(err.field if err.field.startswith(where) else f"{where}: {err.field}", err.message) from None
        scenarios.append((given, name, value))
        tick()
    mine = load(base)
    done = []
    for kind, have, save, library_records in (("chip", mine.chips, save_chip, library.chips()),
                                              ("model", mine.models, save_model, library.models())):
        taken = {*library_records, *(r.slug for r in have)}
        index = {_same(r) for r in have}  # the user's entries, whatever their slugs
        for record in records[kind]:
            tick()
            if _same(record) in index:
                continue  # there already (perhaps under the slug an earlier import gave it)
            given = record.slug
            if given in taken:
                record = dataclasses.replace(record, slug=free_slug(given, taken))
            save(record, base)
            taken.add(record.slug)
            index.add(_same(record))
            done.append(f"{kind} {record.slug}" + ("" if record.slug == given else f" (the file's {given}: that "
                                                                                   "slug is taken)"))
    names = set(mine.scenarios)
    for given, name, value in scenarios:
        tick()
        target = name
        if name in names:
            try:
                if json.loads(read_scenario(name, base)) == value:
                    continue
            except (InputError, ValueError):
                pass
            target = free_slug(name, names)
        save_scenario(target, value, base)
        names.add(target)
        done.append(f"scenario {target}" + ("" if target == name else f" (the file's {given!r}: the name {name} "
                                                                        "is taken)"))
    return done


def _ticker(total: int, progress):
    """A function to call once per step of ``total``; calls ``progress(done, total)`` now and then."""
    count = 0

    def tick():
        nonlocal count
        count += 1
        if progress is not None and (count % 50 == 0 or count == total):
            progress(count, total)

    return tick
