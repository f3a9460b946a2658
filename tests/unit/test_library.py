"""The data library: published totals, sources, and clear errors for malformed files."""
import shutil
from pathlib import Path

import pytest

from costmodel import InputError, library
from costmodel.chips import FIELD_BY_NAME

DATA = Path(__file__).resolve().parents[2] / "data"

# Published totals (vendor model cards / reports): total and activated parameters.
PUBLISHED = {
    "deepseek-v3": (671e9, 37e9),
    "step-3": (316e9, 38e9),
    "qwen3-235b-a22b": (235e9, 22e9),
    "kimi-k2": (1.04e12, 32e9),
}


@pytest.mark.parametrize("slug", list(PUBLISHED))
def test_issue_named_totals_within_2_percent(slug):
    model = library.model(slug)
    params = model.params()
    total, activated = PUBLISHED[slug]
    assert params.total == pytest.approx(total, rel=0.02)
    assert params.activated == pytest.approx(activated, rel=0.02)


@pytest.mark.parametrize("slug", list(library.models()))
def test_every_model_matches_its_published_counts(slug):
    model = library.model(slug)
    params = model.params()
    assert params.total == pytest.approx(model.published_total_params, rel=0.02)
    assert params.activated_as(model.published_activated_includes) == pytest.approx(model.published_activated_params, rel=0.02)


def test_step3_parameter_breakdown():
    """Reference §1: Step-3 MFA projections 169,345,024 per layer; 316.29B in all."""
    step3 = library.model("step-3")
    assert step3.attention_groups[0].attention.linear_params() == 169_345_024
    assert step3.params().total == pytest.approx(316.29e9, rel=1e-3)


def test_every_entry_has_a_source_and_valid_assumed_fields():
    for chip in library.chips().values():
        assert chip.source.strip()
        assert chip.assumed <= set(FIELD_BY_NAME)  # any declared field may be an estimate
    for model in library.models().values():
        assert model.source.strip()


def test_dense_flops_not_sparse():
    """Dense peaks: FP8 at most 2x BF16, and the Hopper parts at 989 TFLOPS BF16 (not 1,979)."""
    for chip in library.chips().values():
        if chip.fp8_flops:
            assert chip.fp8_flops <= 2.01 * chip.bf16_flops, chip.slug
    for slug in ("h800", "h100-sxm", "h200"):
        assert library.chip(slug).bf16_flops == 9.89e14
    assert library.chip("b200").fp8_flops == 4.5e15
    assert library.chip("h100-sxm").mem_bw_bytes_per_s == 3.35e12


def test_unknown_slug_names_closest():
    with pytest.raises(InputError) as err:
        library.model("deepseek-v4")
    assert err.value.field == "model" and "deepseek-v3" in str(err.value)
    with pytest.raises(InputError) as err:
        library.chip("H-800")
    assert "h800" in str(err.value)


def _copy_data(tmp_path):
    for name in ("chips.toml", "models.toml", "paper_tables.toml"):
        shutil.copy(DATA / name, tmp_path / name)
    return tmp_path


@pytest.mark.parametrize("old,new,field", [
    ('mem_bw_bytes_per_s = 3.35e12\n', 'mem_bw_bytes_per_s = -3.35e12\n', "chip h800: mem_bw_bytes_per_s"),
    ('price_usd_per_hour = 2.00\n', 'price_usd_per_hour = "two"\n', "chip h800: price_usd_per_hour"),
    ('mem_bw_bytes_per_s = 3.35e12\n', 'mem_bw_bytes_per_s = 3.35e12\nbogus = 1\n', "chip h800: bogus"),
    ('slug = "h800"\n', 'slug = "h800"\nmem_bytes = nan\n', ""),  # duplicate key: TOML error
])
def test_malformed_chip_file_names_the_field(tmp_path, old, new, field):
    path = _copy_data(tmp_path)
    text = (path / "chips.toml").read_text()
    (path / "chips.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        library.chips(path)
    assert "chips.toml" in str(err.value)
    assert field in str(err.value)


@pytest.mark.parametrize("old,new,field", [
    ('  layers = 56\n  kind = "moe"\n  n_routed = 48', '  layers = 55\n  kind = "moe"\n  n_routed = 48', "model step-3: layers"),
    ('  kind = "mfa"\n', '  kind = "mfx"\n', "attention[0]: kind"),
    ('  n_routed = 48\n  top_k = 3\n', '  n_routed = 48\n  top_k = 64\n', "top_k"),
])
def test_malformed_model_file_names_the_field(tmp_path, old, new, field):
    path = _copy_data(tmp_path)
    text = (path / "models.toml").read_text()
    assert old in text
    (path / "models.toml").write_text(text.replace(old, new, 1))
    with pytest.raises(InputError) as err:
        library.models(path)
    assert field in str(err.value)


def test_missing_source_is_rejected(tmp_path):
    path = _copy_data(tmp_path)
    text = (path / "chips.toml").read_text()
    start = text.index('source = "Step-3 paper Table 4 and §5.4')
    end = text.index("\n", start)
    (path / "chips.toml").write_text(text[:start] + 'source = ""' + text[end:])
    with pytest.raises(InputError, match="chip h20: source"):
        library.chips(path)
