"""softtorch: soft, differentiable drop-in replacements for hard PyTorch operations."""

from softcore._typing import SoftBool, SoftIndex
from softtorch.elementwise import abs, clamp, heaviside, relu, round, sigmoidal, sign, softrelu  # noqa: A004

__version__ = "0.2.0"

__all__ = [
    "SoftBool",
    "SoftIndex",
    "abs",
    "clamp",
    "heaviside",
    "relu",
    "round",
    "sigmoidal",
    "sign",
    "softrelu",
]
