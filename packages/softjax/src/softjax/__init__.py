"""softjax: soft, differentiable drop-in replacements for hard JAX operations."""

from softcore._typing import SoftBool, SoftIndex
from softjax.elementwise import abs, clip, heaviside, relu, round, sigmoidal, sign, softrelu  # noqa: A004

__version__ = "0.2.0"

__all__ = [
    "SoftBool",
    "SoftIndex",
    "abs",
    "clip",
    "heaviside",
    "relu",
    "round",
    "sigmoidal",
    "sign",
    "softrelu",
]
