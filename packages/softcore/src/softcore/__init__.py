"""softcore: every soft relaxation written once against the Python array API standard.

The public functions live in topic modules (``softcore.elementwise``, ``softcore.comparison``,
``softcore.logic``, ``softcore.indexing``, ``softcore.safe_math``, ``softcore.axiswise``, ...) and
take the backend as the keyword-only ``bk`` argument. End users call them through ``softjax`` or
``softtorch``; ``softcore.get_backend(x)`` gives the reference backend for NumPy-like arrays.
"""

from softcore._backend import ArrayAPIBackend, Backend, get_backend
from softcore._typing import SoftBool, SoftIndex
from softcore._vjp import VJPRule

__version__ = "0.2.0"

__all__ = ["ArrayAPIBackend", "Backend", "SoftBool", "SoftIndex", "VJPRule", "__version__", "get_backend"]
