"""data/api_prices.toml: every row parses with its source and date; bad rows name the field."""
import pytest

from costmodel import api_prices, library
from costmodel.errors import InputError


def test_the_shipped_prices_name_their_source_and_date():
    prices = api_prices.prices()
    assert len(prices) >= 10
    assert {p.model for p in prices} <= set(library.models())
    for p in prices:
        assert p.source and p.date[:4] in ("2024", "2025", "2026")
        assert p.output > 0 and p.input > 0
        assert p.input_cached is None or p.input_cached < p.input  # a hit costs less than a miss


def test_deepseeks_own_list_price():
    # api-docs.deepseek.com pricing-details-usd, 2025-02-09: $0.27 miss, $0.07 hit, $1.10 output
    ds = next(p for p in api_prices.prices() if p.provider.startswith("DeepSeek (deepseek-chat"))
    assert (ds.input, ds.input_cached, ds.output) == (0.27, 0.07, 1.10)


@pytest.mark.parametrize("row, field", [
    ({"provider": "x", "input": 1, "output": 1, "date": "2025", "source": "s"}, "price 1: model"),
    ({"model": "deepseek-v3", "provider": "x", "input": -1, "output": 1, "date": "2025", "source": "s"},
     "price 1: input"),
    ({"model": "deepseek-v3", "provider": "x", "input": 1, "output": float("nan"), "date": "2025", "source": "s"},
     "price 1: output"),
    ({"model": "deepseek-v3", "provider": "x", "input": 1, "output": 1, "date": "2025"}, "price 1: source"),
    ({"model": "nope", "provider": "x", "input": 1, "output": 1, "date": "2025", "source": "s"}, "price 1: model"),
    ({"model": "deepseek-v3", "provider": "x", "input": 1, "output": 1, "date": "2025", "source": "s", "usd": 1},
     "price 1: usd"),
])
def test_a_bad_row_names_its_field(row, field):
    with pytest.raises(InputError) as err:
        api_prices.parse({"price": [row]}, set(library.models()))
    assert err.value.field == field
