"""Chips ranked for a model (costmodel.ranking): only where the model fits, the deployment named,
several contexts side by side, estimates and the user's own chips marked."""
from dataclasses import replace

import pytest

from costmodel import library
from costmodel.ranking import MAX_GPUS, placement, rank_chips

STEP3, QWEN32 = library.model("step-3"), library.model("qwen3-32b")
CHIPS = list(library.chips().values())


def test_a_model_that_cannot_fit_is_not_ranked_and_says_why():
    """Step-3 (321B parameters, FP8) on 16 GB cards: not even 256 of them hold its attention
    weights replicated beside one request's KV, so no rank, and the row says so."""
    rows = {r.chip.slug: r for r in rank_chips(STEP3, CHIPS, (8192, 32768))}
    small = rows["metax-n100"]
    assert small.rank == (None, None) and "does not fit on 256 GPUs" in small.placements[0].label
    ranked = [r for r in rows.values() if r.rank[0] is not None]
    assert sorted(r.rank[0] for r in ranked) == list(range(1, len(ranked) + 1))


def test_the_smallest_group_that_holds_the_model_by_hand():
    """Qwen3-32B (FP8 weights 32.8 GB, dense: tensor parallel): one H800 (77.6 GB usable) holds
    it and a 32K request; one 24 GB L4 does not, two do."""
    assert placement(QWEN32, library.chip("h800"), 32768).label == "1 GPU"
    l4 = placement(QWEN32, library.chip("l4"), 32768)
    assert l4.gpus == 2 and l4.label == "tp over 2 GPUs"


def test_ranks_at_each_context_and_marks():
    own = replace(library.chip("h800"), slug="my-h800", name="My H800", price_usd_per_hour=1.0)
    rows = rank_chips(STEP3, [*CHIPS, own], (8192, 32768, 131072), own=frozenset({"my-h800"}))
    mine = next(r for r in rows if r.chip.slug == "my-h800")
    assert mine.own and not mine.price_estimated and len(mine.rank) == 3
    assert next(r for r in rows if r.chip.slug == "l20").price_estimated  # a scaling-rule price
    for k in range(3):  # every context ranks by its own cost
        ranked = sorted((r for r in rows if r.rank[k] is not None), key=lambda r: r.rank[k])
        costs = [r.usd_per_mtok[k] for r in ranked]
        assert costs == sorted(costs)


def test_nothing_to_rank_is_refused():
    with pytest.raises(Exception, match="nothing to rank"):
        rank_chips(STEP3, [], (8192,))
    assert MAX_GPUS == 256
