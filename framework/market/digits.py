"""Quote formatting and the last-digit rule of digit contracts.

Deriv's digit contracts read ``(split //, pipsized_value($quote))[-1]``: the last character
of the quote printed with exactly ``pip_size`` decimals, trailing zeros kept. So R_100 (2
decimals) at ``1234.5`` prints ``"1234.50"`` and its last digit is 0, not 5.
"""

from __future__ import annotations

__all__ = ["format_quote", "last_digit"]


def format_quote(quote: float, pip_size: int) -> str:
    """Print a quote the way Deriv displays it (``*_display_value`` fields).

    Args:
        quote: the quote.
        pip_size: number of decimals of the symbol.

    Returns:
        The quote with exactly ``pip_size`` decimals (``1234.5``, 2 -> ``"1234.50"``).
    """
    return f"{quote:.{pip_size}f}"


def last_digit(quote: float, pip_size: int) -> int:
    """Return the digit digit-contracts settle on.

    Args:
        quote: the quote.
        pip_size: number of decimals of the symbol.

    Returns:
        The last character of :func:`format_quote` as an int (``1234.50`` -> 0).
    """
    return ord(f"{quote:.{pip_size}f}"[-1]) - 48
