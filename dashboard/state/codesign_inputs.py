"""The co-design explorer's own inputs (``Scenario.codesign``), each declared once: label,
unit, range and URL key (``cod_`` + the declaration's key); the page's widgets come from these.
Kept apart from the page (``dashboard.codesign``) so that the Scenario can carry them."""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from costmodel.design_space import FAMILIES, MTP_ACCEPTED
from costmodel.errors import InputError
from costmodel.fields import Choice, choice, declared, from_object, quantity

KV_BITS = (16, 8, 4)  # the KV precisions the page offers (bits per cached element)
TOKENS_PER_STEP = (1, 2, 3, 4)  # tokens per decode step (MTP) the design grid holds
LOAD_KEY = "_codesign_load"  # inputs of a loaded scenario, put into the widgets when the page next draws
PREFIX = "cod_"
KEYS = {name: PREFIX + key for name, key in (("base", "base"), ("family", "family"), ("head_dim", "hd"),
                                             ("qk_rope_dim", "rope"), ("kv_bits", "kv"), ("tokens_per_step", "mtp"),
                                             ("mtp_accept", "accept"), ("chip", "chip"), ("price_usd_per_hour", "price"))}
URL_KEYS = tuple(KEYS.values())  # the page's bound inputs (widget key = URL parameter)


@dataclass(frozen=True)
class CodesignInputs:
    """The page's own inputs, each declared once (label, range, URL key ``cod_`` + key):
    ``base`` model slug; ``family`` of the plane (None: the base's own); ``dim``: the plane's
    fixed dimension, head dim (MFA/GQA) or RoPE dim (MLA) (None: the base's own); ``kv_bits``;
    ``tokens_per_step``; ``mtp_accept`` accepted tokens per step (None: the published acceptance
    for the tokens per step; a number: that, capped at the tokens per step); ``chip`` the chip and model views look at (None: the sidebar's first);
    ``price_usd_per_hour`` of the iso-cost view (None: that chip's own)."""

    base: str = "step-3"
    family: str | None = choice("Attention family of the plane", (None, *FAMILIES), "family", default=None,
                                description="The design family swept: MFA and GQA share the plane (query heads per "
                                            "KV head x KV heads), MLA has its own (latent rank x query heads)")
    dim: int | None = quantity("Fixed dimension", "", 1.0, "dim", required=False, minimum=1, maximum=4096,
                               integer=True, step=1, description="Head dim (MFA, GQA) or RoPE dim (MLA) of the plane")
    kv_bits: int = choice("KV precision (bits)", KV_BITS, "kv", default=8,
                          description="Bits per cached K/V element (storage; compute stays in the chip's format)")
    tokens_per_step: int = quantity("Tokens per decode step (MTP)", "", 1.0, "mtp", default=1, minimum=1,
                                    maximum=max(TOKENS_PER_STEP), integer=True, step=1,
                                    description="Multi-token prediction: query tokens that share one read of the "
                                                "KV cache per step (1 + the MTP layer's drafts)")
    mtp_accept: float | None = quantity(
        "Accepted tokens per step", "", 1.0, "accept", required=False, minimum=1, maximum=max(TOKENS_PER_STEP),
        step=0.05, description="Mean tokens emitted per step, at most the tokens per step; empty: the published "
                               "acceptance (" + ", ".join(f"{a:g} of {t}" for t, a in MTP_ACCEPTED.items() if t > 1)
                               + " tokens, TensorRT-LLM's DeepSeek-R1 MTP)")
    chip: str | None = None
    price_usd_per_hour: float | None = quantity("Price for the iso-cost view", "USD/hour", 1.0, "price",
                                                required=False, minimum=0.01, maximum=1000, step=0.1,
                                                description="Price per GPU-hour at which the iso-cost contours are "
                                                            "drawn; empty: the chip's own")

    def __post_init__(self):
        for name, spec in declared(CodesignInputs).items():
            value = getattr(self, name)
            if isinstance(spec, Choice):
                object.__setattr__(self, name, spec.check(value, f"co-design {spec.label}"))
            elif value is not None or spec.required:
                object.__setattr__(self, name, spec.check(value, f"co-design {spec.label}", shown=True))
        for name in ("base", "chip"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InputError(f"co-design {name}", f"expected a slug, got {value!r}")

    def to_dict(self) -> dict:
        return asdict(self)

    def renamed(self, chips: dict, models: dict) -> "CodesignInputs":
        """These inputs with their model and chip slugs renamed ({old: new})."""
        return replace(self, base=models.get(self.base, self.base),
                       chip=None if self.chip is None else chips.get(self.chip, self.chip))

    @classmethod
    def from_dict(cls, data) -> "CodesignInputs":
        """Inverse of ``to_dict``; missing keys take the defaults, unknown keys raise InputError
        naming 'codesign.<key>'."""
        return from_object(cls, data, "codesign", "co-design input")
