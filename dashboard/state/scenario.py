"""The dashboard's state: one frozen Scenario (models, chips and their overrides, context,
sweep, batch, precisions, the AFD sizing, co-design and deployment inputs, and the full specs of
any chip or model that is not the library's), validated in one place and serialized with a schema
version.

Units: contexts and batch in tokens/requests; chip overrides in the SI units of the Chip
fields they replace; the AFD and deployment inputs in the display units of the core's fields
they come from (``AFDInputs``, ``DeployInputs``: each declared AFDSetup or DecodeSetup value
under its key, e.g. ``tpot_ms``)."""
from __future__ import annotations

import dataclasses
import functools
import json
import math
from dataclasses import dataclass, field, fields

import numpy as np

from costmodel import afd as afd_model, api_prices, deploy as deploy_model, library
from costmodel.chips import EDITABLE_FIELDS, FIELD_BY_NAME, Chip
from costmodel.decode import MAX_CONTEXT
from costmodel.errors import InputError
from costmodel.fields import Choice, Quantity
from costmodel.model import ModelSpec
from costmodel.paper import PAPER_CHIPS, PAPER_MODELS
from costmodel.precision import KV_FORMATS, WEIGHT_FORMATS, check_dtype

from dashboard.state.codesign_inputs import CodesignInputs
from dashboard.state.page_inputs import TPOT_TARGET, AFDInputs, DeployInputs, Records, ServeInputs, input_of

SCHEMA_VERSION = 7  # 7: the pinned baseline; 6: the Serving cost page's inputs and API prices; 5: the Deployments
READABLE_VERSIONS = (1, 2, 3, 4, 5, 6, SCHEMA_VERSION)  # page's; 4: the co-design explorer's; 3: custom chips and models
MAX_BATCH = 65536


def _declared(spec, default):
    """A Scenario field declared as a sidebar input (its declaration in the metadata, as the page
    inputs' fields: ``page_inputs.input_of``)."""
    return field(default=default, metadata={"input": spec})


def _context(name: str, label: str, key: str, description: str = "") -> Quantity:
    return Quantity(name, label, "tokens", 1.0, key, minimum=1, maximum=MAX_CONTEXT, integer=True, step=1024,
                    description=description)


# --- page inputs (dashboard.state.page_inputs) ----------------------------------------------------
AFD_RECORDS = {f.name: f.default for f in fields(AFDInputs) if isinstance(input_of(f), Records)}  # slug fields
AFD_RATIO = {spec.key: spec for spec in afd_model.RATIO.values()}  # None: the search's optimum
AFD_SPECS = {f.name: input_of(f) for f in fields(AFDInputs)
             if isinstance(input_of(f), (Quantity, Choice)) and f.name not in AFD_RATIO and f.name != "objective"}
DEPLOY_POINT = {"tpot_ms": TPOT_TARGET, "batch_per_gpu": deploy_model.BATCH}
DEPLOY_SPECS = {f.name: input_of(f) for f in fields(DeployInputs) if f.name not in DEPLOY_POINT}
SERVE_SPECS = {f.name: input_of(f) for f in fields(ServeInputs)}


# --- the Scenario -----------------------------------------------------------------------------
def _slugs(values, known: dict, name: str) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    out = []
    for value in values:
        slug = library.lookup(value, known, name).slug
        if slug not in out:
            out.append(slug)
    if not out:
        raise InputError(name + "s", f"choose at least one {name}")
    return tuple(out)


@functools.lru_cache(maxsize=64)
def catalog(custom_chips: tuple = (), custom_models: tuple = ()) -> tuple[dict, dict]:
    """(chips, models) by slug: the library's, then the custom ones (a custom record of a library
    slug would replace it: what a file or a link brings never has one, ``keep_apart``). Cached:
    treat as read-only."""
    chips = {**library.chips(), **{c.slug: c for c in custom_chips}}
    models = {**library.models(), **{m.slug: m for m in custom_models}}
    return chips, models


def _page_inputs(value, cls, where: str, what: str, slug_fields: dict, optional=()):
    """A page's inputs (``cls``, or its dict) with each model or chip field named by its
    canonical slug: ``slug_fields`` {field: (the known records by slug, 'model' or 'chip')};
    a field in ``optional`` may be None. InputError naming '<where>.<field>' for an unknown one."""
    if isinstance(value, dict):
        value = cls.from_dict(value)
    elif not isinstance(value, cls):
        raise InputError(where, f"expected {what}, got {type(value).__name__}")
    slugs = {name: library.lookup(getattr(value, name), known, f"{where}.{name}", kind).slug
             for name, (known, kind) in slug_fields.items() if not (name in optional and getattr(value, name) is None)}
    changed = {name: slug for name, slug in slugs.items() if getattr(value, name) != slug}
    return dataclasses.replace(value, **changed) if changed else value


