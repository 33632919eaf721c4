r"""Soft random sampling: relaxations of discrete samplers evaluated at FIXED noise (SPEC §7).

softcore never draws random numbers. Every sampler here takes the noise as an array (``draws``)
and returns the sample that this noise produces, hard or relaxed. The wrappers draw the noise:
``softjax.random`` with a JAX key, exactly as ``jax.random.<sampler>`` would draw it (so the hard
sample equals JAX's own for the same key), and ``softtorch.random`` with ``torch.rand(...,
generator=...)`` transformed by :func:`gumbel_from_uniform`. The ``*_draws_shape`` helpers
tell the wrappers which array to draw.

Two kinds of noise (``noise=``):

* ``"gumbel"``: standard Gumbel samples :math:`g = -\log(-\log u)`. Gumbel-max: for logits
  :math:`\ell`, :math:`\arg\max_j (\ell_j + g_j)` is distributed as
  :math:`\mathrm{softmax}(\ell)`; the ``k`` largest of :math:`\ell + g` are a sample of ``k``
  categories without replacement (Gumbel-top-k).
* ``"uniform"``: :math:`u \sim U[0, 1)`. Threshold / inverse-CDF sampling: ``u < p`` is a
  Bernoulli(p) draw; the category ``j`` with :math:`c_{j-1} < r \le c_j`,
  :math:`c = \mathrm{cumsum}(w)`, :math:`r = c_{n-1}(1 - u)`, is a draw from the weights ``w``.

The relaxations replace the hard decision on the SAME noise by a soft one:

==============  =======================================================================================
sampler         relaxation (``s`` = softness, ``mode`` as in the axis-wise / comparison ops)
==============  =======================================================================================
categorical     gumbel: ``argmax(logits + g, softness=s, mode, method, standardize=False)``; with
                ``method="softsort"``, ``mode="smooth"`` this is the Gumbel-softmax (Concrete)
                sample ``softmax((logits + g) / s)``. ``replace=False``: ``_argtop_k(logits + g, k)``.
                uniform: ``p_j = F_j - F_{j+1}`` with ``F_0 = 1``, ``F_n = 0`` and the soft
                comparison ``F_j = greater(r, c_{j-1})`` on the weights ``w = softmax(logits)``.
choice          the categorical SoftIndex over ``a``'s entries (logits ``log p``, zeros if ``p=None``),
                contracted with ``a``: ``sum_j a_j P_{s, j}``.
bernoulli       uniform: ``less(u, p) = 1 - sigma(u - p + eps)`` (a uniform-threshold relaxation);
                gumbel: ``greater(logit(p) + g_0, g_1)`` (the Binary Concrete / logistic relaxation).
rademacher      ``2 bernoulli(0.5) - 1``.
permutation     ``P = argsort(scores, descending=True, method)`` of Gumbel (or uniform) scores, applied
                to ``x`` (one shared score vector unless ``independent`` or ``x`` is 1-D).
binomial        the sum of ``n`` relaxed Bernoulli samples.
multinomial     the sum of ``n`` relaxed categorical one-hots with logits ``log p``.
==============  =======================================================================================

Modes: ``smooth``, ``c0``, ``c1``, ``c2`` relax; ``hard`` and the private ``_hard`` both return the
exact sample of the given noise (perturb, then the hard op). ``softjax`` routes ``mode="hard"`` to
``jax.random`` itself and uses ``_hard`` for the forward pass of the ``*_st`` samplers, so forward
and backward see the same draw.

Non-finite logits: ``-inf`` logits (zero probabilities) are replaced by a finite floor
``max(m - clip(|m|, min(1000, fmax/4), fmax/4), fmin)``, ``m`` the smallest finite logit along the
axis, so the relaxations stay NaN-free; the floor lies far enough below ``m`` that no Gumbel draw
lifts a floored category above a finite one.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

from softcore import comparison as _cmp
from softcore._arrays import cumsum, ensure_float
from softcore._typing import Array, SoftBool, SoftIndex
from softcore._validate import canonicalize_axis, check_bool, check_choice, check_int, check_softness
from softcore.axiswise import argmax as _argmax
from softcore.axiswise import argsort as _argsort
from softcore.axiswise._common import check_log_prob_request, device, finish_index, to_log
from softcore.axiswise.top_k import _argtop_k
from softcore.indexing import take_along_axis as _take_along_axis

__all__ = [
    "NOISE_TYPES",
    "as_shape",
    "SAMPLER_MODES",
    "bernoulli",
    "bernoulli_draws_shape",
    "binomial",
    "binomial_draws_shape",
    "categorical",
    "categorical_draws_shape",
    "check_noise",
    "check_rng_mode",
    "check_sampler_mode",
    "choice",
    "choice_draws_shape",
    "finite_logits",
    "gumbel_from_uniform",
    "multinomial",
    "multinomial_draws_shape",
    "one_hot_index",
    "permutation",
    "permutation_draws_shape",
    "rademacher",
]

#: Modes of every sampler; ``_hard`` is private (the exact sample through the noise path).
SAMPLER_MODES = ("hard", "_hard", "smooth", "c0", "c1", "c2")
HARD_MODES = ("hard", "_hard")
NOISE_TYPES = ("gumbel", "uniform")
RNG_MODES = ("low", "high")

Names = dict[str, str] | None


def _nm(names: Names, key: str) -> str:
    return key if names is None else names.get(key, key)


# ------------------------------------------------------------------------------------------------
# argument checks (Python values only)
# ------------------------------------------------------------------------------------------------


def check_sampler_mode(mode: Any) -> str:
    return check_choice("mode", mode, SAMPLER_MODES)


def check_noise(noise: Any) -> str:
    return check_choice("noise", noise, NOISE_TYPES)


def check_rng_mode(rng_mode: Any, *, allow_none: bool = True) -> Any:
    """``rng_mode``: ``"low"`` (one uniform per value) or ``"high"`` (two, finer resolution)."""
    if rng_mode is None and allow_none:
        return None
    return check_choice("rng_mode", rng_mode, RNG_MODES)


def _check_soft(mode: str, softness: Any) -> None:
    if mode not in HARD_MODES:
        check_softness(softness)


def as_shape(name: str, shape: Any) -> tuple[int, ...]:
    """A shape: a sequence of non-negative ints (a single int means ``(int,)``)."""
    if isinstance(shape, numbers.Integral) and not isinstance(shape, bool):
        shape = (shape,)
    if not isinstance(shape, Sequence) or isinstance(shape, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of non-negative ints, got {shape!r}.")
    return tuple(check_int(f"{name}[{i}]", d, minimum=0) for i, d in enumerate(shape))


def _check_broadcast_to(src: tuple[int, ...], target: tuple[int, ...], what: str) -> None:
    """``src`` must broadcast to ``target`` (NumPy rules, without growing ``target``)."""
    ok = len(src) <= len(target) and all(s in (1, t) for s, t in zip(reversed(src), reversed(target), strict=False))
    if not ok:
        raise ValueError(f"{what}: shape {tuple(src)} does not broadcast to {tuple(target)}.")


def _static_count(name: str, n: Any) -> int:
    """``n`` of binomial/multinomial: the relaxation sums ``n`` samples, so ``n`` must be a Python int."""
    if hasattr(n, "shape") and not isinstance(n, numbers.Integral):
        raise NotImplementedError(
            f"{name} must be a static (Python) non-negative int in the soft modes: the relaxation is a "
            f"sum of {name} relaxed samples. Use mode='hard' for array-valued {name}."
        )
    return check_int(name, n, minimum=0)


# ------------------------------------------------------------------------------------------------
# noise helpers
# ------------------------------------------------------------------------------------------------


def gumbel_from_uniform(u: Array, rng_mode: str | None = None, *, bk: Any) -> Array:
    r"""Standard Gumbel samples from uniforms in [0, 1), as ``jax.random.gumbel`` builds them.

    * ``rng_mode="low"`` (or ``None``): ``u`` has the output shape; :math:`g = -\log(-\log u)` with
      ``u`` clipped to ``[tiny, 1)`` (``tiny`` the smallest normal number).
    * ``rng_mode="high"``: ``u`` has shape ``(2, *shape)`` (coarse ``h``, fine ``l``);
      ``x = h`` if ``h >= 1/2`` else ``h + eps l + tiny`` and :math:`g = -\log(-\mathrm{log1p}(-x))`,
      which resolves the tail ``u -> 1`` (large Gumbel values) to about twice as many bits.
    """
    xp = bk.xp
    info = xp.finfo(u.dtype)
    tiny = float(info.smallest_normal)
    if check_rng_mode(rng_mode) in (None, "low"):
        u = xp.maximum(u, xp.full_like(u, tiny))
        return -xp.log(-xp.log(u))
    high, low = u[0, ...], u[1, ...]
    x = xp.where(high >= 0.5, high, high + float(info.eps) * low + tiny)
    return -xp.log(-xp.log1p(-x))


def finite_logits(logits: Array, axis: int = -1, *, bk: Any) -> Array:
    r"""``logits`` with ``-inf`` entries replaced by a finite floor below the smallest finite logit.

    Floor (per distribution along ``axis``, no gradient): with ``m`` the smallest finite logit
    (0 if there is none), ``max(m - clip(|m|, min(1000, fmax/4), fmax/4), fmin)``. Gumbel noise
    spans less than 1000 in every dtype, so the floored categories are never sampled while any
    finite one exists, and the soft relaxations see only finite numbers.
    """
    xp = bk.xp
    info = xp.finfo(logits.dtype)
    fmax, fmin = float(info.max), float(info.min)
    finite = xp.isfinite(logits)
    big = xp.full_like(logits, fmax)
    m = xp.min(xp.where(finite, logits, big), axis=axis, keepdims=True)
    m = bk.stop_gradient(xp.where(m < fmax, m, xp.zeros_like(m)))
    gap = xp.clip(xp.abs(m), min(1000.0, fmax / 4), fmax / 4)
    floor = xp.maximum(m - gap, xp.full_like(m, fmin))
    return xp.where(logits == -math.inf, floor, logits)


def one_hot_index(
    idx: Array, n: int, dtype: Any, return_log_probs: bool = False, log_prob_eps: Any = None, *, bk: Any
) -> SoftIndex:
    """Integer indices (...) -> a hard SoftIndex (..., [n]) of ``dtype`` (log: 0 / -inf)."""
    xp = bk.xp
    positions = xp.arange(n, dtype=idx.dtype, device=device(idx))
    p = xp.astype(idx[..., None] == positions, dtype)
    return finish_index(p, log=return_log_probs, already_log=False, log_prob_eps=log_prob_eps, xp=xp)


# ------------------------------------------------------------------------------------------------
# shapes of the noise each sampler consumes
# ------------------------------------------------------------------------------------------------


def _categorical_layout(
    logits_shape: tuple[int, ...], axis: Any, shape: Any, replace: Any, names: Names = None
) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
    """``(axis, batch_shape, out_shape, prefix)`` of ``categorical`` (as ``jax.random.categorical``)."""
    check_bool("replace", replace)
    if len(logits_shape) == 0:
        raise ValueError("logits must have at least one dimension (the categories).")
    ax = canonicalize_axis(axis, len(logits_shape), name=_nm(names, "axis"))
    batch = logits_shape[:ax] + logits_shape[ax + 1 :]
    out = batch if shape is None else as_shape("shape", shape)
    if len(out) < len(batch) or not all(b in (1, s) for b, s in zip(reversed(batch), reversed(out), strict=False)):
        raise ValueError(
            f"shape {out} is not compatible with the batch shape {batch} of logits (logits.shape without the "
            f"category {_nm(names, 'axis')}); it must end with dimensions the batch shape broadcasts to."
        )
    prefix = out[: len(out) - len(batch)]
    if logits_shape[ax] == 0:
        raise ValueError("logits must have at least one category along the sampled axis.")
    if not replace:
        if out[len(prefix) :] != batch:
            raise ValueError(f"With replace=False, shape must end with the batch shape {batch} of logits, got {out}.")
        k = math.prod(prefix)
        if k > logits_shape[ax]:
            raise ValueError(
                f"Number of samples without replacement ({k}) cannot exceed the number of categories "
                f"({logits_shape[ax]})."
            )
    return ax, batch, out, prefix


def categorical_draws_shape(
    logits_shape: Sequence[int],
    axis: int = -1,
    shape: Sequence[int] | None = None,
    replace: bool = True,
    noise: str = "gumbel",
    *,
    names: Names = None,
) -> tuple[int, ...]:
    """Shape of the noise ``categorical`` consumes (validates the arguments).

    gumbel + replace: ``(*prefix, *shape[len(prefix):] with n inserted at axis)``, i.e. one Gumbel
    per category per sample (exactly the array ``jax.random.categorical`` draws); gumbel without
    replacement: ``logits.shape``; uniform: ``shape`` (one uniform per sample).
    """
    check_noise(noise)
    logits_shape = tuple(logits_shape)
    ax, batch, out, prefix = _categorical_layout(logits_shape, axis, shape, replace, names)
    if noise == "uniform":
        if not replace:
            raise ValueError("noise='uniform' (inverse-CDF sampling) supports only replace=True; use noise='gumbel'.")
        return out
    if not replace:
        return logits_shape
    tail = list(out[len(prefix) :])
    tail.insert(ax, logits_shape[ax])
    return (*prefix, *tail)


def choice_draws_shape(
    n_inputs: int, shape: Sequence[int] = (), replace: bool = True, noise: str = "gumbel"
) -> tuple[int, ...]:
    """Noise for ``choice`` over ``n_inputs`` entries: that of ``categorical`` on ``(n_inputs,)`` logits."""
    return categorical_draws_shape((n_inputs,), 0, as_shape("shape", shape), replace, noise)


def bernoulli_draws_shape(
    p_shape: Sequence[int], shape: Sequence[int] | None = None, noise: str = "uniform", rng_mode: str = "low"
) -> tuple[int, ...]:
    """Noise for ``bernoulli``: uniform ``S`` (``rng_mode="low"``) or ``(2, *S)`` (``"high"``: coarse and
    fine uniforms); gumbel ``(2, *S)`` (one Gumbel for "true", one for "false"). ``S`` = ``shape`` or
    ``p.shape``."""
    check_noise(noise)
    check_rng_mode(rng_mode, allow_none=False)
    p_shape = tuple(p_shape)
    out = p_shape if shape is None else as_shape("shape", shape)
    _check_broadcast_to(p_shape, out, "p and shape")
    if noise == "uniform" and rng_mode == "low":
        return out
    return (2, *out)


def binomial_draws_shape(
    n: int, p_shape: Sequence[int], shape: Sequence[int] | None = None, noise: str = "uniform"
) -> tuple[int, ...]:
    """Noise for ``binomial``: that of ``n`` Bernoulli draws, ``(n, *S)`` (uniform) or ``(2, n, *S)`` (gumbel)."""
    n = _static_count("n", n)
    check_noise(noise)
    p_shape = tuple(p_shape)
    out = p_shape if shape is None else as_shape("shape", shape)
    _check_broadcast_to(p_shape, out, "p and shape")
    return (n, *out) if noise == "uniform" else (2, n, *out)


def multinomial_draws_shape(
    n: int, p_shape: Sequence[int], shape: Sequence[int] | None = None, noise: str = "gumbel"
) -> tuple[int, ...]:
    """Noise for ``multinomial``: ``(n, *shape)`` Gumbels, or ``(n, *shape[:-1])`` uniforms."""
    n = _static_count("n", n)
    check_noise(noise)
    p_shape = tuple(p_shape)
    if len(p_shape) == 0:
        raise ValueError("p must have at least one dimension (the outcomes, last axis).")
    out = p_shape if shape is None else as_shape("shape", shape)
    _check_broadcast_to(p_shape, out, "p and shape")
    return (n, *out) if noise == "gumbel" else (n, *out[:-1])


def permutation_draws_shape(
    x_shape: Sequence[int], axis: int = 0, independent: bool = False, *, names: Names = None
) -> tuple[int, ...]:
    """Noise for ``permutation``: one score per element of ``x`` if ``independent`` or ``x`` is 1-D,
    else one score vector ``(n,)`` shared by every slice."""
    check_bool("independent", independent)
    x_shape = tuple(x_shape)
    if len(x_shape) == 0:
        raise ValueError("x must be an int or an array with at least one dimension.")
    ax = canonicalize_axis(axis, len(x_shape), name=_nm(names, "axis"))
    return x_shape if (independent or len(x_shape) == 1) else (x_shape[ax],)


def _check_draws(draws: Any, expected: tuple[int, ...]) -> None:
    if not hasattr(draws, "shape"):
        raise TypeError(f"draws must be an array, got {type(draws).__name__}.")
    if tuple(draws.shape) != tuple(expected):
        raise ValueError(f"draws has shape {tuple(draws.shape)}, expected {tuple(expected)}.")


# ------------------------------------------------------------------------------------------------
# categorical and choice
# ------------------------------------------------------------------------------------------------


def _inverse_cdf_index(weights: Array, u: Array, softness: Any, mode: str, *, bk: Any) -> SoftIndex:
    r"""Inverse-CDF SoftIndex: weights (..., n) (unnormalised, last axis), uniforms ``u`` (*S) -> (*S, [n]).

    :math:`c = \mathrm{cumsum}(w)`, :math:`r = c_{n-1} (1 - u)`;
    :math:`F_j = \mathrm{greater}(r, c_{j-1})` (:math:`j = 1..n-1`), :math:`F_0 = 1`, :math:`F_n = 0`,
    :math:`p_j = F_j - F_{j+1}`. Hard: :math:`F_j = [r > c_{j-1}]`, a one-hot at the first ``j`` with
    :math:`c_j \ge r` (``searchsorted``, as ``jax.random.choice``). The soft :math:`p_j` are
    non-negative (``c`` increases and the sigmoidal is monotone) and sum to one.
    """
    xp = bk.xp
    cdf = cumsum(weights, xp=xp)  # (..., n)
    r = cdf[..., -1:] * (1 - u[..., None])  # (*S, 1)
    cmp_mode: Any = "hard" if mode in HARD_MODES else mode
    inner = _cmp.greater(r, cdf[..., :-1], softness, cmp_mode, bk=bk)  # (*S, n - 1): F_1..F_{n-1}
    ones = xp.ones((*inner.shape[:-1], 1), dtype=inner.dtype, device=device(inner))
    zeros = xp.zeros((*inner.shape[:-1], 1), dtype=inner.dtype, device=device(inner))
    upper = xp.concat([ones, inner], axis=-1)  # F_0..F_{n-1}
    lower = xp.concat([inner, zeros], axis=-1)  # F_1..F_n
    return upper - lower


def _softmax_weights(logits: Array, *, xp: Any) -> Array:
    """``exp(l - max l)`` along the last axis (unnormalised softmax; the inverse CDF rescales by the total)."""
    m = xp.max(logits, axis=-1, keepdims=True)
    return xp.exp(logits - m)


def categorical(
    logits: Array,
    draws: Array,
    axis: int = -1,
    shape: Sequence[int] | None = None,
    replace: bool = True,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    noise: str = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    return_log_probs: bool = False,
    log_prob_eps: float | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> SoftIndex:
    r"""Relaxed categorical sample(s) from ``softmax(logits, axis)``: a SoftIndex ``(*shape, [n])``.

    ``shape`` defaults to the batch shape (``logits.shape`` without ``axis``); extra leading
    dimensions are independent samples. ``draws`` is the noise of shape
    :func:`categorical_draws_shape`.

    * ``noise="gumbel"`` (Gumbel-max): ``argmax(finite_logits + g, axis, softness, mode, method,
      standardize)``; in smooth/softsort mode exactly the Gumbel-softmax
      ``softmax((logits + g) / softness)``. ``replace=False`` (Gumbel-top-k): one perturbation of
      ``logits``, the ``k = prod(shape_prefix)`` largest as ``_argtop_k``, reshaped to
      ``(*shape_prefix, *batch, [n])``.
    * ``noise="uniform"`` (inverse CDF, ``replace=True`` only): ``p_j = F_j - F_{j+1}`` with the soft
      comparisons ``F_j = greater(r, c_{j-1})`` of ``r = c_{n-1}(1 - u)`` against the cumulative
      weights ``c = cumsum(softmax(logits))``; ``method``/``standardize`` are unused.

    ``hard``/``_hard`` give the exact sample of this noise as a one-hot. ``return_log_probs``
    returns the log of the relaxed weights (not a log-likelihood).
    """
    xp = bk.xp
    check_sampler_mode(mode)
    check_noise(noise)
    check_log_prob_request(return_log_probs, log_prob_eps)
    _check_soft(mode, softness)
    logits = ensure_float(logits, bk=bk)
    expected = categorical_draws_shape(tuple(logits.shape), axis, shape, replace, noise, names=names)
    ax, batch, out, prefix = _categorical_layout(tuple(logits.shape), axis, shape, replace, names)
    _check_draws(draws, expected)
    n = logits.shape[ax]
    arg_mode = "_hard" if mode in HARD_MODES else mode
    if math.prod(out) == 0:
        p = xp.zeros((*out, n), dtype=logits.dtype, device=device(logits))
        return finish_index(p, log=return_log_probs, already_log=False, log_prob_eps=log_prob_eps, xp=xp)
    safe = finite_logits(logits, ax, bk=bk)
    if noise == "uniform":
        w = _softmax_weights(xp.moveaxis(safe, ax, -1), xp=xp)  # (*batch, n), broadcasts against (*out, n)
        p = _inverse_cdf_index(w, xp.astype(draws, logits.dtype), softness, mode, bk=bk)  # (*out, [n])
        p = xp.broadcast_to(p, (*out, n))
        return finish_index(p, log=return_log_probs, already_log=False, log_prob_eps=log_prob_eps, xp=xp)
    draws = xp.astype(draws, logits.dtype)
    common = {
        "softness": softness,
        "mode": arg_mode,
        "method": method,
        "standardize": standardize,
        "ot_kwargs": ot_kwargs,
        "return_log_probs": return_log_probs,
        "log_prob_eps": log_prob_eps,
        "bk": bk,
    }
    if replace:
        scores = xp.reshape(safe, (1,) * len(prefix) + tuple(safe.shape)) + draws  # (*prefix, *logits_b)
        return _argmax(scores, axis=ax + len(prefix), keepdims=False, **common)  # (*out, [n])
    k = math.prod(prefix)
    p = _argtop_k(safe + draws, k, axis=ax, **common)  # (..., k, ..., [n]), k at ax
    p = xp.moveaxis(p, ax, 0)  # (k, *batch, [n])
    return xp.reshape(p, (*out, n))


def _choice_index(
    n: int,
    draws: Array,
    shape: tuple[int, ...],
    replace: bool,
    p: Array | None,
    dtype: Any,
    like: Array,
    softness: Any,
    mode: str,
    method: str,
    noise: str,
    standardize: bool,
    ot_kwargs: Any,
    *,
    bk: Any,
) -> SoftIndex:
    """SoftIndex (*shape, [n]) of ``choice`` (``p`` validated, of floating ``dtype``)."""
    xp = bk.xp
    if noise == "uniform":
        weights = p if p is not None else xp.ones((n,), dtype=dtype, device=device(like))
        return _inverse_cdf_index(weights, xp.astype(draws, dtype), softness, mode, bk=bk)
    if p is None:
        logits = xp.zeros((n,), dtype=dtype, device=device(like))
    else:
        logits = to_log(p, xp=xp)
    return categorical(logits, draws, 0, shape, replace, softness, mode, method, noise, standardize, ot_kwargs, bk=bk)


def choice(
    a: Array,
    draws: Array,
    shape: Sequence[int] = (),
    replace: bool = True,
    p: Array | None = None,
    axis: int = 0,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    noise: str = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> Array:
    r"""Relaxed random choice of entries of ``a`` along ``axis``: shape ``a.shape[:axis] + shape + a.shape[axis+1:]``.

    The SoftIndex ``P`` (*shape, [n]) is the ``categorical`` sample with logits ``log p`` (zeros
    when ``p`` is None), with or without replacement; the result is
    :math:`y_{..., s, ...} = \sum_j a_{..., j, ...} P_{s, j}` (a convex combination of entries of
    ``a``). With ``noise="uniform"`` (``replace=True``) ``P`` is the inverse-CDF relaxation on the
    weights ``p`` themselves (``jax.random.choice``'s own sampling rule). ``hard``/``_hard`` pick
    the entries exactly (``a``'s dtype kept). ``draws``: shape :func:`choice_draws_shape`. Zero draws
    give zeros.
    """
    xp = bk.xp
    check_sampler_mode(mode)
    check_noise(noise)
    _check_soft(mode, softness)
    if a.ndim == 0:
        raise ValueError("a must be an array with at least one dimension (the wrappers turn an int a into arange(a)).")
    ax = canonicalize_axis(axis, a.ndim, name=_nm(names, "axis"))
    n = a.shape[ax]
    shape = as_shape("shape", shape)
    m = math.prod(shape)
    out_shape = (*a.shape[:ax], *shape, *a.shape[ax + 1 :])
    a_f = ensure_float(a, bk=bk)
    if m == 0:
        return xp.zeros(out_shape, dtype=a.dtype if mode in HARD_MODES else a_f.dtype, device=device(a))
    if n == 0:
        raise ValueError("a must be non-empty along the sampled axis unless no samples are taken.")
    if p is not None:
        p = ensure_float(p, bk=bk)
        if tuple(p.shape) != (n,):
            raise ValueError(f"p must be None or a 1-D array of size a.shape[axis] = {n}, got shape {tuple(p.shape)}.")
    dtype = p.dtype if p is not None else a_f.dtype
    _check_draws(draws, choice_draws_shape(n, shape, replace, noise))
    P = _choice_index(
        n, draws, shape, replace, p, dtype, a, softness, mode, method, noise, standardize, ot_kwargs, bk=bk
    )
    P = xp.reshape(P, (m, n))
    if mode in HARD_MODES:
        idx = xp.argmax(P, axis=-1)  # (m,)
        return xp.reshape(xp.take(a, idx, axis=ax), out_shape)
    am = xp.moveaxis(a_f, ax, -1)  # (*pre, *post, n)
    y = xp.sum(am[..., None, :] * xp.astype(P, a_f.dtype), axis=-1)  # (*pre, *post, m)
    y = xp.moveaxis(y, -1, ax)  # (*pre, m, *post)
    return xp.reshape(y, out_shape)


# ------------------------------------------------------------------------------------------------
# Bernoulli family
# ------------------------------------------------------------------------------------------------


def bernoulli(
    p: Array,
    draws: Array,
    softness: Any = 0.1,
    mode: str = "smooth",
    noise: str = "uniform",
    rng_mode: str = "low",
    *,
    bk: Any,
) -> SoftBool:
    r"""Relaxed Bernoulli(p) sample(s), a SoftBool of the shape ``S`` of the draws, dtype of ``p``.

    * ``noise="uniform"``: the uniform-threshold relaxation ``less(u, p) = 1 - sigma(u - p + eps)``
      (elementwise ``sigmoidal`` of ``mode``); ``rng_mode="high"`` takes draws ``(2, *S)`` =
      (coarse ``u``, fine ``v``) and relaxes ``eps_dtype v < p - u`` (``jax.random.bernoulli``'s
      high-resolution rule). Hard: ``u < p``.
    * ``noise="gumbel"``: draws ``(2, *S)`` = ``(g_0, g_1)``; ``greater(logit(p) + g_0, g_1)``, the
      Binary Concrete (logistic-noise) relaxation; ``logit(0) = -inf``, ``logit(1) = +inf`` exactly.
      Hard: ``logit(p) + g_0 > g_1``, true with probability ``p``.
    """
    xp = bk.xp
    check_sampler_mode(mode)
    check_noise(noise)
    check_rng_mode(rng_mode, allow_none=False)
    _check_soft(mode, softness)
    p = ensure_float(p, bk=bk)
    cmp_mode: Any = "hard" if mode in HARD_MODES else mode
    layered = noise == "gumbel" or rng_mode == "high"
    shape = tuple(draws.shape[1:]) if layered else tuple(draws.shape)
    _check_broadcast_to(tuple(p.shape), shape, "p and the draws")
    draws = xp.astype(draws, p.dtype)
    if noise == "uniform":
        if rng_mode == "low":
            out = _cmp.less(draws, p, softness, cmp_mode, bk=bk)
        else:
            fine = draws[1, ...] * float(xp.finfo(p.dtype).eps)
            out = _cmp.less(fine, p - draws[0, ...], softness, cmp_mode, bk=bk)
    else:
        inside = (p > 0) & (p < 1)
        p_in = xp.where(inside, p, xp.full_like(p, 0.5))
        pos_inf, neg_inf = xp.full_like(p, math.inf), xp.full_like(p, -math.inf)
        logit = xp.where(inside, xp.log(p_in) - xp.log1p(-p_in), xp.where(p > 0, pos_inf, neg_inf))
        out = _cmp.greater(logit + draws[0, ...], draws[1, ...], softness, cmp_mode, bk=bk)
    return xp.broadcast_to(out, shape)


def rademacher(draws: Array, softness: Any = 0.1, mode: str = "smooth", noise: str = "uniform", *, bk: Any) -> Array:
    r"""Relaxed Rademacher (+-1 with probability 1/2) sample(s): ``2 bernoulli(1/2) - 1`` in [-1, 1].

    ``draws``: uniforms of the output shape, or Gumbels ``(2, *shape)`` for ``noise="gumbel"``; the
    result has the draws' dtype.
    """
    xp = bk.xp
    half = xp.full((), 0.5, dtype=ensure_float(draws, bk=bk).dtype, device=device(draws))
    return 2 * bernoulli(half, draws, softness, mode, noise, "low", bk=bk) - 1


def binomial(
    n: int, p: Array, draws: Array, softness: Any = 0.1, mode: str = "smooth", noise: str = "uniform", *, bk: Any
) -> Array:
    r"""Relaxed Binomial(n, p) count(s): the sum of ``n`` relaxed Bernoulli(p) samples, in [0, n].

    ``n`` is a static non-negative int; ``draws`` ``(n, *S)`` (uniform) or ``(2, n, *S)`` (gumbel).
    """
    xp = bk.xp
    n = _static_count("n", n)
    check_noise(noise)
    lead = 0 if noise == "uniform" else 1
    if not hasattr(draws, "shape") or draws.ndim <= lead or draws.shape[lead] != n:
        raise ValueError(
            f"draws must have {n} (= n) samples on axis {lead}, got shape {getattr(draws, 'shape', None)}."
        )
    return xp.sum(bernoulli(p, draws, softness, mode, noise, "low", bk=bk), axis=0)


def multinomial(
    n: int,
    p: Array,
    draws: Array,
    shape: Sequence[int] | None = None,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "softsort",
    noise: str = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    bk: Any,
) -> Array:
    r"""Relaxed Multinomial(n, p) counts ``(*shape[:-1], k)`` (``shape`` defaults to ``p.shape``).

    The sum of ``n`` relaxed categorical one-hots with logits ``log p`` (outcomes on the last
    axis), each row summing to ``n``. ``draws``: shape :func:`multinomial_draws_shape`.
    """
    xp = bk.xp
    check_sampler_mode(mode)
    p = ensure_float(p, bk=bk)
    expected = multinomial_draws_shape(n, tuple(p.shape), shape, noise)
    out = tuple(p.shape) if shape is None else as_shape("shape", shape)
    _check_draws(draws, expected)
    if n == 0:
        _check_soft(mode, softness)
        return xp.zeros(out, dtype=p.dtype, device=device(p))
    logits = to_log(xp.broadcast_to(p, out), xp=xp)
    onehots = categorical(
        logits, draws, -1, (n, *out[:-1]), True, softness, mode, method, noise, standardize, ot_kwargs, bk=bk
    )  # (n, *out[:-1], [k])
    return xp.sum(onehots, axis=0)


# ------------------------------------------------------------------------------------------------
# permutation
# ------------------------------------------------------------------------------------------------


def permutation(
    x: Array,
    draws: Array,
    axis: int = 0,
    independent: bool = False,
    softness: Any = 0.1,
    mode: str = "smooth",
    method: str = "neuralsort",
    noise: str = "gumbel",
    standardize: bool = False,
    ot_kwargs: dict[str, Any] | None = None,
    *,
    bk: Any,
    names: Names = None,
) -> Array:
    r"""Relaxed random permutation of ``x`` along ``axis`` (shape of ``x``).

    Scores ``draws`` (i.i.d. Gumbel or uniform: either gives a uniformly random order) of shape
    :func:`permutation_draws_shape`; ``P = argsort(scores, descending=True, softness, mode, method,
    standardize)`` and :math:`y_{..., i, ...} = \sum_j P_{i, j} x_{..., j, ...}` (one shared ``P``
    unless ``independent`` or ``x`` is 1-D). ``hard``/``_hard`` reorder ``x`` exactly (dtype kept).
    """
    xp = bk.xp
    check_sampler_mode(mode)
    check_noise(noise)
    _check_soft(mode, softness)
    expected = permutation_draws_shape(tuple(x.shape), axis, independent, names=names)
    ax = canonicalize_axis(axis, x.ndim, name=_nm(names, "axis"))
    _check_draws(draws, expected)
    shared = tuple(expected) != tuple(x.shape) or x.ndim == 1
    score_axis = 0 if shared else ax
    if mode in HARD_MODES:
        order = xp.argsort(draws, axis=score_axis, descending=True, stable=True)
        if shared:
            return xp.take(x, order, axis=ax)
        return xp.take_along_axis(x, order, axis=ax)
    xf = ensure_float(x, bk=bk)
    scores = xp.astype(draws, xf.dtype)
    P = _argsort(
        scores,
        axis=score_axis,
        descending=True,
        softness=softness,
        mode=mode,
        method=method,
        standardize=standardize,
        ot_kwargs=ot_kwargs,
        bk=bk,
    )
    if shared:
        xm = xp.moveaxis(xf, ax, -1)  # (..., n)
        y = xp.sum(xm[..., None, :] * P, axis=-1)  # (..., n)
        return xp.moveaxis(y, -1, ax)
    return _take_along_axis(xf, P, axis=ax, bk=bk)
