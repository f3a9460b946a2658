"""Loads the reviewed data files (data/*.toml) into Chip and ModelSpec values.

The only reader of data/. A malformed file or entry raises InputError naming the file, the
entry and the field. ``COSTMODEL_DATA`` (or the ``data_dir`` argument) points elsewhere."""
from __future__ import annotations

import difflib
import functools
import os
import tomllib
from pathlib import Path

from . import attention, ffn
from .chips import Chip
from .errors import InputError
from .model import AttentionGroup, FFNGroup, ModelSpec

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir(path: str | os.PathLike | None = None) -> Path:
    return Path(path or os.environ.get("COSTMODEL_DATA") or DEFAULT_DATA_DIR)


def read_toml(name: str, path: str | os.PathLike | None = None) -> dict:
    """Parse data/<name> (cached per file; treat the result as read-only); a missing or
    malformed file is an InputError naming it."""
    return _read_toml(data_dir(path) / name)


@functools.lru_cache(maxsize=16)
def _read_toml(file: Path) -> dict:
    try:
        with open(file, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"data file {file}", "not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"data file {file}", f"not valid TOML: {exc}") from None


def _build(cls, fields: dict, where: str, extra_ok=()):
    """cls(**fields) with unknown or missing keys reported by name."""
    import dataclasses

    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(fields) - known - set(extra_ok)
    if unknown:
        raise InputError(f"{where}: {sorted(unknown)[0]}", f"unknown field; expected some of {', '.join(sorted(known))}")
    try:
        return cls(**{k: v for k, v in fields.items() if k in known})
    except TypeError as exc:
        raise InputError(where, str(exc)) from None


def _chip(entry: dict, file: str) -> Chip:
    where = f"{file}: chip {entry.get('slug', '?')}"
    for key in ("slug", "name", "vendor", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(f"{where}: {key}", "missing or empty")
    fields = dict(entry)
    fields["assumed"] = frozenset(fields.get("assumed", ()))
    try:
        return _build(Chip, fields, where)
    except InputError as exc:
        raise InputError(exc.field if exc.field.startswith(file) else f"{file}: {exc.field}", exc.message) from None


def _layer_group(entry: dict, hidden: int, where: str, registry: dict):
    kind = entry.get("kind")
    if kind not in registry:
        raise InputError(f"{where}: kind", f"unknown kind {kind!r}; choose one of {', '.join(registry)}")
    layers = entry.get("layers")
    if isinstance(layers, bool) or not isinstance(layers, int) or layers <= 0:
        raise InputError(f"{where}: layers", f"must be a positive integer, got {layers!r}")
    fields = {k: v for k, v in entry.items() if k not in ("kind", "layers", "kv_dtype")}
    return layers, _build(registry[kind], {"hidden": hidden, **fields}, f"{where} ({kind})")


def _model(entry: dict, file: str) -> ModelSpec:
    where = f"{file}: model {entry.get('slug', '?')}"
    for key in ("slug", "name", "source"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            raise InputError(f"{where}: {key}", "missing or empty")
    hidden = entry.get("hidden")
    if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden <= 0:
        raise InputError(f"{where}: hidden", f"must be a positive integer, got {hidden!r}")
    attn_groups = []
    for i, group in enumerate(entry.get("attention", [])):
        layers, spec = _layer_group(group, hidden, f"{where}: attention[{i}]", attention.VARIANTS)
        attn_groups.append(AttentionGroup(layers, spec, group.get("kv_dtype", "fp8")))
    ffn_groups = []
    for i, group in enumerate(entry.get("ffn", [])):
        layers, spec = _layer_group(group, hidden, f"{where}: ffn[{i}]", ffn.VARIANTS)
        ffn_groups.append(FFNGroup(layers, spec))
    fields = {k: v for k, v in entry.items() if k not in ("attention", "ffn")}
    fields.update(attention_groups=tuple(attn_groups), ffn_groups=tuple(ffn_groups),
                  inferred=tuple(entry.get("inferred", ())))
    return _build(ModelSpec, fields, where)


def _by_slug(items, kind: str, file: str) -> dict:
    out = {}
    for item in items:
        if item.slug in out:
            raise InputError(f"{file}: {kind} {item.slug}", "slug appears twice")
        out[item.slug] = item
    return out


@functools.lru_cache(maxsize=8)
def _chips(where) -> dict[str, Chip]:
    raw = read_toml("chips.toml", where)
    return _by_slug((_chip(e, "chips.toml") for e in raw.get("chip", [])), "chip", "chips.toml")


@functools.lru_cache(maxsize=8)
def _models(where) -> dict[str, ModelSpec]:
    raw = read_toml("models.toml", where)
    return _by_slug((_model(e, "models.toml") for e in raw.get("model", [])), "model", "models.toml")


def chips(path=None) -> dict[str, Chip]:
    """Every library chip by slug, in file order (cached per data directory)."""
    return _chips(path or os.environ.get("COSTMODEL_DATA"))


def models(path=None) -> dict[str, ModelSpec]:
    """Every library model by slug, in file order (cached per data directory)."""
    return _models(path or os.environ.get("COSTMODEL_DATA"))


def lookup(slug: str, known: dict, field: str):
    """known[slug], or an InputError naming ``field`` and the closest valid slugs."""
    key = str(slug).strip().lower()
    if key in known:
        return known[key]
    close = difflib.get_close_matches(key, list(known), n=3, cutoff=0.4)
    hint = f"did you mean {', '.join(close)}?" if close else f"choose one of {', '.join(known)}"
    raise InputError(field, f"unknown {field} {slug!r}; {hint}")


def chip(slug: str, path=None) -> Chip:
    return lookup(slug, chips(path), "chip")


def model(slug: str, path=None) -> ModelSpec:
    return lookup(slug, models(path), "model")
