"""Query parameters S3 reads as bounded integers (max-keys, max-parts, markers...)."""

from __future__ import annotations

from hydria.errors import S3Error


def int_param(
    query: dict[str, str], name: str, default: int, maximum: int, *, label: str | None = None
) -> int:
    """``query[name]`` as an int capped at ``maximum``; absent or empty means ``default``.

    Errors name the argument as AWS does (``label``: e.g. maxKeys for max-keys).
    """
    raw = query.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise S3Error(
            "InvalidArgument",
            f"Provided {name} not an integer or within integer range",
            ArgumentName=name,
            ArgumentValue=raw,
        ) from None
    if value < 0:
        label = label or name
        raise S3Error(
            "InvalidArgument",
            f"Argument {label} must be an integer between 0 and 2147483647",
            ArgumentName=label,
            ArgumentValue=raw,
        )
    return min(value, maximum)
