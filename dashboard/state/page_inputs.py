"""The inputs of the pages that have their own (AFD sizing, Deployments), as frozen dataclasses
derived from the core's declarations.

Each record is a ``class`` statement; ``@declares(...)`` adds one dataclass field per input
before the class is made a frozen dataclass, typed from its declaration (a whole-number
Quantity: ``int``, other numbers ``float``, a Choice the type of its options, a record's slug
``str``; ``| None`` where the input may be left empty), with its default in display units and
the declaration in the field's metadata (``input_of``). What ``declares`` is given:

- a core record's declared fields (``AFDSetup``, ``DecodeSetup``, ``Efficiency``): the input's
  key is the declaration's key (``tpot_ms``), its value in the declaration's display unit;
- ``Records`` (a model or chip slug, the page's selector), ``Toggle`` (yes or no) and ``Choice``
  declarations of the page's own.

Validation, ``to_dict``/``from_dict`` (JSON; unknown keys named) and renaming slugs come from
``PageInputs``, for every field alike."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field, fields

from costmodel import afd as afd_model, deploy as deploy_model, pricing as pricing_model, serving as serving_model
from costmodel.errors import InputError
from costmodel.fields import Choice, Quantity, declared, from_object
from costmodel.results import OBJECTIVES


@dataclass(frozen=True)
class Records:
    """An input naming a model or a chip by slug (``kind``: 'model' or 'chip'); ``multiple``:
    several (a tuple of slugs)."""

    name: str
    label: str
    kind: str
    key: str
    description: str = ""
    multiple: bool = False


@dataclass(frozen=True)
class Text:
    """A line of text the record's ``check`` parses (a workload mix)."""

    name: str
    label: str
    key: str
    description: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class Toggle:
    """A yes-or-no input."""

    name: str
    label: str
    key: str
    description: str = ""


def input_of(f: dataclasses.Field):
    """The declaration of a page input's field (Quantity, Choice, Records or Toggle)."""
    return f.metadata["input"]


def _type_of(spec, default) -> type:
    if isinstance(spec, (Records, Text)):
        return str
    if isinstance(spec, Toggle):
        return bool
    if isinstance(spec, Choice):
        kinds = {type(o) for o in spec.options if o is not None}
        base = kinds.pop() if len(kinds) == 1 else object
        return base | None if None in spec.options else base
    base = int if spec.integer else float
    return base | None if default is None or not spec.required else base


def declares(*columns):
    """Class decorator: one frozen-dataclass field per ``(key, default, declaration)`` of
    ``columns``, in order, typed from the declaration (see the module). The class's own
    annotated fields (none here) would follow them."""
    def make(cls):
        own = dict(cls.__dict__.get("__annotations__", {}))
        cls.__annotations__ = {}
        for key, default, spec in columns:
            cls.__annotations__[key] = _type_of(spec, default)
            setattr(cls, key, field(default=default, metadata={"input": spec}))
        cls.__annotations__.update(own)
        return dataclass(frozen=True)(cls)
    return make


class PageInputs:
    """What every page-inputs record does from its fields' declarations. ``WHERE``: its name in
    the Scenario and in messages ('afd'); ``WHAT``: one input in words."""

    WHERE = ""
    WHAT = ""

    def __post_init__(self):
        """Every value checked against its declaration (a number in display units; None passes
        where the input may be empty: 'use the default'), then ``check``; InputError names
        '<WHERE>.<key>'."""
        for f in fields(self):
            spec, value, where = input_of(f), getattr(self, f.name), f"{self.WHERE}.{f.name}"
            if isinstance(spec, Choice):
                object.__setattr__(self, f.name, spec.check(value, where))
            elif isinstance(spec, (Records, Text)):
                if not isinstance(value, str):
                    raise InputError(where, f"expected {'a slug' if isinstance(spec, Records) else 'text'}, "
                                            f"got {value!r}")
            elif isinstance(spec, Toggle):
                if not isinstance(value, bool):
                    raise InputError(where, f"expected true or false, got {value!r}")
            elif value is not None or (spec.required and f.default is not None):
                spec.check(value, where, shown=True)
                object.__setattr__(self, f.name, int(value) if spec.integer else float(value))
        self.check()

    def check(self) -> None:
        """What the record refuses beyond each field's declaration."""

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_dict(cls, data):
        """Inverse of ``to_dict``: missing keys take the defaults, an unknown one is named."""
        return from_object(cls, data, cls.WHERE, cls.WHAT)

    def renamed(self, chips: dict, models: dict):
        """This record with its model and chip slugs renamed ({old: new})."""
        renames = {"chip": chips, "model": models}
        changed = {f.name: renames[input_of(f).kind].get(getattr(self, f.name), getattr(self, f.name))
                   for f in fields(self) if isinstance(input_of(f), Records)}
        return dataclasses.replace(self, **changed)

    def setup_values(self) -> dict:
        """The inputs as the core setup's keyword arguments in SI units (``efficiency`` built),
        for every field declared by the setup or ``Efficiency`` but those ``SCENARIO_SETS``
        (the model, the chips, the context, the weight precision: the Scenario's)."""
        values, efficiency = {}, {}
        for f in fields(self):
            spec = input_of(f)
            if not isinstance(spec, (Quantity, Choice)) or spec.name in self.SCENARIO_SETS \
                    or spec.name not in SETUP_NAMES[type(self).SETUP]:
                continue
            value = getattr(self, f.name)
            si = value if isinstance(spec, Choice) or value is None else value * spec.scale
            (efficiency if spec.name in EFFICIENCY_NAMES else values)[spec.name] = si
        return {**values, "efficiency": afd_model.Efficiency(**efficiency)}

    def check_timing(self, timing: str) -> None:
        """What the setups refuse, named '<WHERE>.<field>': efficiency factors ``timing`` would
        not use, more accepted tokens per step than decoded."""
        try:
            afd_model.check_timing(getattr(self, timing), afd_model.Efficiency(**{
                spec.name: getattr(self, spec.key) for spec in declared(afd_model.Efficiency).values()}), timing)
            afd_model.check_mtp(self.mtp_tokens, self.mtp_accept)
        except InputError as err:
            raise InputError(f"{self.WHERE}.{err.field}", err.message) from None


