"""softjax: soft, differentiable drop-in replacements for hard JAX operations.

Every function mirrors its ``jax.numpy`` / ``jax.lax`` namesake and adds ``softness`` and
``mode`` (and ``method`` for axis-wise ops). The maths lives in :mod:`softcore`; this package
registers JAX's autodiff rules, loops and scatter for it.
"""

from softcore._typing import SoftBool, SoftIndex
from softjax import axiswise, comparison, elementwise, indexing, logic, random, safe_math, straight_through
from softjax.axiswise import *  # noqa: F403
from softjax.axiswise import _argtop_k as _argtop_k  # private (used by random), not in __all__
from softjax.comparison import *  # noqa: F403
from softjax.elementwise import *  # noqa: F403
from softjax.indexing import *  # noqa: F403
from softjax.logic import *  # noqa: F403
from softjax.safe_math import *  # noqa: F403
from softjax.straight_through import *  # noqa: F403

__version__ = "0.2.0"

__all__ = [
    "SoftBool",
    "SoftIndex",
    *elementwise.__all__,
    *comparison.__all__,
    *logic.__all__,
    *indexing.__all__,
    *safe_math.__all__,
    *axiswise.__all__,
    *straight_through.__all__,
    "random",
]
