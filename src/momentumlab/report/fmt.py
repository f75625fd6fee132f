"""Numbers as text for people: 3 significant digits, intervals as ``12.3 [11.0, 13.9]``."""

from __future__ import annotations

import math

from ..tables import number

DASH = "\u2014"  # em dash: no value


def _value(x) -> float | None:
    """A number to show (+-inf included), or None."""
    return number(x, inf=True)


def sig(x, digits: int = 3) -> str:
    """3 significant digits; whole numbers >= 100 keep all their digits (``3,462``)."""
    v = _value(x)
    if v is None:
        return DASH
    if math.isinf(v):
        return "\u221e" if v > 0 else "\u2212\u221e"
    if v == 0:
        return "0"
    a = abs(v)
    if a >= 1e6 or a < 1e-3:
        m, e = f"{v:.{digits - 1}e}".split("e")
        return f"{m}e{int(e)}".replace("-", "\u2212")
    if a >= 10 ** (digits - 1) or v == round(v):
        return f"{round(v):,}".replace("-", "\u2212")
    decimals = digits - 1 - math.floor(math.log10(a))
    return f"{v:.{decimals}f}".replace("-", "\u2212")


def short(x, digits: int = 3) -> str:
    """A parameter value (alpha, beta): up to 3 significant digits, no trailing zeros."""
    v = _value(x)
    if v is None or v == 0 or math.isinf(v):
        return sig(v)
    a = abs(v)
    if a >= 1e6 or a < 1e-3:
        m, e = f"{v:.{digits - 1}e}".split("e")
        m = m.rstrip("0").rstrip(".")
        return f"{m}e{int(e)}".replace("-", "\u2212")
    if a >= 10 ** (digits - 1) or v == round(v):
        return f"{round(v):,}".replace("-", "\u2212")
    return f"{v:.{digits}g}".replace("-", "\u2212")


def ci(value, low, high, digits: int = 3) -> str:
    """``12.3 [11.0, 13.9]``; a missing bound shows as a dash."""
    if _value(value) is None:
        return DASH
    if _value(low) is None and _value(high) is None:
        return sig(value, digits)
    v = _value(value)
    parts = [_value(p) for p in (value, low, high)]
    a = abs(v)
    if 1e-3 <= a < 10 ** (digits - 1) and any(p is not None and p != round(p) for p in parts):
        d = max(0, digits - 1 - math.floor(math.log10(a)))
        t = [DASH if p is None else f"{p:.{d}f}".replace("-", "\u2212") for p in parts]
    else:
        t = [sig(p, digits) for p in parts]
    return f"{t[0]} [{t[1]}, {t[2]}]"


def pct(x, digits: int = 0) -> str:
    v = _value(x)
    return DASH if v is None else f"{100 * v:.{digits}f}%"


def pct_ci(value, low, high) -> str:
    """A fraction and its interval as percentages: ``90% [60%, 98%]``."""
    if _value(value) is None:
        return DASH
    if _value(low) is None and _value(high) is None:
        return pct(value)
    return f"{pct(value)} [{pct(low)}, {pct(high)}]"


def pvalue(p) -> str:
    v = _value(p)
    if v is None:
        return DASH
    if v < 1e-4:
        return "<0.0001"
    return f"{v:.2g}" if v < 0.01 else f"{v:.2f}"


def times(x, digits: int = 3) -> str:
    """A ratio as ``15.8×``."""
    v = _value(x)
    return DASH if v is None else f"{sig(v, digits)}\u00d7"


def kappa(x) -> str:
    """A condition number: 1, 10, 100, 1000, 10⁴ ... (powers of ten above 1000 as 10ⁿ)."""
    v = _value(x)
    if v is None:
        return DASH
    if math.isinf(v):
        return sig(v)
    if v >= 1e4:
        e = math.log10(v)
        if abs(e - round(e)) < 1e-9:
            return "10" + str(round(e)).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"))
    if v == round(v) and v < 1e4:
        return str(round(v))
    return short(v)


def slope(x) -> str:
    """An exponent such as a kappa-slope: two decimals."""
    v = _value(x)
    return DASH if v is None else f"{v:.2f}".replace("-", "\u2212")


def seconds(x) -> str:
    v = _value(x)
    if v is None:
        return DASH
    if v < 60:
        return f"{v:.1f} s"
    m, s = divmod(round(v), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d} min"
