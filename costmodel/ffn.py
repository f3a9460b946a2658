"""FFN layouts per layer: dense SwiGLU or mixture of experts. Parameter counts per layer."""
from __future__ import annotations

from dataclasses import dataclass

from .errors import MAX_SIZE, InputError


def _check(obj, names, allow_zero=()):
    for name in names:
        value = getattr(obj, name)
        low = 0 if name in allow_zero else 1
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_SIZE:
            raise InputError(f"{obj.kind} ffn: {name}", f"must be a whole number from {low} to {MAX_SIZE:,}, got {value!r}")


def swiglu_params(hidden: int, intermediate: int) -> float:
    """Gate, up and down projections: 3 x hidden x intermediate."""
    return 3.0 * hidden * intermediate


@dataclass(frozen=True, kw_only=True)
class DenseFFN:
    """Dense SwiGLU FFN."""

    hidden: int
    intermediate: int
    kind = "dense"

    def __post_init__(self):
        _check(self, ("hidden", "intermediate"))

    def total_params(self) -> float:
        return swiglu_params(self.hidden, self.intermediate)

    def activated_params(self) -> float:
        return self.total_params()

    def router_params(self) -> float:
        return 0.0


@dataclass(frozen=True, kw_only=True)
class MoEFFN:
    """Mixture of SwiGLU experts: n_routed experts of expert_intermediate, top_k chosen per
    token, plus n_shared always-active experts of shared_intermediate (default: same width)."""

    hidden: int
    n_routed: int
    top_k: int
    expert_intermediate: int
    n_shared: int = 0
    shared_intermediate: int | None = None
    kind = "moe"

    def __post_init__(self):
        if self.shared_intermediate is None:
            object.__setattr__(self, "shared_intermediate", self.expert_intermediate)
        _check(self, ("hidden", "n_routed", "top_k", "expert_intermediate", "n_shared", "shared_intermediate"),
               allow_zero=("n_shared",))
        if self.top_k > self.n_routed:
            raise InputError("moe ffn: top_k", f"top_k ({self.top_k}) exceeds n_routed ({self.n_routed})")

    def expert_params(self) -> float:
        return swiglu_params(self.hidden, self.expert_intermediate)

    def shared_params(self) -> float:
        return self.n_shared * swiglu_params(self.hidden, self.shared_intermediate)

    def total_params(self) -> float:
        return self.n_routed * self.expert_params() + self.shared_params()

    def activated_params(self) -> float:
        return self.top_k * self.expert_params() + self.shared_params()

    def router_params(self) -> float:
        return float(self.hidden * self.n_routed)

    @property
    def sparsity(self) -> float:
        """Activated fraction with the paper's shared-expert convention: (k + s) / (E + s)."""
        return (self.top_k + self.n_shared) / (self.n_routed + self.n_shared)


VARIANTS = {cls.kind: cls for cls in (DenseFFN, MoEFFN)}