@dataclass(frozen=True)
class Scenario:
    """What the dashboard shows. ``chip_overrides``: ((chip slug, ((field, SI value), ...)), ...),
    only for selected chips and editable fields; ``custom_chips``/``custom_models``: full specs
    of chips and models that are not the library's (the user's own, or a file's own version of
    a library record), selectable like library ones. Hashable, so pages can cache on it."""

    models: tuple[str, ...] = _declared(Records("models", "Models", "model", "models", multiple=True), PAPER_MODELS)
    chips: tuple[str, ...] = _declared(Records("chips", "Chips", "chip", "chips", multiple=True), PAPER_CHIPS)
    chip_overrides: tuple = ()
    context: int = _declared(_context("context", "Context", "ctx",
                                      "Tokens already in the KV cache when a token is decoded"), 8192)
    sweep_min: int = _declared(_context("sweep_min", "From", "sweep_from"), 8192)
    sweep_max: int = _declared(_context("sweep_max", "To", "sweep_to"), 32768)
    sweep_axis: str = _declared(Choice("sweep_axis", "Context axis", ("linear", "log"), "axis"), "linear")
    batch: int = _declared(Quantity("batch", "Decode batch", "requests", 1.0, "batch", minimum=1, maximum=MAX_BATCH,
                                    integer=True, step=32, description="Requests decoded together: tokens sharing "
                                                                       "one read of the weights per step"), 256)
    kv_dtype: str | None = _declared(Choice("kv_dtype", "KV-cache precision", (None, *KV_FORMATS), "kv",
                                            description="None: each model's own per-layer formats (the paper's)"),
                                     None)
    weight_dtype: str = _declared(Choice("weight_dtype", "Weight precision", WEIGHT_FORMATS, "weights"), "fp8")
    afd: AFDInputs = field(default_factory=AFDInputs)
    codesign: CodesignInputs = field(default_factory=CodesignInputs)
    deploy: DeployInputs = field(default_factory=DeployInputs)
    serve: ServeInputs = field(default_factory=ServeInputs)
    api_prices: tuple[api_prices.ApiPrice, ...] = ()  # the user's edited API price table; () : the shipped one
    custom_chips: tuple[Chip, ...] = ()
    custom_models: tuple[ModelSpec, ...] = ()
    baseline: "Scenario | None" = None  # pinned: what every page draws beside this, and the changes against it
    schema_version: int = field(default=SCHEMA_VERSION, compare=False)

    def __post_init__(self):
        set_ = functools.partial(object.__setattr__, self)
        for name, kind in (("custom_chips", Chip), ("custom_models", ModelSpec)):
            items = tuple(getattr(self, name))
            if not all(isinstance(i, kind) for i in items):
                raise InputError(name, f"expected {kind.__name__} records")
            set_(name, items)
        chips, models = catalog(self.custom_chips, self.custom_models)
        set_("models", _slugs(self.models, models, "model"))
        set_("chips", _slugs(self.chips, chips, "chip"))
        for name, spec in SIDEBAR.items():
            if isinstance(spec, Quantity):
                set_(name, spec.check(getattr(self, name), name, shown=True))
        if self.sweep_min >= self.sweep_max:
            raise InputError("sweep range", f"start ({self.sweep_min}) must be below end ({self.sweep_max}) tokens")
        set_("sweep_axis", SIDEBAR["sweep_axis"].check(self.sweep_axis, "sweep_axis"))
        if self.kv_dtype in ("", "model", "default"):
            set_("kv_dtype", None)
        if self.kv_dtype is not None:
            set_("kv_dtype", check_dtype(self.kv_dtype, "kv_dtype"))
        set_("weight_dtype", check_dtype(self.weight_dtype, "weight_dtype"))
        if self.schema_version != SCHEMA_VERSION:
            raise InputError("schema_version", f"expected {SCHEMA_VERSION}, got {self.schema_version!r}")
        set_("chip_overrides", self._check_overrides(self.chip_overrides, chips))
        model, chip = (models, "model"), (chips, "chip")
        set_("afd", _page_inputs(self.afd, AFDInputs, "afd", "the AFD inputs",
                                 {"model": model, "attention_chip": chip, "ffn_chip": chip}))
        set_("codesign", _page_inputs(self.codesign, CodesignInputs, "codesign", "the co-design inputs",
                                      {"base": model, "chip": chip}, optional=("chip",)))
        set_("deploy", _page_inputs(self.deploy, DeployInputs, "deploy", "the deployment inputs", {}))
        set_("serve", _page_inputs(self.serve, ServeInputs, "serve", "the serving inputs", {}))
        set_("api_prices", tuple(self.api_prices))
        if not all(isinstance(p, api_prices.ApiPrice) for p in self.api_prices):
            raise InputError("api_prices", "expected ApiPrice records")
        set_("baseline", _baseline(self.baseline))

    def _check_overrides(self, overrides, chips: dict) -> tuple:
        if isinstance(overrides, dict):
            overrides = overrides.items()
        out = {}
        for slug, changes in overrides:
            slug = library.lookup(slug, chips, "chip").slug
            if isinstance(changes, dict):
                changes = changes.items()
            values = {}
            for name, value in changes:
                where = f"chip_overrides: {slug}.{name}"
                if name not in EDITABLE_FIELDS:
                    raise InputError(where, f"not an editable field; choose from {', '.join(EDITABLE_FIELDS)}")
                if getattr(chips[slug], name) is None:
                    raise InputError(where, f"{slug.upper()} has no {FIELD_BY_NAME[name].label}: a change cannot "
                                            "add it (a custom chip can)")
                values[name] = FIELD_BY_NAME[name].check(value, where)
            if slug in self.chips and values:
                out[slug] = tuple(sorted(values.items()))
        return tuple(sorted(out.items()))

    # --- resolved specs ---------------------------------------------------------------------
    def known_chips(self) -> dict[str, Chip]:
        """Every chip a page may offer, by slug: the library's and the custom ones (no overrides)."""
        return catalog(self.custom_chips, self.custom_models)[0]

    def known_models(self) -> dict[str, ModelSpec]:
        """Every model a page may offer, by slug: the library's and the custom ones."""
        return catalog(self.custom_chips, self.custom_models)[1]

    def is_custom(self, slug: str) -> bool:
        """Whether chip or model ``slug`` is not the library's record."""
        return any(r.slug == slug for r in (*self.custom_chips, *self.custom_models))

    def model_specs(self) -> tuple[ModelSpec, ...]:
        known = self.known_models()
        return tuple(known[s] for s in self.models)

    def chip_specs(self) -> tuple[Chip, ...]:
        """Selected chips with overrides applied (``Chip.modified`` names what changed)."""
        return _chip_specs(self.chips, self.chip_overrides, self.custom_chips)

    def chip_spec(self, slug: str) -> Chip:
        """A known chip, with the scenario's overrides when it is selected (and modified)."""
        selected = {c.slug: c for c in self.chip_specs()}
        return selected.get(slug) or self.known_chips()[slug]

    def all_chip_specs(self) -> tuple[Chip, ...]:
        """Every known chip (library and custom), selected ones with their overrides: what the
        chip-pair search ranges over."""
        return tuple(self.chip_spec(slug) for slug in self.known_chips())

    def afd_setup(self) -> afd_model.AFDSetup:
        """The AFDSetup the AFD inputs describe: chips with the scenario's overrides, the
        scenario's context when ``afd.context`` is None, the scenario's weight precision."""
        return _afd_setup(self.afd, self.context, self.weight_dtype, self.chip_overrides, self.chips,
                          self.custom_chips, self.custom_models)

    def deploy_setup(self, model: ModelSpec, chip: Chip, deployment: str) -> deploy_model.DecodeSetup:
        """The DecodeSetup the deployment inputs describe for ``model`` on ``chip`` (with the
        scenario's overrides): the scenario's context when ``deploy.context`` is None, the
        scenario's weight precision. InputError where ``deployment`` cannot run on these GPUs."""
        d = self.deploy
        return deploy_model.DecodeSetup(model, chip, deployment, context=self.context if d.context is None else d.context,
                                        weight_dtype=self.weight_dtype, **d.setup_values())

    def serve_setup(self, model: ModelSpec, prefill_chip: Chip, decode_chip: Chip):
        """The ServeSetup the serving inputs describe for ``model`` (chips with the scenario's
        overrides), at the scenario's weight precision."""
        return self.serve.setup(model, prefill_chip, decode_chip, self.weight_dtype)

    def api_price_table(self) -> tuple[api_prices.ApiPrice, ...]:
        """The API prices shown beside the modeled cost: the user's edited table, else the shipped one."""
        return self.api_prices or api_prices.prices()

    def sweep_contexts(self, points: int = 40) -> np.ndarray:
        """Context values (tokens) over the sweep range, spaced on the sweep axis."""
        if self.sweep_axis == "log":
            return np.geomspace(self.sweep_min, self.sweep_max, points)
        return np.linspace(self.sweep_min, self.sweep_max, points)

    def renamed(self, chips: dict, models: dict, custom_chips: tuple, custom_models: tuple) -> "Scenario":
        """This scenario with chip and model slugs renamed ({old: new}) in every field that
        holds one (the selections, the overrides, every page's inputs), and these custom
        records."""
        renames = {"chip": chips, "model": models}
        slugs = {name: tuple(renames[spec.kind].get(s, s) for s in getattr(self, name))
                 for name, spec in SIDEBAR.items() if isinstance(spec, Records)}
        return dataclasses.replace(
            self, **slugs, chip_overrides=tuple((chips.get(s, s), c) for s, c in self.chip_overrides),
            **{name: getattr(self, name).renamed(chips, models) for name in PAGE_INPUTS},
            custom_chips=tuple(custom_chips), custom_models=tuple(custom_models))

    def kept_apart(self, taken_chips=(), taken_models=()) -> tuple["Scenario", list[str]]:
        """This scenario with its custom records kept apart from the library's and ``taken_*``
        (the user's saved records; ``keep_apart``), every input that named a renamed one
        following it; and a line per record renamed."""
        (chips, chip_renames), (models, model_renames), notes = keep_apart(
            self.custom_chips, self.custom_models, taken_chips, taken_models)
        if (chips, models) == (self.custom_chips, self.custom_models):
            return self, notes
        return self.renamed(chip_renames, model_renames, chips, models), notes

    # --- serialization ----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dict, field by field (overrides in SI units; page inputs in their display
        units; custom records in the data files' shape)."""
        out = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            if f.name != "schema_version":
                value = getattr(self, f.name)
                out[f.name] = JSON.get(f.name, _json)(value)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Scenario":
        """Inverse of ``to_dict``; unknown keys or a wrong schema version raise InputError.
        Files before version 7 read without a baseline, before 6 with the serving defaults and the shipped
        API prices, before 5 with the deployment defaults, before version 4 with the
        co-design defaults, version 1 (before ``afd``) with the AFD defaults; version 2's one
        network figure (``afd.net_gbps``) sets both pools."""
        if not isinstance(data, dict):
            raise InputError("scenario", f"expected a JSON object, got {type(data).__name__}")
        data = dict(data)
        version = data.pop("schema_version", None)
        if version not in READABLE_VERSIONS or isinstance(version, bool):
            raise InputError("schema_version", f"expected one of {', '.join(map(str, READABLE_VERSIONS))}, "
                                               f"got {version!r}")
        known = {f.name for f in fields(cls) if f.name != "schema_version"}
        if version < 3:
            known -= {"custom_chips", "custom_models"}
        if version < 6:
            known -= {"serve", "api_prices"}
        if version < 7:
            known.discard("baseline")
        if version < 5:
            known.discard("deploy")
        if version < 4:
            known.discard("codesign")
        if version == 1:
            known.discard("afd")
        unknown = sorted(set(data) - known)
        if unknown:
            raise InputError(unknown[0], "unknown scenario field")
        for name in ("models", "chips"):
            if name in data and not isinstance(data[name], (list, str)):
                raise InputError(name, "expected a list of slugs")
        overrides = data.get("chip_overrides", {})
        if not isinstance(overrides, dict) or not all(isinstance(v, dict) for v in overrides.values()):
            raise InputError("chip_overrides", "expected {chip slug: {field: value}}")
        for name, parse in (("custom_chips", library.parse_chip), ("custom_models", library.parse_model)):
            entries = data.get(name, [])
            if not isinstance(entries, list):
                raise InputError(name, "expected a list of records")
            data[name] = tuple(parse(entry, f"{name}[{i}]") for i, entry in enumerate(entries))
        if "api_prices" in data:
            if not isinstance(data["api_prices"], list):
                raise InputError("api_prices", "expected a list of price tables")
            data["api_prices"] = api_prices.parse({"price": data["api_prices"]})
        if "afd" in data:
            afd = data["afd"]
            if version == 2 and isinstance(afd, dict) and "net_gbps" in afd:
                afd = {**afd, "attention_net_gbps": afd["net_gbps"], "ffn_net_gbps": afd["net_gbps"]}
                del afd["net_gbps"]
            data["afd"] = AFDInputs.from_dict(afd)
        return cls(**data)


