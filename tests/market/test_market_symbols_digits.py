"""Symbol registry, quote formatting and the last-digit rule."""

from __future__ import annotations

import pytest

from framework.market import SYMBOLS, MarketError, format_quote, get_symbol, last_digit, symbols


@pytest.mark.parametrize(
    ("symbol", "pip_size", "interval", "name"),
    [
        ("R_10", 3, 2, "Volatility 10 Index"),
        ("R_25", 3, 2, "Volatility 25 Index"),
        ("R_50", 4, 2, "Volatility 50 Index"),
        ("R_75", 4, 2, "Volatility 75 Index"),
        ("R_100", 2, 2, "Volatility 100 Index"),
        ("1HZ10V", 2, 1, "Volatility 10 (1s) Index"),
        ("1HZ25V", 2, 1, "Volatility 25 (1s) Index"),
        ("1HZ50V", 2, 1, "Volatility 50 (1s) Index"),
        ("1HZ75V", 2, 1, "Volatility 75 (1s) Index"),
        ("1HZ100V", 2, 1, "Volatility 100 (1s) Index"),
    ],
)
def test_volatility_indices(symbol: str, pip_size: int, interval: int, name: str) -> None:
    spec = get_symbol(symbol)
    assert spec.pip_size == pip_size
    assert spec.pip == pytest.approx(10.0**-pip_size)
    assert spec.tick_interval == interval
    assert spec.display_name == name
    assert spec.market == "synthetic_index"
    assert spec.submarket == "random_index"
    assert spec.start_quote == round(spec.start_quote, pip_size)
    assert {"callput", "callputequal", "digits", "touchnotouch"} <= set(spec.contract_categories)


def test_volatility_matches_the_name() -> None:
    assert get_symbol("R_75").volatility == 0.75
    assert get_symbol("1HZ10V").volatility == 0.10


def test_registry_order_and_uniqueness() -> None:
    orders = [s.display_order for s in symbols()]
    assert orders == sorted(orders)
    assert len(SYMBOLS) == len(symbols())


def test_unknown_symbol() -> None:
    with pytest.raises(MarketError) as info:
        get_symbol("R_999")
    assert info.value.code == "InvalidSymbol"
    assert info.value.message == "Symbol R_999 invalid."


@pytest.mark.parametrize(
    ("quote", "pip_size", "text", "digit"),
    [
        (1234.5, 2, "1234.50", 0),  # trailing zero is kept
        (1234.56, 2, "1234.56", 6),
        (1234.0, 2, "1234.00", 0),
        (6123.4, 3, "6123.400", 0),
        (6123.407, 3, "6123.407", 7),
        (250.12, 4, "250.1200", 0),
        (250.1239, 4, "250.1239", 9),
        (8000.1, 1, "8000.1", 1),
    ],
)
def test_format_and_last_digit(quote: float, pip_size: int, text: str, digit: int) -> None:
    assert format_quote(quote, pip_size) == text
    assert last_digit(quote, pip_size) == digit
