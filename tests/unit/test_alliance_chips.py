"""The Step-3 model-chip alliance in data/chips.toml: every alliance vendor with public
figures is tabulated, each new entry is sourced, its estimates are flagged, and its figures
match what the cited sources print."""
import re
from pathlib import Path

import pytest

from costmodel import library
from costmodel.chips import Chip

DATA = Path(__file__).resolve().parents[2] / "data"

# The alliance named at the Step-3 launch (StepFun, arXiv 2507.19427), vendor spelled as in
# chips.toml.
ALLIANCE = ("Huawei", "MetaX", "Biren", "Enflame", "Iluvatar CoreX", "Cambricon", "Moore Threads")

# Vendors allowed to have no chip, each with the reason no public figure exists. Empty today:
# every alliance vendor has at least one part with public figures.
NO_PUBLIC_FIGURE: dict[str, str] = {}

# Parts deliberately not tabulated (see the comment block in chips.toml). Adding one needs a
# real source for BF16 FLOP/s and memory bandwidth; update this list when that happens.
LEFT_OUT = {
    "metax-c500": "only 64 GB capacity is public; no FLOP/s or bandwidth figure",
    "enflame-t20": "launch gives no BF16 rate; chip (64 GB, 1.8 TB/s) and card (32 GB, 1.6 TB/s) figures disagree",
    "mlu590": "no vendor datasheet",
    "bi-v150": "only second-hand broker tables; bandwidth quoted as 1.6 TB/s, 1.8 TB/s and 896 GB/s",
    "mtt-s5000": "no BF16 rate published",
}

# Entries added for the alliance, with the fields that are estimates (no public figure).
NEW_CHIPS = {
    "mlu370-x8": {"net_bytes_per_s", "price_usd_per_hour"},
    "br100": {"net_bytes_per_s", "price_usd_per_hour"},
    "br104": {"net_bytes_per_s", "price_usd_per_hour"},
    "enflame-i20": {"net_bytes_per_s", "price_usd_per_hour"},
    "bi-v100": {"net_bytes_per_s", "price_usd_per_hour"},
    "metax-n100": {"net_bytes_per_s", "price_usd_per_hour"},
    "mtt-s4000": {"net_bytes_per_s", "price_usd_per_hour"},
}

# Golden figures: (field, value in SI units) as the cited source prints them.
GOLDEN = {
    # Cambricon launch, 21 Mar 2022 (guangxilong.com/c/032129635H022.html): "FP16、BF16 ... 96TFlops",
    # "INT8 ... 256Tops", "48GB LPDDR5内存，内存带宽614.4GB/s".
    "mlu370-x8": [("bf16_flops", 96e12), ("int8_ops", 256e12), ("mem_bw_bytes_per_s", 614.4e9), ("mem_bytes", 48e9)],
    # Tom's Hardware, Aug 2022 (chinese-biren-rolls-out-new-gpus...): BR100 "BF16 TFLOPS 1024",
    # "INT8 2048", "64GB of HBM2E ... (1.64 TB/s)"; Chips and Cheese: eight BLink x 64 GB/s bidirectional.
    "br100": [("bf16_flops", 1024e12), ("int8_ops", 2048e12), ("mem_bw_bytes_per_s", 1.64e12),
              ("mem_bytes", 64e9), ("scaleup_bytes_per_s", 8 * 64e9)],
    # Same Tom's Hardware table: BR104 "BF16 TFLOPS 512", "INT8 1024", "32GB of HBM2E ... (819 GB/s)".
    "br104": [("bf16_flops", 512e12), ("int8_ops", 1024e12), ("mem_bw_bytes_per_s", 819e9), ("mem_bytes", 32e9)],
    # mydrivers.com, 8 Dec 2021 (i20 launch): "整型INT8峰值算力256TOPS", "HBM2e内存达到了819GB/s";
    # Enflame product table: "半精度性能(FP16/BF16) 128 TFLOPS", "16GB HBM2E".
    "enflame-i20": [("bf16_flops", 128e12), ("int8_ops", 256e12), ("mem_bw_bytes_per_s", 819e9), ("mem_bytes", 16e9)],
    # thefpsreview.com / wccftech.com, Apr 2021: "147 TFLOPs of FP16/BF16", "295 TOPs INT8",
    # "32 GB HBM2", "1.2 TB/s"; FlagPerf training/iluvatar/README.md: "147 TFLOPS@FP16/BF16".
    "bi-v100": [("bf16_flops", 147e12), ("int8_ops", 295e12), ("mem_bw_bytes_per_s", 1.2e12), ("mem_bytes", 32e9)],
    # OpenI CacOps N100 spec table: "160TOPS INT8; 80TFLOPS FP16/BF16", "16GB HBM2E, 带宽460GB/s".
    "metax-n100": [("bf16_flops", 80e12), ("int8_ops", 160e12), ("mem_bw_bytes_per_s", 460e9), ("mem_bytes", 16e9)],
    # io-tech.fi, Dec 2023: "100 TFLOPSia FP16- tai BF16- sekä 200 TOPSia INT8", "48 Gt GDDR6-muistia
    # 768 Gt/s", "MTLink 1.0 ... 240 Gt/s".
    "mtt-s4000": [("bf16_flops", 100e12), ("int8_ops", 200e12), ("mem_bw_bytes_per_s", 768e9),
                  ("mem_bytes", 48e9), ("scaleup_bytes_per_s", 240e9)],
}

