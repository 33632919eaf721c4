"""softtorch: soft, differentiable drop-in replacements for hard PyTorch operations.

Every function mirrors its ``torch`` namesake and adds ``softness`` and
``mode`` (and ``method`` for axis-wise ops). The maths lives in :mod:`softcore`; this package
registers PyTorch autograd Functions, loops and scatter for it.
"""

from softcore._typing import SoftBool, SoftIndex
from softtorch import axiswise, comparison, elementwise, indexing, logic, random, safe_math, straight_through
from softtorch.axiswise import *  # noqa: F403
from softtorch.axiswise import _argtopk as _argtopk  # private (used by random), not in __all__
from softtorch.comparison import *  # noqa: F403
from softtorch.elementwise import *  # noqa: F403
from softtorch.indexing import *  # noqa: F403
from softtorch.logic import *  # noqa: F403
from softtorch.safe_math import *  # noqa: F403
from softtorch.straight_through import *  # noqa: F403

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
