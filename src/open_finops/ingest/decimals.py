"""Text to decimal, exactly or not at all.

pyarrow's text -> decimal cast is exact only while a value's digits and exponent stay within what it can
rescale. Beyond that it returns a wrong number without an error (pyarrow 26): ``"33235E-146"`` reads as
2.89E-16, ``"-1.967913482712921e-114"`` as -0.0000285..., ``"1.1876824168513771e-194"`` as 0, and a double
that small prints as such a text before it is read. Past 2**127 at the target scale the narrowing cast
wraps too (``"410317555109206700000"`` as 70035188188268236536.6...), hence the detour through a wide
decimal for any text that could get there (see ``_direct_length`` for the ones that cannot).

Within ``MAX_CAST_LENGTH`` characters and an exponent of at most ``MAX_CAST_EXPONENT`` either way, the cast
agreed with Python's ``decimal`` on every one of 300,000 fuzzed texts (and the test suite keeps comparing
them); texts beyond those bounds, which no billing export writes, are converted one at a time with
Python's ``decimal`` instead.
"""

from __future__ import annotations

import re
from decimal import MAX_EMAX, MIN_EMIN, Decimal, localcontext

import pyarrow as pa
import pyarrow.compute as pc

MAX_CAST_LENGTH = 36
MAX_CAST_EXPONENT = 40
_WIDE = pa.decimal256(76, 18)  # room to rescale any decimal to 18 places before the checked narrowing

# What pyarrow's cast accepts: ASCII digits, an optional sign, point and exponent; no spaces, no "inf".
_GRAMMAR = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?")
# The exponent's digits without leading zeros ("1e-0005" has exponent 5).
_EXPONENT = r"[eE][+-]?0*(?P<digits>[0-9]*)$"


def exact_decimals(column: pa.Array, target: pa.DataType) -> pa.Array:
    """Text, doubles or decimals as decimals of type ``target``; ``pa.ArrowInvalid`` if any value is not one,
    or does not fit ``target`` exactly (too many digits before the point, or a non-zero digit past its scale).
    A double is read as the shortest decimal that reads back as the same double: what its writer printed."""
    if pa.types.is_decimal(column.type):
        return pc.cast(pc.cast(column, _WIDE), target)
    if pa.types.is_floating(column.type):
        return _from_doubles(column, target)
    longest = _plain_longest(column)  # told from the column's bytes in microseconds
    if longest is not None and longest <= _direct_length(target):  # the common case: billing amounts
        return pc.cast(column, target)
    if longest is not None and longest <= MAX_CAST_LENGTH:
        return pc.cast(pc.cast(column, _WIDE), target)
    beyond = _beyond_cast(column)
    if beyond is None:
        return pc.cast(pc.cast(column, _WIDE), target)
    within = pc.if_else(beyond, pa.scalar(None, column.type), column)
    converted = pc.cast(pc.cast(within, _WIDE), target)
    exact = pa.array([_exact(text, target) for text in pc.filter(column, beyond).to_pylist()], target)
    return pc.replace_with_mask(converted, beyond, exact)


def _from_doubles(column: pa.Array, target: pa.DataType) -> pa.Array:
    # A double outside these bounds has no exact value in the target; inside them its shortest text has
    # at most 24 characters and an exponent of at most 20 either way, well within the cast's bounds.
    magnitude = pc.abs(column)
    smallest, limit = float(f"1e-{target.scale}"), float(f"1e{target.precision - target.scale}")
    outside = pc.or_(pc.greater_equal(magnitude, limit),
                     pc.and_(pc.less(magnitude, smallest), pc.not_equal(magnitude, 0)))
    if pc.any(outside).as_py():
        raise pa.ArrowInvalid(f"a double does not fit {target}")
    return pc.cast(pc.cast(pc.cast(column, pa.string()), _WIDE), target)


def _plain_longest(column: pa.Array) -> int | None:
    """The length of the longest text (0 when there is none), or None when a text may have an exponent
    or the column is not text. Judged from the column's bytes: an ``e`` anywhere in its buffer, even
    outside a sliced column, sends the column to the exact check."""
    if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
        return None
    data = column.buffers()[2]
    if data is not None:
        raw = data.to_pybytes()
        if b"e" in raw or b"E" in raw:
            return None
    longest = pc.max(pc.binary_length(column)).as_py()
    return longest or 0


def _direct_length(target: pa.DataType) -> int:
    """The longest text without an exponent that pyarrow casts straight to ``target`` exactly. It has at
    most ``precision - scale`` digits before the point, so rescaled to the target's scale it stays below
    10**precision, within 128 bits (the narrowing that wraps is then never reached); digits past the
    scale are refused by the cast's own data-loss check. Half the time of the cast through a wide decimal."""
    return target.precision - target.scale if pa.types.is_decimal128(target) else 0


def _beyond_cast(column: pa.Array) -> pa.Array | None:
    """Which texts lie beyond the bounds in which pyarrow's cast is exact; None if none does."""
    long = pc.fill_null(pc.greater(pc.binary_length(column), MAX_CAST_LENGTH), False)
    has_exponent = pc.fill_null(pc.or_(pc.match_substring(column, "e"), pc.match_substring(column, "E")), False)
    if pc.any(has_exponent).as_py():
        digits = pc.struct_field(pc.extract_regex(pc.filter(column, has_exponent), _EXPONENT), "digits")
        length = pc.utf8_length(digits)
        far = pc.or_(pc.greater(length, 2), pc.and_(pc.equal(length, 2), pc.greater(digits, str(MAX_CAST_EXPONENT))))
        far = pc.fill_null(far, False)  # no exponent at its end: not a number, which the cast refuses
        long = pc.or_(long, pc.replace_with_mask(has_exponent, has_exponent, far))
    return long if pc.any(long).as_py() else None


def _exact(text: str, target: pa.DataType) -> Decimal:
    if not _GRAMMAR.fullmatch(text):
        raise pa.ArrowInvalid(f"{text!r} is not a decimal number")
    places = Decimal(1).scaleb(-target.scale)
    mantissa, _, exponent = text.lower().partition("e")
    if not mantissa.strip("+-.0"):  # zero, whatever its exponent
        return Decimal(0).quantize(places)
    if len(exponent.lstrip("+-0")) > 9:  # a non-zero digit a billion places away: far outside any target
        raise pa.ArrowInvalid(f"{text!r} does not fit {target}")
    try:
        with localcontext() as ctx:
            ctx.prec = 2 * len(text) + target.precision  # the quantize is then exact, or refused
            ctx.Emax, ctx.Emin = MAX_EMAX, MIN_EMIN
            value = Decimal(text)
            fitted = value.quantize(places)
            fits = fitted == value and fitted.copy_abs() < Decimal(10) ** (target.precision - target.scale)
    except ArithmeticError:  # decimal's signals: the value has more digits than the target holds
        fits = False
    if not fits:
        raise pa.ArrowInvalid(f"{text!r} does not fit {target} exactly")
    return fitted
