"""The user's own library: custom chips, models and saved scenarios, as readable files in a
folder (``DECODE_CODESIGN_HOME``, default ``~/.decode-codesign``):

    chips/<slug>.toml      one [[chip]] table, data/chips.toml's shape
    models/<slug>.toml     one [[model]] table with its layer groups, data/models.toml's shape
    scenarios/<name>.json  a Scenario as the dashboard's 'Scenario (JSON)' download writes it

One file per entry, each written whole or not at all (a temporary file in the same folder,
flushed, then renamed over the old one), so two sessions saving at once never lose an entry
and a crash never leaves half a file. The whole library exports to, and imports from, one
JSON file."""
from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import tomli_w

from costmodel import library
from costmodel.chips import Chip
from costmodel.errors import InputError, check_slug
from costmodel.model import ModelSpec

ENV = "DECODE_CODESIGN_HOME"
EXPORT_FORMAT = "decode-codesign user library"
EXPORT_VERSION = 1
MAX_IMPORT_BYTES = 5_000_000
SCENARIO_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


def folder() -> Path:
    """The user library's folder: ``$DECODE_CODESIGN_HOME``, else ``~/.decode-codesign``."""
    return Path(os.environ.get(ENV) or Path.home() / ".decode-codesign")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, flushed to
    disk, then renamed over ``path`` (atomic on one file system)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


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
    for name in ("chips", "models", "scenarios"):
        try:
            out.append((name, (base / name).stat().st_mtime_ns))
        except OSError:
            out.append((name, None))
    return tuple(out)


_cache: dict = {}


def load(base: Path | None = None) -> UserLibrary:
    """The user library in ``base`` (default ``folder()``), read again only when a subfolder
    changed. A library slug may not be reused; such files are reported, not read."""
    base = Path(base or folder())
    stamp = (str(base), _stamp(base))
    if _cache.get("stamp") != stamp:
        _cache.update(stamp=stamp, value=_read(base))
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
    scenarios = tuple(sorted(p.stem for p in (base / "scenarios").glob("*.json") if SCENARIO_NAME.fullmatch(p.stem)))
    return UserLibrary(tuple(chips), tuple(models), scenarios, tuple(problems))


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
    write_atomic(path, chip_toml(chip))
    return path


def save_model(model: ModelSpec, base: Path | None = None) -> Path:
    """Save (or replace) a custom model; its slug may not be a library model's."""
    _check_new(model, "model")
    path = _path("model", model.slug, base)
    write_atomic(path, model_toml(model))
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
    write_atomic(path, (json.dumps(data, indent=2, allow_nan=False) + "\n").encode())
    return path


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
            scenarios[name] = json.loads(scenario_path(name, base).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # unreadable: reported when it is loaded, not exported
    doc = {"format": EXPORT_FORMAT, "version": EXPORT_VERSION,
           "chips": [library.chip_entry(c) for c in lib.chips],
           "models": [library.model_entry(m) for m in lib.models], "scenarios": scenarios}
    return (json.dumps(doc, indent=2, allow_nan=False) + "\n").encode()


def _free_slug(slug: str, taken) -> str:
    for n in range(2, 1000):
        candidate = f"{slug[:58]}-{n}"
        if candidate not in taken:
            return candidate
    raise InputError("slug", f"no free slug for {slug!r}")


def import_bytes(data: bytes, base: Path | None = None) -> list[str]:
    """Read an exported library file and add its entries. Everything is checked before anything
    is written; an entry whose slug or name is taken by a different one is saved under a new
    slug or name (nothing of the user's is replaced). Returns one line per entry written."""
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
    chips = [library.parse_chip(e, f"library file: chips[{i}]") for i, e in enumerate(doc.get("chips", []))]
    models = [library.parse_model(e, f"library file: models[{i}]") for i, e in enumerate(doc.get("models", []))]
    scenarios = {check_scenario_name(name): value for name, value in doc.get("scenarios", {}).items()}
    for name, value in scenarios.items():
        if not isinstance(value, dict):
            raise InputError(f"library file: scenarios.{name}", "expected a scenario object")
    mine = load(base)
    done = []
    for kind, records, have, save in (("chip", chips, mine.chips, save_chip), ("model", models, mine.models, save_model)):
        taken = {r.slug: r for r in have} | dict.fromkeys(library.chips() if kind == "chip" else library.models())
        for record in records:
            if any(dataclasses.replace(record, slug=r.slug) == r for r in taken.values() if r is not None):
                continue  # the same entry is there already (perhaps under the slug an earlier import gave it)
            if record.slug in taken:
                record = dataclasses.replace(record, slug=_free_slug(record.slug, taken))
            save(record, base)
            taken[record.slug] = record
            done.append(f"{kind} {record.slug}")
    names = set(mine.scenarios)
    for name, value in scenarios.items():
        target = name
        if name in names:
            existing = scenario_path(name, base).read_text(encoding="utf-8")
            if json.loads(existing) == value:
                continue
            target = _free_slug(name, names)
        save_scenario(target, value, base)
        names.add(target)
        done.append(f"scenario {target}")
    return done


def strict_json(text):
    """``json.loads`` that refuses NaN and Infinity (ValueError): strict JSON has neither."""
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")
