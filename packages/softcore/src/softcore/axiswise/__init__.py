"""Axis-wise soft operators: argmax/max, argsort/sort, rank, top_k and quantiles (SPEC §1.5, §2).

Each op works along ``axis`` (moved last internally), in every mode (``hard``, ``smooth``, ``c0``,
``c1``, ``c2`` and the private ``_hard``) and with the methods ``softsort``, ``neuralsort`` and
``sorting_network`` (``ot``, ``fast_soft_sort`` and ``smooth_sort`` are dispatched from
:mod:`softcore.axiswise._dispatch`). Every function takes the backend as keyword-only ``bk``.
"""

from softcore.axiswise.extremum import argmax, argmin, max, min  # noqa: A004
from softcore.axiswise.quantile import argmedian, argpercentile, argquantile, median, percentile, quantile
from softcore.axiswise.rank import rank
from softcore.axiswise.sort import argsort, sort
from softcore.axiswise.top_k import _argtop_k, top_k

__all__ = [
    "argmax",
    "argmedian",
    "argmin",
    "argpercentile",
    "argquantile",
    "argsort",
    "max",
    "median",
    "min",
    "percentile",
    "quantile",
    "rank",
    "sort",
    "top_k",
]

_private = (_argtop_k,)
