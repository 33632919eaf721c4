"""Straight-through estimation for JAX (maths in :mod:`softcore.straight_through`).

``st(fn)`` runs ``fn`` with ``mode="hard"`` for the value and with the requested soft ``mode`` for
the gradient; outputs may be any pytree. ``grad_replace(fn)`` does the same with a ``forward``
flag. The ``*_st`` functions are ``st`` applied to the soft ops.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jax

from softcore import straight_through as _core
from softjax import axiswise as _ax
from softjax import comparison as _cmp
from softjax import elementwise as _ew
from softjax._backend import JAX

__all__ = [
    "argmax_st",
    "argmedian_st",
    "argmin_st",
    "argpercentile_st",
    "argquantile_st",
    "argsort_st",
    "max_st",
    "median_st",
    "min_st",
    "percentile_st",
    "quantile_st",
    "rank_st",
    "sort_st",
    "top_k_st",
    "abs_st",
    "clip_st",
    "equal_st",
    "grad_replace",
    "greater_equal_st",
    "greater_st",
    "heaviside_st",
    "isclose_st",
    "less_equal_st",
    "less_st",
    "not_equal_st",
    "relu_st",
    "round_st",
    "sign_st",
    "st",
]


def _tree_combine(leaf: Callable[[Any, Any], Any], forward: Any, backward: Any) -> Any:
    return jax.tree_util.tree_map(leaf, forward, backward, is_leaf=lambda t: t is None)


def st(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: hard forward (``mode="hard"``), soft backward (``mode`` as called, default of ``fn``).

    Example::

        @softjax.st
        def loss(x, mode="smooth"):
            return softjax.relu(x - 1.0, mode=mode).sum()
    """
    return _core.make_st(fn, tree_combine=_tree_combine, bk=JAX)


def grad_replace(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: the value of ``fn(..., forward=True)`` with the gradient of ``fn(..., forward=False)``."""
    return _core.make_grad_replace(fn, tree_combine=_tree_combine, bk=JAX)


def _private_hard_st(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Like :func:`st` but the forward uses the private ``"_hard"`` mode (same random draw)."""
    return _core.make_st(fn, tree_combine=_tree_combine, bk=JAX, forward_mode="_hard")


abs_st = st(_ew.abs)
clip_st = st(_ew.clip)
heaviside_st = st(_ew.heaviside)
relu_st = st(_ew.relu)
round_st = st(_ew.round)
sign_st = st(_ew.sign)
equal_st = st(_cmp.equal)
greater_st = st(_cmp.greater)
greater_equal_st = st(_cmp.greater_equal)
isclose_st = st(_cmp.isclose)
less_st = st(_cmp.less)
less_equal_st = st(_cmp.less_equal)
not_equal_st = st(_cmp.not_equal)
argmax_st = st(_ax.argmax)
argmedian_st = st(_ax.argmedian)
argmin_st = st(_ax.argmin)
argpercentile_st = st(_ax.argpercentile)
argquantile_st = st(_ax.argquantile)
argsort_st = st(_ax.argsort)
max_st = st(_ax.max)
median_st = st(_ax.median)
min_st = st(_ax.min)
percentile_st = st(_ax.percentile)
quantile_st = st(_ax.quantile)
rank_st = st(_ax.rank)
sort_st = st(_ax.sort)
top_k_st = st(_ax.top_k)
