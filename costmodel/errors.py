"""The one error type of the core: invalid input, with the field it concerns; and the checks
of values every record shares (numbers, slugs)."""
import re


class InputError(ValueError):
    """Invalid input (user value or data file). ``field`` names what is wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


def require_positive(value, field: str, allow_zero: bool = False) -> float:
    """``value`` as a float if it is a finite number > 0 (>= 0 with ``allow_zero``); else InputError."""
    if isinstance(value, bool):
        raise InputError(field, f"expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(field, f"expected a number, got {value!r}") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(field, f"must be a finite number, got {value!r}")
    if number < 0 or (number == 0 and not allow_zero):
        raise InputError(field, f"must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return number


SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")


def check_slug(value, field: str) -> str:
    """``value`` if it is a slug: lower-case letters, digits, '.', '_' or '-', starting with a
    letter or digit, at most 64 characters (safe as a file name and in a URL)."""
    if not isinstance(value, str) or not SLUG.fullmatch(value):
        raise InputError(field, f"{value!r} is not a slug: use lower-case letters, digits, '.', '_' or '-' "
                                "(at most 64, starting with a letter or digit)")
    return value


MAX_SIZE = 1 << 24  # the largest dimension, count or width a model may declare (16,777,216)


def check_size(value, field: str, low: int = 1, high: int = MAX_SIZE) -> int:
    """``value`` if it is a whole number from ``low`` to ``high`` (a model's dimension, head count,
    layer count, ...); else InputError naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(field, f"must be a whole number, got {value!r}")
    if not low <= value <= high:
        raise InputError(field, f"must be a whole number from {low:,} to {high:,}, got {value!r}")
    return int(value)
