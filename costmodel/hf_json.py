"""Reading a Hugging Face ``config.json`` safely: size, depth and NaN limits, whole numbers and
texts checked with the key they came from, and the log of every key read and every value
assumed (``Config``, one config object: the top level or ``text_config``).

Pure standard library; errors are ``InputError`` naming the key (``config.json: num_key_value_heads``)."""
from __future__ import annotations

import json
import math
import numbers
import re
import unicodedata

from .errors import InputError

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 32  # containers nested deeper than this are refused (real configs nest 3 deep)
MAX_SIZE = 1_000_000  # largest plausible layer count, width, head count, expert count, window
MAX_VOCAB = 10_000_000
MAX_NAME_CHARS = 100
MAX_SLUG_CHARS = 64
KV_DTYPE = "fp8"
FILE = "config.json"

MISSING = object()
_UNSAFE_CATEGORIES = ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp")


# ---------------------------------------------------------------------------------------------
# Parsing and whole-document checks


def parse_json(text):
    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > MAX_CONFIG_BYTES:
            raise InputError(FILE, f"larger than {MAX_CONFIG_BYTES:,} bytes ({len(raw):,} given); a config.json is a few kB")
    elif isinstance(text, str):
        if len(text) > MAX_CONFIG_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_CONFIG_BYTES:
            raise InputError(FILE, f"larger than {MAX_CONFIG_BYTES:,} bytes; a config.json is a few kB")
        raw = text[1:] if text.startswith("\ufeff") else text
    else:
        raise InputError(FILE, f"expected JSON text or bytes, got {describe(text)}")
    try:
        return json.loads(raw)
    except RecursionError:
        raise InputError(FILE, f"nested too deeply (more than {MAX_DEPTH} levels)") from None
    except json.JSONDecodeError as exc:
        raise InputError(FILE, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    except UnicodeError:
        raise InputError(FILE, "not valid JSON: the bytes are not UTF-8 (or UTF-16/32) text") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise InputError(FILE, f"not valid JSON: {str(exc)[:120]}") from None


def check_tree(data):
    """Depth limit and no NaN/Infinity anywhere (Python's json accepts those literals)."""
    stack = [(data, None, 1)]
    while stack:
        node, path, depth = stack.pop()
        if isinstance(node, dict):
            if depth > MAX_DEPTH:
                raise InputError(f"{FILE}: {_path_text(path)}", f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((value, (path, _key_text(key)), depth + 1) for key, value in node.items())
        elif isinstance(node, (list, tuple)):
            if depth > MAX_DEPTH:
                raise InputError(f"{FILE}: {_path_text(path)}", f"nested more than {MAX_DEPTH} levels deep")
            stack.extend((value, (path, index), depth + 1) for index, value in enumerate(node))
        elif isinstance(node, float) and not math.isfinite(node):
            raise InputError(f"{FILE}: {_path_text(path)}",
                             f"{node!r} is not a number JSON allows (NaN and Infinity are refused)")


def _key_text(key) -> str:
    return key if isinstance(key, str) else short(key)


def _path_text(path) -> str:
    parts = []
    while path is not None:
        path, key = path
        parts.append(f"[{key}]" if isinstance(key, int) else key)
    text = ""
    for part in reversed(parts):
        text += part if part.startswith("[") or not text else f".{part}"
    return text or "(top level)"


def short(value, limit=60) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10 ** 18:
        return f"{'-' if value < 0 else ''}an integer of about {int(value.bit_length() * 0.30103) + 1} digits"
    try:
        text = repr(value)
    except Exception:  # a hostile object's repr; never let it escape
        return type(value).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"text {short(value)}"
    if isinstance(value, (list, tuple)):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        return "an object"
    return short(value)


def whole(value, field: str, low: int = 1, high: int = MAX_SIZE) -> int:
    """``value`` as an int in [low, high]; a whole float (4096.0) is accepted."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InputError(field, f"expected a whole number, got {describe(value)}")
    if isinstance(value, numbers.Integral):
        number = int(value)
    else:
        as_float = float(value)
        if not math.isfinite(as_float):
            raise InputError(field, f"must be a finite whole number, got {as_float!r}")
        if not as_float.is_integer():
            raise InputError(field, f"must be a whole number, got {as_float!r}")
        number = int(as_float)
    if number < low:
        wanted = "a positive whole number" if low == 1 else f"a whole number >= {low}"
        raise InputError(field, f"must be {wanted}, got {short(number)}")
    if number > high:
        raise InputError(field, f"{short(number)} is implausibly large (at most {high:,})")
    return number


def clean_text(value, limit: int) -> str:
    """Plain text: control and format characters removed, whitespace trimmed, capped."""
    kept = "".join(ch for ch in value[: 8 * limit] if unicodedata.category(ch) not in _UNSAFE_CATEGORIES)
    return kept.strip()[:limit].strip()


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9.]+", "-", ascii_text)
    slug = re.sub(r"([.-])[.-]+", r"\1", slug)
    return slug.lstrip(".-")[:MAX_SLUG_CHARS].rstrip(".-")


# ---------------------------------------------------------------------------------------------
# Typed, recorded access to one config object


class ImportLog:
    def __init__(self):
        self.read: dict[str, object] = {}
        self.assumed: dict[str, str] = {}

    def note_read(self, key, value):
        self.read.setdefault(key, value)

    def assume(self, what, why):
        self.assumed.setdefault(what, why)


class Config:
    """One config object (the top level, or ``text_config``); ``cls`` names the class whose
    defaults apply (e.g. "transformers' LlamaConfig")."""

    def __init__(self, data: dict, prefix: str, log: ImportLog, cls: str, outer: dict | None = None):
        self.data, self.prefix, self.log, self.cls = data, prefix, log, cls
        self.outer = outer  # the top-level object when this is its text_config

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def field(self, name: str) -> str:
        return f"{FILE}: {self.prefix}{name}"

    def present(self, name: str) -> bool:
        return self.data.get(name) is not None

    def require(self, names, family: str):
        missing = [self.key(n) for n in names if not self.present(n)]
        if missing:
            plural = "s" if len(missing) > 1 else ""
            raise InputError(f"{FILE}: {', '.join(missing)}",
                             f"missing required field{plural} for {family}: {', '.join(missing)}")

    def get(self, name):
        value = self.data.get(name)
        self.log.note_read(self.key(name), value)
        return value

    def assume(self, name, value, why: str | None = None):
        state = "null in the file" if name in self.data else "not in the file"
        self.log.assume(f"{self.key(name)} = {show(value)}", f"{state}; {why or self.cls + ' default'}")

    def int(self, name, default=MISSING, why=None, low=1, high=MAX_SIZE) -> int:
        if not self.present(name):
            if default is MISSING:
                raise InputError(self.field(name), "missing (required)")
            self.assume(name, default, why)
            return default
        return whole(self.get(name), self.field(name), low, high)

    def opt_int(self, name, default, why=None, low=1, high=MAX_SIZE):
        """An int, or None where the file says null (e.g. no sliding window)."""
        if name not in self.data:
            self.assume(name, default, why)
            return default
        value = self.get(name)
        return None if value is None else whole(value, self.field(name), low, high)

    def bool(self, name, default: bool, why=None) -> bool:
        if not self.present(name):
            self.assume(name, default, why)
            return default
        value = self.get(name)
        if not isinstance(value, bool):
            raise InputError(self.field(name), f"expected true or false, got {describe(value)}")
        return value

    def index_list(self, name, layers: int, default=MISSING, why=None) -> list[int]:
        """Layer indices (each in 0..layers-1), as a list or a comma-separated string."""
        if not self.present(name):
            if default is MISSING:
                raise InputError(self.field(name), "missing (required)")
            self.assume(name, show(default), why)
            return [i for i in default if i < layers]
        value = self.get(name)
        field = self.field(name)
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",")]
            if any(not re.fullmatch(r"[0-9]{1,7}", p) for p in parts):
                raise InputError(field, f"expected comma-separated layer indices such as \"4,5,6\", got {describe(value)}")
            items = [int(p) for p in parts]
        elif isinstance(value, list):
            items = [whole(v, f"{field}[{i}]", low=0) for i, v in enumerate(value)]
        else:
            raise InputError(field, f"expected a list of layer indices, got {describe(value)}")
        for i, index in enumerate(items):
            if index >= layers:
                raise InputError(field, f"layer index {index} is beyond the last layer ({layers - 1})")
        return items

    def flag_list(self, name, layers: int) -> list[bool]:
        """Per-layer 0/1 flags (Llama 4's no_rope_layers); an empty list means 'not given'."""
        value = self.get(name)
        field = self.field(name)
        if not isinstance(value, list):
            raise InputError(field, f"expected a list of 0/1 per layer, got {describe(value)}")
        if len(value) != layers:
            raise InputError(field, f"has {len(value)} entries but num_hidden_layers is {layers}")
        flags = []
        for i, item in enumerate(value):
            if not (isinstance(item, numbers.Real) and item in (0, 1)):  # 0, 1, 0.0, 1.0, false, true
                raise InputError(f"{field}[{i}]", f"expected 0 or 1, got {describe(item)}")
            flags.append(bool(item))
        return flags

    def layer_types(self, layers: int, allowed) -> list[str]:
        value = self.get("layer_types")
        field = self.field("layer_types")
        if not isinstance(value, list):
            raise InputError(field, f"expected a list with one attention type per layer, got {describe(value)}")
        if len(value) != layers:
            raise InputError(field, f"has {len(value)} entries but num_hidden_layers is {layers}")
        for i, item in enumerate(value):
            if not isinstance(item, str) or item not in allowed:
                raise InputError(f"{field}[{i}]", f"expected one of {', '.join(allowed)}, got {describe(item)}")
        return list(value)


def show(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, (list, tuple)):
        if len(value) > 6:
            return f"[{', '.join(str(v) for v in value[:3])}, ..., {value[-1]}] ({len(value)} entries)"
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