SIDEBAR = {f.name: f.metadata["input"] for f in fields(Scenario) if "input" in f.metadata}  # the sidebar's inputs
PAGE_INPUTS = ("afd", "codesign", "deploy", "serve")  # the pages' own inputs, each a record with to_dict and renamed
JSON = {"chip_overrides": lambda overrides: {slug: dict(changes) for slug, changes in overrides},
        "custom_chips": lambda chips: [library.chip_entry(c) for c in chips],
        "custom_models": lambda models: [library.model_entry(m) for m in models],
        "api_prices": lambda prices: [api_prices.entry(p) for p in prices],
        "baseline": lambda baseline: None if baseline is None else baseline.to_dict()}  # fields not written as they are


def _baseline(value):
    """A pinned baseline: None, a Scenario or its dict, itself without a baseline (a baseline has
    none of its own: a pin pins what is shown, not what it was compared with)."""
    if value is None:
        return None
    if isinstance(value, dict):
        try:
            value = Scenario.from_dict(value)
        except InputError as err:
            raise InputError(f"baseline.{err.field}", err.message) from None
    if not isinstance(value, Scenario):
        raise InputError("baseline", f"expected a scenario, got {type(value).__name__}")
    return dataclasses.replace(value, baseline=None) if value.baseline is not None else value


