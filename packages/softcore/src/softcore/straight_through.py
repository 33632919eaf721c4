r"""Straight-through estimation: hard values in the forward pass, soft gradients in the backward.

For a hard output ``f`` and its soft relaxation ``b`` the straight-through value is

.. math::  y = \mathrm{stop\_gradient}(f) + (b - \mathrm{stop\_gradient}(b)),

whose value is *exactly* ``f`` (``b - b = 0`` in floating point, so no rounding from
``stop_gradient(f - b) + b``) and whose derivative is the derivative of ``b``. Where ``b`` is not
finite (e.g. a ``-inf`` log-probability) the correction is dropped, so the result is ``f`` with a
zero gradient there instead of NaN.

The wrappers supply the tree traversal (``jax.tree_util`` / ``torch.utils._pytree``), so outputs may
be arrays, tuples, NamedTuples, ``torch.return_types`` or any pytree; ``None`` leaves (e.g. the
index of a value-only method) are returned as the forward's leaf.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

__all__ = ["make_grad_replace", "make_st", "replace_value_keep_grad"]

TreeCombine = Callable[[Callable[[Any, Any], Any], Any, Any], Any]


def replace_value_keep_grad(forward: Any, backward: Any, *, bk: Any) -> Any:
    """Value of ``forward``, gradient of ``backward`` (leaf-wise; see the module docstring)."""
    if forward is None or backward is None:
        return forward
    xp = bk.xp
    if not xp.isdtype(backward.dtype, ("real floating", "complex floating")):
        return forward
    correction = backward - bk.stop_gradient(backward)
    correction = xp.where(xp.isfinite(backward), correction, xp.zeros_like(correction))
    forward = bk.stop_gradient(forward)
    if not xp.isdtype(forward.dtype, ("real floating", "complex floating")):
        forward = xp.astype(forward, backward.dtype)
    return forward + correction


def _split_mode(fn: Callable[..., Any]) -> Callable[[tuple[Any, ...], dict[str, Any]], tuple[Any, tuple, dict]]:
    """Return ``(args, kwargs) -> (mode, args, kwargs)`` that takes the mode out of a call of ``fn``."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # builtins without a signature: mode only by keyword
        signature = None
    param = signature.parameters.get("mode") if signature is not None else None
    if param is None or param.kind in (param.VAR_KEYWORD, param.VAR_POSITIONAL):

        def by_keyword(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple, dict]:
            kwargs = dict(kwargs)
            return kwargs.pop("mode", "smooth"), args, kwargs

        return by_keyword

    default = "smooth" if param.default is inspect.Parameter.empty else param.default
    assert signature is not None

    def by_signature(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, tuple, dict]:
        bound = signature.bind_partial(*args, **kwargs)
        mode = bound.arguments.pop("mode", default)
        return mode, bound.args, bound.kwargs

    return by_signature


def make_st(
    fn: Callable[..., Any], *, tree_combine: TreeCombine, bk: Any, forward_mode: str = "hard"
) -> Callable[..., Any]:
    """Straight-through version of ``fn``: ``fn(..., mode=forward_mode)`` forward, ``fn(..., mode=mode)`` backward.

    ``mode`` (positional or keyword) selects the backward relaxation; its default is ``fn``'s own
    default for ``mode`` (``"smooth"`` if ``fn`` has none, in which case ``mode`` is passed on as a
    keyword). Both branches see identical other arguments (softness, method, ...).
    """
    split = _split_mode(fn)

    def leaf(f: Any, b: Any) -> Any:
        return replace_value_keep_grad(f, b, bk=bk)

    @functools.wraps(fn)
    def straight_through(*args: Any, **kwargs: Any) -> Any:
        mode, args, kwargs = split(args, kwargs)
        forward = fn(*args, **kwargs, mode=forward_mode)
        backward = fn(*args, **kwargs, mode=mode)
        return tree_combine(leaf, forward, backward)

    straight_through.__doc__ = (
        f"Straight-through ``{getattr(fn, '__name__', 'fn')}``: the forward value of ``mode={forward_mode!r}``, "
        "the gradient of the soft ``mode`` (default as in the original function).\n\n" + (fn.__doc__ or "")
    )
    return straight_through


def make_grad_replace(fn: Callable[..., Any], *, tree_combine: TreeCombine, bk: Any) -> Callable[..., Any]:
    """``fn(..., forward=True)`` for the value, ``fn(..., forward=False)`` for the gradient."""

    def leaf(f: Any, b: Any) -> Any:
        return replace_value_keep_grad(f, b, bk=bk)

    @functools.wraps(fn)
    def replaced(*args: Any, **kwargs: Any) -> Any:
        return tree_combine(leaf, fn(*args, **kwargs, forward=True), fn(*args, **kwargs, forward=False))

    return replaced