EFFICIENCY_NAMES = {f.name for f in fields(afd_model.Efficiency)}
SETUP_NAMES = {setup: {*declared(setup), *EFFICIENCY_NAMES} for setup in (afd_model.AFDSetup, deploy_model.DecodeSetup)}


def _defaults(*classes) -> dict:
    """{field name: default} of dataclasses (SI units)."""
    return {f.name: f.default for cls in classes for f in fields(cls)}


def _shown(spec, value):
    return spec.shown(value) if isinstance(spec, Quantity) else value


def _from_setup(setup, skip, defaults: dict, own: dict | None = None):
    """(key, default in display units, declaration) of every declared field of ``setup`` and
    ``Efficiency``, but ``skip``; ``own``: {key: the page's own default}; context defaults to None
    (the scenario's)."""
    own = own or {}
    return [(spec.key, None if spec.name == "context" else own.get(spec.key, _shown(spec, defaults[spec.name])), spec)
            for name, spec in {**declared(setup), **declared(afd_model.Efficiency)}.items() if name not in skip]


# --- AFD sizing (Scenario.afd) -------------------------------------------------------------------
AFD_DEFAULTS = _defaults(afd_model.AFDSetup, afd_model.Efficiency)
AFD_RECORDS = (
    ("model", "step-3", Records("model", "Model", "model", "model", "The model to deploy")),
    ("attention_chip", "h800", Records("attention_chip", "Attention chip", "chip", "attention_chip",
                                       "Holds the KV cache; runs the attention layers")),
    ("ffn_chip", "h800", Records("ffn_chip", "FFN chip", "chip", "ffn_chip", "Holds the MoE experts (TP/EP)")))
OBJECTIVE = Choice("objective", "Objective of the search", tuple(OBJECTIVES), "objective")
CHIP_PAIRS = Toggle("chip_pairs", "Search every chip pair", "chip_pairs",
                    "Mixed pools: the best plan for each (attention chip, FFN chip) pair of the library and your own "
                    "chips (~0.1 s); the table is in the 'Mixed chip pools' tab")


@declares(*AFD_RECORDS, *_from_setup(afd_model.AFDSetup, ("weight_dtype",), AFD_DEFAULTS),
          ("objective", OBJECTIVE.options[0], OBJECTIVE), *((spec.key, None, spec) for spec in afd_model.RATIO.values()),
          ("chip_pairs", False, CHIP_PAIRS))
class AFDInputs(PageInputs):
    """The AFD sizing page's inputs (Scenario.afd): the model and chips as slugs; each declared
    AFDSetup and Efficiency value under its key in its display unit (``tpot_ms``; ``context``
    None: the scenario's; network None: each chip's own); the search's ``objective``; the A:F
    choice (``attention_instances``, ``ffn_instances``, ``micro_batch``; None: the search's
    optimum); ``chip_pairs``: also search every chip pair. Invalid values raise InputError
    naming 'afd.<key>'."""

    WHERE, WHAT = "afd", "AFD input"
    SETUP, SCENARIO_SETS = afd_model.AFDSetup, ("context", "weight_dtype")

    def check(self) -> None:
        self.check_timing("attention_timing")


# --- Deployments (Scenario.deploy) ----------------------------------------------------------------
DEPLOY_DEFAULTS = {**_defaults(deploy_model.DecodeSetup, afd_model.Efficiency), "tpot_s": AFD_DEFAULTS["tpot_s"]}
DEPLOY_PAGE_DEFAULTS = {"gpus": 32}  # four 8-GPU nodes: the paper's 2A2F for afd; ep and tp over the same GPUs
TPOT_TARGET = declared(afd_model.AFDSetup)["tpot_s"]  # the chosen point's target (or ``batch_per_gpu``)