def _json(value):
    """A field's value in JSON: a page's inputs as their dict, slugs as a list, else itself."""
    return value.to_dict() if hasattr(value, "to_dict") else list(value) if isinstance(value, tuple) else value


@functools.lru_cache(maxsize=256)
def _chip_specs(slugs: tuple, overrides: tuple, custom: tuple) -> tuple[Chip, ...]:
    known = catalog(custom)[0]
    by_slug = dict(overrides)
    return tuple(known[s].with_changes(**dict(by_slug[s])) if s in by_slug else known[s] for s in slugs)


@functools.lru_cache(maxsize=256)
def _afd_setup(inputs, context: int, weight_dtype: str, overrides: tuple, selected: tuple, custom_chips: tuple,
               custom_models: tuple):
    chips, models = catalog(custom_chips, custom_models)
    modified = dict(zip(selected, _chip_specs(selected, overrides, custom_chips)))
    chip = lambda slug: modified.get(slug) or chips[slug]  # noqa: E731
    return afd_model.AFDSetup(
        model=models[inputs.model], attention_chip=chip(inputs.attention_chip), ffn_chip=chip(inputs.ffn_chip),
        context=context if inputs.context is None else inputs.context, weight_dtype=weight_dtype,
        **inputs.setup_values())


def is_close(a: float, b: float) -> bool:
    """Equal up to float noise from unit conversion (slider values in TB/s etc.)."""
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


