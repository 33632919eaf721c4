"""VJPRule: a primal with hand-written derivative rules, written once in array-API code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["VJPRule"]


@dataclass(frozen=True, eq=False)  # hashed by identity: safe as a cache key in the wrappers
class VJPRule:
    """A primal function together with its vector-Jacobian product (and optionally its JVP).

    ``fwd(*arrays, bk, **static) -> (out, residuals)``
        ``out`` is an array (or a tuple of ``n_outputs`` arrays); ``residuals`` is a flat tuple
        of arrays (never Python objects) that ``bwd`` and ``jvp`` need. Every output and every
        residual carries the batch axes of the inputs in front (rows are independent), which is
        what lets the wrappers batch a rule (``torch.func.vmap``) by calling it on a larger batch.
    ``bwd(residuals, cotangent, bk, **static) -> tuple``
        One entry per array input of ``fwd``; ``None`` means a zero cotangent.
    ``jvp(residuals, tangents, bk, **static) -> tangent_out`` (optional)
        ``tangents`` holds one entry per array input (``None`` = zero); returns the tangent of
        ``out`` (a tuple of ``n_outputs`` entries when ``n_outputs > 1``; ``None`` = zero). It
        must be the transpose of ``bwd``: linear in the tangents, with coefficients taken from
        the residuals only, and built from operations that JAX can transpose (gathers, segment
        sums, elementwise products, ``bk.fori_loop``, ``bk.linear_solve``; never a
        ``bk.while_loop`` on tangent values outside ``bk.linear_solve``'s ``solve``).

    Static keyword arguments must be hashable Python values. ``bwd`` is array-API code, so the
    frameworks can differentiate it again (second derivatives; residuals act as constants).

    With a ``jvp`` the JAX backend registers a ``custom_jvp`` (forward mode, ``jacfwd``; reverse
    mode by transposing ``jvp``) and PyTorch gets forward mode (``torch.func.jvp``,
    ``torch.autograd.forward_ad``); without one JAX registers a ``custom_vjp`` (reverse mode only).
    """

    name: str
    fwd: Callable[..., tuple[Any, tuple[Any, ...]]]
    bwd: Callable[..., tuple[Any, ...]]
    n_outputs: int = 1
    jvp: Callable[..., Any] | None = None
