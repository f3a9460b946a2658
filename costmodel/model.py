"""A model as layer groups: which attention design and which FFN each layer has."""
from __future__ import annotations

from dataclasses import dataclass

from .attention import _Attention
from .errors import InputError, check_size, check_slug, require_positive
from .ffn import DenseFFN, MoEFFN
from .precision import check_dtype


ACTIVATED_CONVENTIONS = ("embedding+lm_head", "lm_head", "none")
MAX_LAYERS = 1 << 16


@dataclass(frozen=True)
class AttentionGroup:
    """``layers`` layers sharing one attention design; ``kv_dtype`` is how their KV cache (or
    linear-attention state) is stored by default."""

    layers: int
    attention: _Attention
    kv_dtype: str = "fp8"


@dataclass(frozen=True)
class FFNGroup:
    """``layers`` layers sharing one FFN layout."""

    layers: int
    ffn: DenseFFN | MoEFFN


@dataclass(frozen=True)
class ParamCount:
    """Parameter counts (numbers of parameters, not bytes)."""

    attention: float
    ffn_total: float
    ffn_activated: float
    router: float
    embedding: float
    lm_head: float

    @property
    def total(self) -> float:
        """All parameters, embedding and LM head included."""
        return self.attention + self.ffn_total + self.router + self.embedding + self.lm_head

    @property
    def activated(self) -> float:
        """Parameters in each token's compute: attention projections, activated FFN, router and
        LM head (the embedding row lookup is not compute)."""
        return self.attention + self.ffn_activated + self.router + self.lm_head

    def activated_as(self, includes: str) -> float:
        """Activated count under a vendor's convention: "embedding+lm_head", "lm_head" or "none"."""
        body = self.attention + self.ffn_activated + self.router
        return body + {"embedding+lm_head": self.embedding + self.lm_head, "lm_head": self.lm_head, "none": 0.0}[includes]


@dataclass(frozen=True)
class ModelSpec:
    """A decoder-only LLM. Counts are per model; the cost model sums over layer groups.

    ``published_*_params``: the vendor's stated totals (for checks), ``inferred``: names of
    values not read from any config (inferred so that the paper's numbers come out)."""

    slug: str
    name: str
    hidden: int
    vocab: int
    attention_groups: tuple[AttentionGroup, ...]
    ffn_groups: tuple[FFNGroup, ...]
    source: str
    tie_embeddings: bool = False
    published_total_params: float | None = None
    published_activated_params: float | None = None
    published_activated_includes: str = "lm_head"  # which embedding tables the vendor counts
    inferred: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self):
        check_slug(self.slug, "model slug")
        where = f"model {self.slug}"
        for name in ("hidden", "vocab"):
            check_size(getattr(self, name), f"{where}: {name}")
        for name in ("name", "source"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name).strip():
                raise InputError(f"{where}: {name}", "missing or empty")
        if not isinstance(self.notes, str):
            raise InputError(f"{where}: notes", f"expected text, got {self.notes!r}")
        if not isinstance(self.tie_embeddings, bool):
            raise InputError(f"{where}: tie_embeddings", f"expected true or false, got {self.tie_embeddings!r}")
        for name in ("published_total_params", "published_activated_params"):
            if getattr(self, name) is not None:
                object.__setattr__(self, name, require_positive(getattr(self, name), f"{where}: {name}"))
        if self.published_activated_includes not in ACTIVATED_CONVENTIONS:
            raise InputError(f"{where}: published_activated_includes",
                             f"choose one of {', '.join(ACTIVATED_CONVENTIONS)}")
        if isinstance(self.inferred, str) or not all(isinstance(i, str) for i in self.inferred):
            raise InputError(f"{where}: inferred", f"expected a list of texts, got {self.inferred!r}")
        object.__setattr__(self, "inferred", tuple(self.inferred))
        if not self.attention_groups:
            raise InputError(f"{where}: attention", "needs at least one attention layer group")
        if not self.ffn_groups:
            raise InputError(f"{where}: ffn", "needs at least one FFN layer group")
        for group in self.attention_groups:
            if not isinstance(group, AttentionGroup) or not isinstance(group.attention, _Attention):
                raise InputError(f"{where}: attention", f"expected attention layer groups, got {group!r}")
            check_size(group.layers, f"{where}: attention layers", high=MAX_LAYERS)
            check_dtype(group.kv_dtype, f"{where}: kv_dtype")
            if group.attention.hidden != self.hidden:
                raise InputError(f"{where}: attention hidden", f"{group.attention.hidden} differs from the model's {self.hidden}")
        for group in self.ffn_groups:
            if not isinstance(group, FFNGroup) or not isinstance(group.ffn, (DenseFFN, MoEFFN)):
                raise InputError(f"{where}: ffn", f"expected FFN layer groups, got {group!r}")
            check_size(group.layers, f"{where}: ffn layers", high=MAX_LAYERS)
            if group.ffn.hidden != self.hidden:
                raise InputError(f"{where}: ffn hidden", f"{group.ffn.hidden} differs from the model's {self.hidden}")
        attn_layers = sum(g.layers for g in self.attention_groups)
        ffn_layers = sum(g.layers for g in self.ffn_groups)
        if attn_layers > MAX_LAYERS:
            raise InputError(f"{where}: layers", f"{attn_layers:,} layers in all; a model has at most {MAX_LAYERS:,}")
        if attn_layers != ffn_layers:
            raise InputError(f"{where}: layers", f"attention groups cover {attn_layers} layers but FFN groups cover {ffn_layers}")

    @property
    def layers(self) -> int:
        return sum(g.layers for g in self.attention_groups)

    @property
    def attention_label(self) -> str:
        """Attention designs in use, e.g. 'MLA' or 'GQA+Linear'."""
        labels = []
        for group in self.attention_groups:
            if group.attention.label not in labels:
                labels.append(group.attention.label)
        return "+".join(labels)

    @property
    def moe_groups(self) -> tuple[FFNGroup, ...]:
        return tuple(g for g in self.ffn_groups if isinstance(g.ffn, MoEFFN))

    def params(self) -> ParamCount:
        embedding = float(self.vocab * self.hidden)
        return ParamCount(
            attention=sum(g.layers * g.attention.linear_params() for g in self.attention_groups),
            ffn_total=sum(g.layers * g.ffn.total_params() for g in self.ffn_groups),
            ffn_activated=sum(g.layers * g.ffn.activated_params() for g in self.ffn_groups),
            router=sum(g.layers * g.ffn.router_params() for g in self.ffn_groups),
            embedding=embedding,
            lm_head=0.0 if self.tie_embeddings else embedding,
        )
