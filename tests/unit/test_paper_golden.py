"""Golden tests: every printed cell of the Step-3 paper (arXiv 2507.19427v1) Tables 2-7 and the
Figure 1-2 totals, compared at the paper's rounding. Expected values are the paper's own, as
transcribed in data/paper_tables.toml; a few key cells are also restated here from the paper."""
import pytest

from costmodel import decode_token, library, unit_costs
from costmodel.afd import min_moe_sparsity
from costmodel.cost import cost_grid
from costmodel.paper import reproduce, round_like

CELLS = reproduce()


def test_every_table_is_covered():
    counts = {}
    for cell in CELLS:
        counts[cell.table] = counts.get(cell.table, 0) + 1
    # 9 models x 4 columns (Tables 2, 3); 4 chips x 5 (Table 4) and x 2 (Table 5);
    # 9 x 12 (Table 6); 9 x 10 (Figures 1-2 totals); 4 + 1 (Table 7)
    assert counts == {"table2": 36, "table3": 36, "table4": 20, "table5": 8, "table6": 108,
                      "figures": 90, "table7": 5}


@pytest.mark.parametrize("cell", CELLS, ids=lambda c: f"{c.table}-{c.row}-{c.column}")
def test_paper_cell(cell):
    """Step-3 paper, {cell.table}, row {cell.row}, column {cell.column}."""
    assert cell.match, f"{cell.title}: {cell.row}/{cell.column}: paper {cell.paper}, computed {cell.computed!r}"


def _token(slug, context):
    return decode_token(library.model(slug), context)


def test_table2_step3_row():
    """Table 2 (8K), row Step-3: KV 2.56e8 B, attention 3.27e10, linear 2.07e10, FFN 5.33e10 FLOPs."""
    t = _token("step-3", 8192)
    assert str(round_like(float(t.kv_bytes), "2.56e8")) == "2.56E+8"
    assert str(round_like(float(t.attention_flops), "3.27e10")) == "3.27E+10"
    assert str(round_like(t.linear_flops, "2.07e10")) == "2.07E+10"
    assert str(round_like(t.ffn_flops, "5.33e10")) == "5.33E+10"


def test_table3_dsv3_mla_attention_uses_576_for_both_matmuls():
    """Table 3 (32K), row DSv3, attention 5.89e11: MLA counted as MQA with head dim 576."""
    t = _token("deepseek-v3", 32768)
    assert float(t.attention_flops) == 61 * 128 * 576 * 4 * 32768
    assert str(round_like(float(t.attention_flops), "5.89e11")) == "5.89E+11"


def test_table3_minimax_state_and_llama_chunking():
    """Table 3 (32K): MM M1 KV 1.93e9 (FP32 lightning state read+written), Llama 4 M 2.21e9
    (chunked layers capped at 8192)."""
    assert str(round_like(float(_token("minimax-m1", 32768).kv_bytes), "1.93e9")) == "1.93E+9"
    assert str(round_like(float(_token("llama-4-maverick", 32768).kv_bytes), "2.21e9")) == "2.21E+9"


def test_section_5_1_arithmetic_intensity():
    """§5.1: attention intensity DSv3 512, Qwen3 MoE 32, Step-3 128 (8-bit KV)."""
    assert float(_token("deepseek-v3", 8192).attention_intensity) == pytest.approx(512, rel=1e-3)
    assert float(_token("qwen3-235b-a22b", 8192).attention_intensity) == pytest.approx(32)
    assert float(_token("step-3", 8192).attention_intensity) == pytest.approx(128)


def test_table4_ridge_points():
    """Table 4, roofline column: H800 591, H20 74, A800 156, 910B 175."""
    ridge = {s: round(library.chip(s).ridge_point()) for s in ("h800", "h20", "a800", "910b")}
    assert ridge == {"h800": 591, "h20": 74, "a800": 156, "910b": 175}


def test_table5_h20_and_a800_unit_costs():
    """Table 5: H20 7.51e-19 $/FLOP and 5.56e-17 $/byte; A800 (BF16) 6.68e-19 and 1.04e-16."""
    h20, a800 = unit_costs(library.chip("h20")), unit_costs(library.chip("a800"))
    assert (h20.usd_per_flop, h20.usd_per_byte) == pytest.approx((7.51e-19, 5.56e-17), rel=2e-3)
    assert a800.compute_dtype == "bf16"
    assert (a800.usd_per_flop, a800.usd_per_byte) == pytest.approx((6.68e-19, 1.04e-16), rel=3e-3)


def test_table6_dsv3_a800_needs_unrounded_unit_costs():
    """Table 6, DSv3 attention at 8K on A800 = 0.114 (only with unrounded unit costs)."""
    grid = cost_grid([library.model("deepseek-v3")], [library.chip("a800")], 8192)
    assert round(float(grid.attention_usd_per_mtok[0, 0, 0]), 3) == 0.114


def test_observation_1_afd_totals():
    """Observation 1: AFD at 8K Step-3 0.055 < Qwen3 MoE 0.062 < DSv3 0.068; at 32K 0.129,
    0.193, 0.211; Step-3's attention goes to H20 and its FFN to H800 at 8K."""
    chips = [library.chip(s) for s in ("h800", "h20", "a800", "910b")]
    models = [library.model(s) for s in ("step-3", "qwen3-235b-a22b", "deepseek-v3")]
    afd = cost_grid(models, chips, [8192, 32768]).afd()
    assert [round(float(v), 3) for v in afd.total_usd_per_mtok[:, 0]] == [0.055, 0.062, 0.068]
    assert [round(float(v), 3) for v in afd.total_usd_per_mtok[:, 1]] == [0.129, 0.193, 0.211]
    assert chips[afd.attention_chip[0, 0]].slug == "h20" and chips[afd.ffn_chip[0, 0]].slug == "h800"


def test_table7_min_sparsity():
    """Table 7: H800 0.058, H20 0.007, A800 0.031, 910B 0.034; §5.4: 0.073 at 40 GB/s per NIC."""
    got = {s: round(min_moe_sparsity(library.chip(s), 7168, 61), 3) for s in ("h800", "h20", "a800", "910b")}
    assert got == {"h800": 0.058, "h20": 0.007, "a800": 0.031, "910b": 0.034}
    assert round(min_moe_sparsity(library.chip("h800"), 7168, 61, net_bytes_per_s=40e9), 3) == 0.073


def test_a_wrong_value_is_reported_as_mismatch():
    """The comparison can fail: a chip with a different price misses Table 6's printed cells."""
    cheap = {"h800": library.chip("h800").with_changes(price_usd_per_hour=1.0)}
    cells = reproduce(chips=cheap)
    bad = [c for c in cells if not c.match]
    assert any(c.table == "table6" and c.column == "ffn_h800" for c in bad)
    assert any(c.table == "table4" and c.column == "price_usd_per_hour" for c in bad)
