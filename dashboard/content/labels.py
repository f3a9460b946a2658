"""Display names and number formats. A chip changed by a slider is marked with ``*``."""
from __future__ import annotations

from costmodel.chips import FIELD_BY_NAME, Chip

MODIFIED_MARK = "*"
NUMBER_FORMAT = "%.10g"  # a number input's display: whole numbers whole (32768, not 32768.00), others as typed


def chip_label(chip: Chip) -> str:
    """Short chip name, e.g. 'H800', or 'H800*' when a slider changed it."""
    return chip.slug.upper() + (MODIFIED_MARK if chip.is_modified else "")


def field_label(name: str) -> str:
    """A chip field's label as declared ('HBM bandwidth'), the name itself if undeclared."""
    spec = FIELD_BY_NAME.get(name)
    return spec.label if spec else name


def modified_summary(chip: Chip) -> str:
    """'H800* (HBM bandwidth, Price)' for a chip a slider changed."""
    return f"{chip_label(chip)} ({', '.join(field_label(f) for f in sorted(chip.modified))})"


def option_label(name: str, custom: bool) -> str:
    """A chip or model in the library page's lists: its name, marked when it is the user's own."""
    return f"{name} · custom" if custom else name


def chip_option(slug: str) -> str:
    """A chip in a selector bound to the URL (the URL holds this): 'H800', 'H20-CHEAP'."""
    return slug.upper()


def model_options(models: dict):
    """The label of each model in a selector bound to the URL: its name, or 'name (slug)' where
    two known models share a name (an import named like a library model)."""
    counts = {}
    for model in models.values():
        counts[model.name] = counts.get(model.name, 0) + 1
    return lambda slug: models[slug].name if counts[models[slug].name] == 1 else f"{models[slug].name} ({slug})"


def si(value: float, unit: str = "", digits: int = 3) -> str:
    """``value`` with an SI prefix: si(2.56e8, 'B') -> '256 MB'."""
    if value == 0:
        return f"0 {unit}".strip()
    prefixes = ((1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""))
    for scale, prefix in prefixes:
        if abs(value) >= scale:
            return f"{value / scale:.{digits}g} {prefix}{unit}".strip()
    return f"{value:.{digits}g} {unit}".strip()


def tokens(context: float) -> str:
    """Context as the paper writes it: 8192 -> '8K', 1048576 -> '1M', 5000 -> '5000'."""
    context = int(round(context))
    if context % (1 << 20) == 0:
        return f"{context >> 20}M"
    if context % 1024 == 0:
        return f"{context >> 10}K"
    return f"{context:,}"


def chips_label(setup) -> str:
    """An AFD setup's chips: 'H800' or 'H20 (attention) + H800 (FFN)'."""
    a, f = chip_label(setup.attention_chip), chip_label(setup.ffn_chip)
    return a if a == f else f"{a} (attention) + {f} (FFN)"


def network_label(setup) -> str:
    """Scale-out GB/s per GPU in use: '400 GB/s' or '400 / 200 GB/s (attention / FFN)'."""
    a = setup.attention_net_bytes_per_s or setup.attention_chip.net_bytes_per_s
    f = setup.ffn_net_bytes_per_s or setup.ffn_chip.net_bytes_per_s
    return f"{a / 1e9:g} GB/s per GPU" if a == f else f"{a / 1e9:g} / {f / 1e9:g} GB/s per GPU (attention / FFN)"


def chosen_point(deploy) -> str:
    """How the Deployments page chooses its points (``deploy``: the DeployInputs), in words."""
    if deploy.batch_per_gpu is not None:
        return f"{deploy.batch_per_gpu:,} requests per GPU"
    return f"the most requests per GPU meeting {deploy.tpot_ms:g} ms TPOT with the KV in memory"


def deploy_setup(deploy, context: int) -> str:
    """The Deployments page's GPUs, context and MTP in words (``context``: the sidebar's, used
    when the page leaves its own empty)."""
    return (f"{deploy.gpus} GPUs ({deploy.node_gpus} per scale-up domain), {tokens(deploy.context or context)} context"
            + (f", {deploy.mtp_tokens} MTP tokens per step ({deploy.mtp_accept:g} accepted)"
               if deploy.mtp_tokens > 1 else ""))
