"""Reads and writes chips and models in the data files' shape (data/*.toml).

The library is ``data/`` (or ``COSTMODEL_DATA``, or the ``path`` argument); ``load_chip_file``
and ``load_model_file`` read a user's own file in the same shape (a model file may also be a
Hugging Face ``config.json``). ``chip_entry`` and ``model_entry`` are the inverse of the
readers: a record as the TOML table that reads back to it. A malformed file or entry raises
InputError naming the file, the entry and the field."""
from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import tomllib
from pathlib import Path

from . import attention, ffn, files
from .chips import Chip
from .errors import SLUG, InputError, check_size, check_slug
from .model import MAX_LAYERS, AttentionGroup, FFNGroup, ModelSpec

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"
MAX_FILE_BYTES = 1_000_000  # a user's chip or model file; the library's own files are far smaller
MAX_DEPTH = 16  # nesting of tables/arrays in a chip or model file (the shape needs 4)


def data_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("COSTMODEL_DATA") or DEFAULT_DATA_DIR)


def read_toml(name: str, path: str | os.PathLike | None = None) -> dict:
    """Parse data/<name> (cached per file; treat the result as read-only); a missing or
    malformed file is an InputError naming it."""
    return _read_toml(data_dir(path) / name)


@functools.lru_cache(maxsize=16)
def _read_toml(file: Path) -> dict:
    return parse_toml(read_text(file, f"data file {file}"), f"data file {file}")