# --- records kept apart ------------------------------------------------------------------------
def keep_apart(chips, models, taken_chips=(), taken_models=(), source: str = "file"):
    """Custom records from a ``source`` (a file, a link) each under a slug of its own: one whose
    slug names a different record elsewhere (a library one, or one of ``taken_*``: the user's
    saved records) gets a new slug ('h800-file'; the same record saved earlier under such a slug
    is reused); one equal to the library's record of its slug is the library's (dropped). A
    source never redefines a library slug, and a loaded record never replaces a saved one.
    Returns ((chips, {old: new slug}), (models, {old: new}), a line per record renamed)."""
    out, notes = [], []
    for kind, records, library_records, taken in (("chip", chips, library.chips(), taken_chips),
                                                  ("model", models, library.models(), taken_models)):
        known = {**{r.slug: r for r in taken}, **library_records}
        used, renames, kept = {r.slug for r in records}, {}, []
        for record in records:
            other = known.get(record.slug)
            if other == record and record.slug in library_records:
                continue
            if other is not None and other != record:
                slug = next(s for s in slug_candidates(record.slug, source) if s not in used
                            and known.get(s) in (None, dataclasses.replace(record, slug=s)))
                whose = "a library" if record.slug in library_records else "your saved"
                notes.append(f"the {source}'s own {kind} {record.slug} is kept as {slug} ({record.slug} is {whose} "
                             f"{kind}, which keeps its slug)")
                renames[record.slug] = slug
                used.add(slug)
                record = dataclasses.replace(record, slug=slug)
            kept.append(record)
        out.append((tuple(kept), renames))
    return out[0], out[1], notes