# Memory that is not HBM must say so in the notes (library convention).
NOT_HBM = {"mlu370-x8": "LPDDR5", "mtt-s4000": "GDDR6"}

PAPER_ANCHOR_BF16 = 9.89e14  # H100/H800 BF16, the header's price anchor ($2.00/h)
ASSUMED_NETWORK = 2.5e10  # 200 Gb/s per device, as the paper uses for A800/910B servers


@pytest.fixture(scope="module")
def chips():
    # The loader accepts the file (fresh read of the repository's data directory).
    return library.chips(DATA)


def test_loader_accepts_the_file(chips):
    assert library.chips() is not None
    assert set(NEW_CHIPS) <= set(chips)
    assert all(isinstance(chip, Chip) for chip in chips.values())


@pytest.mark.parametrize("vendor", ALLIANCE)
def test_each_alliance_vendor_has_a_chip(chips, vendor):
    have = [chip.slug for chip in chips.values() if chip.vendor == vendor]
    if vendor in NO_PUBLIC_FIGURE:
        assert not have, f"{vendor} is listed as having no public figure but has {have}; drop the exemption"
    else:
        assert have, f"no chip for alliance vendor {vendor}"


def test_left_out_parts_stay_out(chips):
    for slug, reason in LEFT_OUT.items():
        assert slug not in chips, f"{slug} was left out ({reason}); cite a real source and update LEFT_OUT"


@pytest.mark.parametrize("slug", list(NEW_CHIPS))
def test_new_chip_identity_and_source(chips, slug):
    chip = chips[slug]
    assert re.fullmatch(r"[a-z0-9-]+", chip.slug)
    assert chip.vendor in ALLIANCE
    assert chip.name.strip() and chip.source.strip() and chip.notes.strip()
    assert len(chip.source) > 80, "source should name where each figure comes from"


@pytest.mark.parametrize("slug", list(NEW_CHIPS))
def test_estimates_are_flagged(chips, slug):
    chip = chips[slug]
    assert chip.assumed == NEW_CHIPS[slug]
    # Price: the header's rule, with the arithmetic stated in the source.
    assert "price_usd_per_hour" in chip.assumed
    assert chip.price_usd_per_hour == pytest.approx(2.00 * chip.bf16_flops / PAPER_ANCHOR_BF16, abs=0.005)
    assert "$2.00 x" in chip.source
    # Network: no public per-device NIC figure for any of these; the documented estimate.
    assert "net_bytes_per_s" in chip.assumed
    assert chip.net_bytes_per_s == ASSUMED_NETWORK
    assert "200 Gb/s per device assumed" in chip.source


def test_every_library_estimate_names_a_real_field(chips):
    fields = set(Chip.__dataclass_fields__)
    for chip in chips.values():
        assert chip.assumed <= fields, chip.slug


@pytest.mark.parametrize("slug", list(NEW_CHIPS))
def test_ridge_points_plausible(chips, slug):
    chip = chips[slug]
    assert 10 <= chip.bf16_flops / chip.mem_bw_bytes_per_s <= 2000
    assert 10 <= chip.ridge_point("fp8") <= 2000  # computes in BF16: none of these has FP8
    assert chip.fp8_flops is None and chip.fp4_flops is None
    # Dense vendor peaks: INT8 at least the BF16 rate, at most 4x.
    assert chip.bf16_flops <= chip.int8_ops <= 4 * chip.bf16_flops


@pytest.mark.parametrize("slug", list(GOLDEN))
def test_golden_figures_match_sources(chips, slug):
    chip = chips[slug]
    for field, printed in GOLDEN[slug]:
        assert getattr(chip, field) == pytest.approx(printed, rel=1e-9), f"{slug}.{field}"


@pytest.mark.parametrize("slug,memory", list(NOT_HBM.items()))
def test_non_hbm_memory_is_noted(chips, slug, memory):
    assert memory in chips[slug].notes
