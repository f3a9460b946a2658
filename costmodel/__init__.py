"""Exact decode cost model of LLMs on accelerators (the Step-3 paper's model, generalized).

Pure numpy + standard library. Units are SI and named in fields (``mem_bw_bytes_per_s``)."""
from .attention import GQA, MFA, MLA, LinearAttention
from .afd import AFDSetup, Efficiency, evaluate as evaluate_afd, min_moe_sparsity
from .afd_search import search as search_afd
from .batch import attention_step, expected_experts_touched, ffn_step, roofline_time_s
from .chips import Chip
from .cost import CostGrid, PointCost, cost_grid, point_cost, unit_costs
from .decode import TokenCost, decode_token
from .errors import InputError
from .ffn import DenseFFN, MoEFFN
from .library import chip, chips, model, models
from .model import AttentionGroup, FFNGroup, ModelSpec

__version__ = "0.1.0"

__all__ = [
    "GQA", "MFA", "MLA", "LinearAttention", "DenseFFN", "MoEFFN", "AttentionGroup", "FFNGroup",
    "ModelSpec", "Chip", "TokenCost", "CostGrid", "PointCost", "InputError", "decode_token", "cost_grid",
    "point_cost",
    "unit_costs", "attention_step", "ffn_step", "expected_experts_touched", "min_moe_sparsity",
    "roofline_time_s", "chip", "chips", "model", "models", "__version__", "AFDSetup", "Efficiency",
    "evaluate_afd", "search_afd",
]