# --- slugs for records kept apart -------------------------------------------------------------
def slug_candidates(slug: str, mark: str = ""):
    """New slugs (or scenario names) for a record whose own is taken, in order: '<slug>-<mark>',
    '<slug>-<mark>2', ... ('<slug>-2', '<slug>-3', ... without a mark), at most 64 characters."""
    for n in range(1 if mark else 2, 1000):
        tail = f"-{mark}{n if n > 1 else ''}"
        yield slug[:64 - len(tail)] + tail


def free_slug(slug: str, taken, mark: str = "") -> str:
    """The first of ``slug_candidates`` not in ``taken``."""
    for candidate in slug_candidates(slug, mark):
        if candidate not in taken:
            return candidate
    raise InputError("slug", f"no free slug for {slug!r}")


# --- scenario files ---------------------------------------------------------------------------
MAX_SCENARIO_BYTES = 5_000_000


def strict_json(text):
    """``json.loads`` that refuses NaN and Infinity (ValueError): strict JSON has neither."""
    return json.loads(text, parse_constant=_no_constant)


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


def parse_scenario(text: str, field: str = "scenario", taken_chips=(), taken_models=()) -> tuple[Scenario, list[str]]:
    """A Scenario from JSON text the dashboard wrote (``report_dict``) or a bare
    ``Scenario.to_dict()``; also warnings (``scenario_from_data``)."""
    try:
        data = strict_json(text)
    except (ValueError, RecursionError) as err:
        where = f" at line {err.lineno}, column {err.colno}" if isinstance(err, json.JSONDecodeError) else ""
        raise InputError(field, f"not valid JSON: {getattr(err, 'msg', err)}{where}") from None
    return scenario_from_data(data, field, taken_chips, taken_models)


def scenario_from_data(data, field: str = "scenario", taken_chips=(), taken_models=()) -> tuple[Scenario, list[str]]:
    """A Scenario from a parsed scenario file, and warnings. The file's specs are the ones used,
    each under a slug of its own: a chip or model whose embedded spec differs from the library's,
    or a custom record whose slug is a library one or one of ``taken_*`` (the user's saved
    records), is kept under a new slug, with a warning saying so (``Scenario.kept_apart``); so a
    report regenerates the figures the file was written with, and no file redefines a library
    slug or replaces a saved record."""
    embedded = data if isinstance(data, dict) and "scenario" in data else {}
    if embedded:
        data = embedded["scenario"]
    if not isinstance(data, dict):
        raise InputError(field, f"expected a JSON object, got {type(data).__name__}")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 3:
        embedded = {}  # before version 3 the embedded specs were a record only: the library's are used
    warnings = []
    data = dict(data)
    for key, kind, parse, entry_of, known in (
            ("chips", "chip", library.parse_chip, library.chip_entry, library.chips()),
            ("models", "model", library.parse_model, library.model_entry, library.models())):
        entries = embedded.get(key, {})
        if not isinstance(entries, dict):
            raise InputError(f"{field}: {key}", "expected {slug: {spec: ...}}")
        shadows = []
        for slug, entry in entries.items():
            if not isinstance(entry, dict) or not isinstance(entry.get("spec"), dict):
                raise InputError(f"{field}: {key}.{slug}", "expected an object with a 'spec'")
            if entry.get("custom") or slug not in known:
                continue  # carried in the scenario's own custom records
            spec = parse(entry["spec"], f"{field}: {key}.{slug}")
            if spec != known[slug]:
                base = entry_of(known[slug])
                changed = sorted(k for k in set(entry["spec"]) | set(base) if entry["spec"].get(k) != base.get(k))
                warnings.append(f"{kind} {slug}: the file's {', '.join(changed)} differ from the library's; "
                                "the file's are used")
                shadows.append(entry["spec"])
        if shadows:
            data[f"custom_{key}"] = list(data.get(f"custom_{key}", [])) + shadows
    scenario, notes = Scenario.from_dict(data).kept_apart(taken_chips, taken_models)
    return scenario, warnings + notes


def read_scenario(path) -> tuple[Scenario, list[str]]:
    """``parse_scenario`` of a file (InputError naming it when unreadable)."""
    return parse_scenario(library.read_text(path, "--scenario", MAX_SCENARIO_BYTES), "--scenario")
