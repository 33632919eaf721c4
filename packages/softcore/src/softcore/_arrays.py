"""Dtype and axis helpers shared by the topic modules."""

from __future__ import annotations

from typing import Any

__all__ = ["ensure_float", "is_floating"]


def is_floating(x: Any, *, xp: Any) -> bool:
    return bool(xp.isdtype(x.dtype, "real floating"))


def ensure_float(x: Any, *, bk: Any) -> Any:
    """Integer and boolean inputs become the framework's default float dtype; floats are kept."""
    xp = bk.xp
    if xp.isdtype(x.dtype, "real floating"):
        return x
    return xp.astype(x, bk.default_float_dtype())