@declares(*_from_setup(deploy_model.DecodeSetup, ("weight_dtype",), DEPLOY_DEFAULTS, DEPLOY_PAGE_DEFAULTS),
          (TPOT_TARGET.key, _shown(TPOT_TARGET, DEPLOY_DEFAULTS["tpot_s"]), TPOT_TARGET),
          (deploy_model.BATCH.key, None, deploy_model.BATCH))
class DeployInputs(PageInputs):
    """The Deployments page's inputs (Scenario.deploy): each declared DecodeSetup and Efficiency
    value under its key in its display unit (``context`` None: the scenario's; ``overlap``,
    ``balance`` None: each deployment's default; ``net_gbps`` None: each chip's own); the chosen
    point: ``batch_per_gpu`` requests per GPU, or (None) the largest batch meeting ``tpot_ms``.
    Invalid values raise InputError naming 'deploy.<key>'."""

    WHERE, WHAT = "deploy", "deployment input"
    SETUP, SCENARIO_SETS = deploy_model.DecodeSetup, ("context", "deployment", "weight_dtype")

    def check(self) -> None:
        self.check_timing("timing")


# --- Serving cost (Scenario.serve) -----------------------------------------------------------------
SERVE_CLASSES = (serving_model.Workload, serving_model.ServeSetup, pricing_model.Pricing)  # declared, built whole
DECODE_DECLARED = declared(deploy_model.DecodeSetup)
PREFILL_DEPLOYMENT = Choice("prefill_deployment", "Prefill deployment", ("ep", "tp"), "prefill_deployment",
                            "How the prefill pool runs (disaggregated): ep (attention data-parallel, experts spread "
                            "over the group) or tp (tensor parallel)")
PREFILL_GPUS = dataclasses.replace(DECODE_DECLARED["gpus"], name="prefill_gpus", label="Prefill GPUs",
                                   key="prefill_gpus", required=False,
                                   description="GPUs of one prefill deployment (empty: as many as the decode's)")
MIX = Text("mix", "Workload mix", "mix", "A distribution of request lengths instead of the one pair above: "
           "input:output:weight rows, comma-separated (as `python -m costmodel serve --mix`)",
           "none: the pair above; e.g. 2000:500:0.7, 8000:300:0.3")


def _serve_columns():
    own = [(spec.key, _shown(spec, _defaults(cls)[spec.name]), spec) for cls in SERVE_CLASSES
           for spec in declared(cls).values()]
    decode = [(DECODE_DECLARED[name].key, default, DECODE_DECLARED[name])
              for name, default in (("deployment", "ep"), ("gpus", 16), ("kv_dtype", "bf16"))]
    return (*decode, ("prefill_deployment", "ep", PREFILL_DEPLOYMENT), ("prefill_gpus", None, PREFILL_GPUS), *own,
            ("mix", "", MIX))


@declares(*_serve_columns())
class ServeInputs(PageInputs):
    """The Serving cost page's inputs (Scenario.serve): the decode pool's deployment, GPUs and KV
    precision, the prefill pool's deployment and GPUs (None: the decode's), each declared
    Workload, ServeSetup and Pricing value under its key in its display unit (``ttft_ms``), and
    the workload ``mix`` as text ('' : the one pair). Invalid values raise InputError naming
    'serve.<key>'."""

    WHERE, WHAT = "serve", "serving input"

    def check(self) -> None:
        self.mix_rows()
        if self.mode == "colocated" and self.deployment == "afd":
            raise InputError("serve.deployment", "colocated serving runs on ep or tp")

    def mix_rows(self) -> tuple:
        """The mix as (input, output, weight) rows (InputError naming 'serve.mix')."""
        return serving_model.parse_mix(self.mix, "serve.mix")

    def setup(self, model, prefill_chip, decode_chip, weight_dtype: str) -> serving_model.ServeSetup:
        """The ServeSetup these inputs describe for ``model``: the prefill pool on
        ``prefill_chip``, the decode pool (colocated: the one pool) on ``decode_chip``."""
        def values(cls) -> dict:
            return {spec.name: getattr(self, spec.key) if isinstance(spec, Choice) or getattr(self, spec.key) is None
                    else getattr(self, spec.key) * spec.scale for spec in declared(cls).values()}

        pools = dict(weight_dtype=weight_dtype, kv_dtype=self.kv_dtype)
        decode = deploy_model.DecodeSetup(model, decode_chip, self.deployment, gpus=self.gpus, **pools)
        prefill = deploy_model.DecodeSetup(model, prefill_chip, self.prefill_deployment,
                                           gpus=self.prefill_gpus or self.gpus, **pools)
        workload = serving_model.Workload(**values(serving_model.Workload), mix=self.mix_rows())
        return serving_model.ServeSetup(decode, prefill, workload, pricing_model.Pricing(**values(pricing_model.Pricing)),
                                        **values(serving_model.ServeSetup))


def specs(cls) -> dict:
    """{input key: its declaration} of a page-inputs record, in field order."""
    return {f.name: input_of(f) for f in fields(cls)}