def read_text(path, field: str, limit: int | None = None) -> str:
    """The UTF-8 text of the regular file ``path``; InputError naming ``field`` when it is
    missing, a folder, not a regular file (a FIFO, a device), unreadable, larger than ``limit``
    bytes or not UTF-8 (``files.read_bytes``)."""
    data = files.read_bytes(path, field, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(field, f"{path} is not UTF-8 text (byte {err.start})") from None


def parse_toml(text: str, field: str) -> dict:
    """TOML text as a dict; InputError naming ``field`` if it is not valid TOML."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(field, f"not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(field, "nested too deeply") from None


def _depth(value, limit: int, field: str, level: int = 0) -> None:
    if level > limit:
        raise InputError(field, f"nested more than {limit} levels deep")
    if isinstance(value, dict):
        for item in value.values():
            _depth(item, limit, field, level + 1)
    elif isinstance(value, list):
        for item in value:
            _depth(item, limit, field, level + 1)


def _build(cls, fields: dict, where: str, extra_ok=()):
    """cls(**fields) with unknown or missing keys reported by name."""
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(fields) - known - set(extra_ok)
    if unknown:
        raise InputError(f"{where}: {sorted(unknown)[0]}", f"unknown field; expected some of {', '.join(sorted(known))}")
    missing = [f.name for f in dataclasses.fields(cls) if f.name not in fields and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise InputError(f"{where}: {missing[0]}", "missing" + (f" (also missing: {', '.join(missing[1:])})"
                                                               if missing[1:] else ""))
    try:
        return cls(**{k: v for k, v in fields.items() if k in known})
    except TypeError as exc:
        raise InputError(where, str(exc)) from None


def _entry(entry, where: str) -> dict:
    if not isinstance(entry, dict):
        raise InputError(where, f"expected a table, got {type(entry).__name__}")
    return entry


def _in_file(file: str, build):
    """``build()``, with any InputError's field prefixed by ``file``."""
    try:
        return build()
    except InputError as exc:
        raise InputError(exc.field if exc.field.startswith(file) else f"{file}: {exc.field}", exc.message) from None


def parse_chip(entry: dict, file: str) -> Chip:
    """One ``[[chip]]`` table as a Chip."""
    entry = _entry(entry, f"{file}: chip")
    check_slug(entry.get("slug"), f"{file}: chip slug")
    where = f"{file}: chip {entry['slug']}"
    for name in ("assumed",):
        if name in entry and not isinstance(entry[name], list):
            raise InputError(f"{where}: {name}", f"expected a list of field names, got {entry[name]!r}")
    fields = {k: (frozenset(v) if k == "assumed" else v) for k, v in entry.items()}
    if "modified" in fields:
        raise InputError(f"{where}: modified", "set by the dashboard's sliders, not by a file")
    return _in_file(file, lambda: _build(Chip, fields, where))


def _layer_group(entry, hidden: int, where: str, registry: dict):
    entry = _entry(entry, where)
    kind = entry.get("kind")
    if not isinstance(kind, str) or kind not in registry:
        raise InputError(f"{where}: kind", f"unknown kind {kind!r}; choose one of {', '.join(registry)}")
    layers = check_size(entry.get("layers"), f"{where}: layers", high=MAX_LAYERS)
    fields = {k: v for k, v in entry.items() if k not in ("kind", "layers", "kv_dtype")}
    if "hidden" in fields:
        raise InputError(f"{where}: hidden", "set once per model, not per layer group")
    try:
        return layers, _build(registry[kind], {"hidden": hidden, **fields}, f"{where} ({kind})")
    except InputError as exc:
        field = exc.field if exc.field.startswith(where) else f"{where} ({kind}): {exc.field.split(': ', 1)[-1]}"
        raise InputError(field, exc.message) from None


def parse_model(entry: dict, file: str) -> ModelSpec:
    """One ``[[model]]`` table (with its ``[[model.attention]]`` and ``[[model.ffn]]`` layer
    groups) as a ModelSpec."""
    entry = _entry(entry, f"{file}: model")
    check_slug(entry.get("slug"), f"{file}: model slug")
    where = f"{file}: model {entry['slug']}"
    for key in ("name", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(f"{where}: {key}", "missing or empty")
    hidden = check_size(entry.get("hidden"), f"{where}: hidden")
    for key in ("attention", "ffn", "inferred"):
        if key in entry and not isinstance(entry[key], list):
            raise InputError(f"{where}: {key}", f"expected a list, got {type(entry[key]).__name__}")
    attn_groups = []
    for i, group in enumerate(entry.get("attention", [])):
        layers, spec = _layer_group(group, hidden, f"{where}: attention[{i}]", attention.VARIANTS)
        kv_dtype = group.get("kv_dtype", "fp8")
        if not isinstance(kv_dtype, str):
            raise InputError(f"{where}: attention[{i}]: kv_dtype", f"expected a precision name, got {kv_dtype!r}")
        attn_groups.append(AttentionGroup(layers, spec, kv_dtype))
    ffn_groups = []
    for i, group in enumerate(entry.get("ffn", [])):
        layers, spec = _layer_group(group, hidden, f"{where}: ffn[{i}]", ffn.VARIANTS)
        ffn_groups.append(FFNGroup(layers, spec))
    fields = {k: v for k, v in entry.items() if k not in ("attention", "ffn")}
    fields.update(attention_groups=tuple(attn_groups), ffn_groups=tuple(ffn_groups),
                  inferred=tuple(entry.get("inferred", ())))
    return _in_file(file, lambda: _build(ModelSpec, fields, where))


def _by_slug(items, kind: str, file: str) -> dict:
    out = {}
    for item in items:
        if item.slug in out:
            raise InputError(f"{file}: {kind} {item.slug}", "slug appears twice")
        out[item.slug] = item
    return out


def _entries(raw: dict, key: str, file: str) -> list:
    entries = raw.get(key, [])
    if not isinstance(entries, list):
        raise InputError(f"{file}: {key}", f"expected [[{key}]] tables, got {type(entries).__name__}")
    return entries


@functools.lru_cache(maxsize=8)
def _chips(where) -> dict[str, Chip]:
    raw = read_toml("chips.toml", where)
    return _by_slug((parse_chip(e, "chips.toml") for e in _entries(raw, "chip", "chips.toml")), "chip", "chips.toml")


@functools.lru_cache(maxsize=8)
def _models(where) -> dict[str, ModelSpec]:
    raw = read_toml("models.toml", where)
    return _by_slug((parse_model(e, "models.toml") for e in _entries(raw, "model", "models.toml")),
                    "model", "models.toml")


def chips(path=None) -> dict[str, Chip]:
    """Every library chip by slug, in file order (cached per data directory)."""
    return _chips(path or os.environ.get("COSTMODEL_DATA"))


def models(path=None) -> dict[str, ModelSpec]:
    """Every library model by slug, in file order (cached per data directory)."""
    return _models(path or os.environ.get("COSTMODEL_DATA"))


def lookup(slug: str, known: dict, field: str, kind: str | None = None):
    """known[slug], or an InputError naming ``field`` and the closest valid slugs (``kind``:
    what a slug names, in the message; default ``field``)."""
    key = str(slug).strip().lower()
    if key in known:
        return known[key]
    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}?" if close else f"choose one of {', '.join(known)}"
    raise InputError(field, f"unknown {kind or field} {slug!r}; {hint}")


def chip(slug: str, path=None) -> Chip:
    return lookup(slug, chips(path), "chip")


def model(slug: str, path=None) -> ModelSpec:
    return lookup(slug, models(path), "model")


# --- a user's own files -------------------------------------------------------------------------
def _parse_records(text: str, file: str, kind: str, parse) -> list:
    """The ``[[kind]]`` tables of TOML text, each read by ``parse``; at least one, slugs unique."""
    raw = parse_toml(text, file)
    _depth(raw, MAX_DEPTH, file)
    records = [parse(e, file) for e in _entries(raw, kind, file)]
    if not records:
        raise InputError(file, f"no [[{kind}]] table in it")
    return list(_by_slug(records, kind, file).values())


def parse_chips(text: str, file: str) -> list[Chip]:
    """The ``[[chip]]`` tables of TOML text in chips.toml's shape."""
    return _parse_records(text, file, "chip", parse_chip)


def parse_models(text: str, file: str) -> list[ModelSpec]:
    """The ``[[model]]`` tables of TOML text in models.toml's shape."""
    return _parse_records(text, file, "model", parse_model)


def load_chip_file(path) -> list[Chip]:
    """Chips from a TOML file in data/chips.toml's shape (at most MAX_FILE_BYTES)."""
    return parse_chips(read_text(path, f"chip file {path}", MAX_FILE_BYTES), f"chip file {path}")


def load_model_file(path) -> list[ModelSpec]:
    """Models from a TOML file in data/models.toml's shape, or one model from a Hugging Face
    ``config.json`` (a ``.json`` file; its slug from its name or architecture)."""
    field = f"model file {path}"
    text = read_text(path, field, MAX_FILE_BYTES)
    if str(path).lower().endswith(".json"):
        from .hf_config import read_config

        try:
            return [read_config(text, slug=_file_slug(Path(path)),
                                source=f"Hugging Face config.json ({Path(path).name})").model]
        except InputError as exc:
            raise InputError(f"{field}: {exc.field}", exc.message) from None
    return parse_models(text, field)


def _file_slug(path: Path) -> str | None:
    """A model's slug from its file's name ('qwen2.5-7b.json'), or its folder's when the file is
    'config.json' ('.../llama-3.1-70b/config.json'); None when neither is a slug (a snapshot
    hash, say): the importer then takes the config's own name."""
    name = path.parent.name if path.stem.lower() == "config" else path.stem
    name = name.strip().lower().replace(" ", "-")
    looks_like_hash = len(name) >= 32 and all(c in "0123456789abcdef" for c in name)
    return name if SLUG.fullmatch(name) and not looks_like_hash else None


def with_extra(known: dict, extra, kind: str) -> dict:
    """``known`` (slug -> record) plus ``extra`` records; an extra one may not reuse a slug."""
    out = dict(known)
    for item in extra:
        if item.slug in out and out[item.slug] != item:
            raise InputError(f"{kind} {item.slug}", f"a {kind} with this slug exists already; give the file's "
                                                    f"{kind} another slug")
        out[item.slug] = item
    return out


# --- records as data-file tables (inverse of the readers) ------------------------------------
def chip_entry(chip: Chip) -> dict:
    """A chip as its ``[[chip]]`` table (no None values; ``modified`` is not part of it)."""
    out = {}
    for f in dataclasses.fields(Chip):
        value = getattr(chip, f.name)
        if f.name == "modified" or value is None or (f.name in ("assumed", "notes") and not value):
            continue
        out[f.name] = sorted(value) if isinstance(value, frozenset) else value
    return out


def _group_entry(layers: int, spec, extra: dict) -> dict:
    out = {"layers": layers, "kind": spec.kind}
    for f in dataclasses.fields(spec):
        value = getattr(spec, f.name)
        if f.name != "hidden" and value is not None and value != f.default:
            out[f.name] = value
    return {**out, **extra}


def model_entry(model: ModelSpec) -> dict:
    """A model as its ``[[model]]`` table with its layer groups (no None values)."""
    out = {}
    for f in dataclasses.fields(ModelSpec):
        value = getattr(model, f.name)
        if f.name in ("attention_groups", "ffn_groups") or value is None or value == f.default:
            continue
        out[f.name] = list(value) if isinstance(value, tuple) else value
    out["attention"] = [_group_entry(g.layers, g.attention, {"kv_dtype": g.kv_dtype}) for g in model.attention_groups]
    out["ffn"] = [_group_entry(g.layers, g.ffn, {}) for g in model.ffn_groups]
    return out

