"""Helpers shared by the axis-wise ops: argument checks, one-hots, selection, log-probabilities,
quantile interpolation parameters and row-chunked evaluation (O(n * chunk) memory)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from typing import Any

from softcore._arrays import device  # noqa: F401  (re-exported for the axiswise modules)
from softcore._numerics import logsumexp
from softcore._standardize import standardize_and_squash
from softcore._typing import Array
from softcore._validate import check_bool, check_choice, check_int, check_softness

__all__ = [
    "AXISWISE_MODES",
    "CHUNK",
    "QUANTILE_METHODS",
    "check_common",
    "check_log_prob_request",
    "device",
    "finish_index",
    "index_dtype",
    "map_row_chunks",
    "mix_rows",
    "nm",
    "one_hot",
    "prepare_scores",
    "quantile_mix",
    "quantile_params",
    "select",
    "sum_row_chunks",
    "to_log",
]

#: Modes of every axis-wise op; ``_hard`` is private (hard forward through the SoftIndex path).
AXISWISE_MODES = ("hard", "_hard", "smooth", "c0", "c1", "c2")
HARD_MODES = ("hard", "_hard")
QUANTILE_METHODS = ("linear", "lower", "higher", "nearest", "midpoint")
#: Rows of an n x n soft permutation evaluated at once by the fused value ops.
CHUNK = 128


#: Canonical (JAX) argument name -> the name a wrapper exposes (``axis -> dim`` for torch).
Names = Mapping[str, str] | None


def nm(names: Names, key: str) -> str:
    return key if names is None else names.get(key, key)


_INDEX_DTYPES: dict[int, Any] = {}


def index_dtype(xp: Any, x: Array) -> Any:
    """The namespace's default index dtype (int64 in torch, int32/int64 in JAX by x64 setting)."""
    key = id(xp)
    if key not in _INDEX_DTYPES:
        _INDEX_DTYPES[key] = xp.__array_namespace_info__().default_dtypes(device=None)["indexing"]
    dt = _INDEX_DTYPES[key]
    if getattr(xp, "__name__", "").startswith("jax"):  # follows the x64 flag, which may change
        return xp.__array_namespace_info__().default_dtypes(device=None)["indexing"]
    return dt


def check_common(
    mode: str, method: str, methods: tuple[str, ...], softness: Any, standardize: Any, ot_kwargs: Any
) -> None:
    """Validate the arguments every axis-wise op shares (Python values only)."""
    check_choice("mode", mode, AXISWISE_MODES)
    check_choice("method", method, methods)
    check_bool("standardize", standardize)
    if mode not in HARD_MODES:
        check_softness(softness)
    if ot_kwargs is not None and not isinstance(ot_kwargs, dict):
        raise TypeError(f"ot_kwargs must be a dict or None, got {type(ot_kwargs).__name__}.")


def check_log_prob_request(return_log_probs: Any, log_prob_eps: Any) -> None:
    """``log_prob_eps`` needs ``return_log_probs=True`` and must be a scalar in (0, 1]."""
    check_bool("return_log_probs", return_log_probs)
    if log_prob_eps is None:
        return
    if not return_log_probs:
        raise ValueError("log_prob_eps is only used with return_log_probs=True.")
    if isinstance(log_prob_eps, bool) or not isinstance(log_prob_eps, numbers.Real):
        raise TypeError(f"log_prob_eps must be a float in (0, 1], got {log_prob_eps!r}.")
    if not 0 < float(log_prob_eps) <= 1:
        raise ValueError(f"log_prob_eps must be in (0, 1], got {log_prob_eps!r}.")


def check_k(k: Any, n: int) -> int:
    k = check_int("k", k, minimum=1)
    if k > n:
        raise ValueError(f"k={k} is larger than the size {n} of the axis.")
    return k


def check_nonempty(n: int) -> None:
    if n == 0:
        raise ValueError("axis-wise ops need a non-empty axis (got size 0).")


def prepare_scores(x: Array, standardize: bool, *, bk: Any) -> tuple[Array, Array | None, Array | None]:
    """``(x_std, mean, std)``: standardised and squashed scores (or ``x`` itself with ``None`` stats)."""
    if standardize:
        return standardize_and_squash(x, bk=bk)
    return x, None, None


def one_hot(idx: Array, n: int, dtype: Any, *, xp: Any) -> Array:
    """``idx`` (...) int -> (..., n) floating one-hot."""
    positions = xp.arange(n, dtype=idx.dtype, device=device(idx))
    return xp.astype(idx[..., None] == positions, dtype)


def select(p: Array, x: Array, *, xp: Any) -> Array:
    """Expectation ``sum_j p[..., m, j] x[..., j]`` -> (..., m) (elementwise product: no TF32 matmul)."""
    return xp.sum(p * x[..., None, :], axis=-1)


def to_log(p: Array, *, xp: Any) -> Array:
    """``log(p)`` with exact ``-inf`` (and a zero gradient) where ``p == 0``."""
    pos = p > 0
    return xp.where(pos, xp.log(xp.where(pos, p, xp.ones_like(p))), xp.full_like(p, -float("inf")))


def interpolate(lo: Array, hi: Array, a: Array, method: str, convention: str, *, xp: Any) -> Array:
    """``(1 - a) lo + a hi`` with the framework's own arithmetic, so hard quantiles match bit for bit.

    jax: ``lo (1 - a) + hi a`` (``(lo + hi) / 2`` for midpoint); torch: ``lerp(lo, hi, a)``, i.e.
    ``lo + a (hi - lo)`` for ``a < 1/2`` and ``hi - (hi - lo)(1 - a)`` otherwise.
    """
    if method not in ("linear", "midpoint"):
        return lo
    if convention == "torch":
        return xp.where(a < 0.5, lo + a * (hi - lo), hi - (hi - lo) * (1 - a))
    if method == "midpoint":
        return xp.where(a > 0, (lo + hi) * 0.5, lo)
    return lo * (1 - a) + hi * a


def log_mix(log_a: Array, log_b: Array, weight: Array, *, xp: Any) -> Array:
    """``log((1 - w) exp(log_a) + w exp(log_b))`` for ``w`` in [0, 1], NaN-free at ``-inf`` entries."""
    one = xp.ones_like(weight)
    la = xp.where(weight < 1, xp.log(xp.where(weight < 1, one - weight, one)), -float("inf") * one) + log_a
    lb = xp.where(weight > 0, xp.log(xp.where(weight > 0, weight, one)), -float("inf") * one) + log_b
    m = xp.maximum(la, lb)
    finite = xp.isfinite(m)
    ms = xp.where(finite, m, xp.zeros_like(m))
    total = xp.exp(la - ms) + xp.exp(lb - ms)
    pos = total > 0
    out = xp.where(pos, xp.log(xp.where(pos, total, xp.ones_like(total))), xp.full_like(total, -float("inf"))) + ms
    return xp.where(finite, out, m)


def mix_rows(lo: Array, hi: Array, a: Array, *, log: bool, xp: Any) -> Array:
    """``(1 - a) lo + a hi`` per row, rows (..., kq, [n]) and weights ``a`` (kq,) (in log space if ``log``)."""
    w = a[:, None]
    return log_mix(lo, hi, w, xp=xp) if log else (1 - w) * lo + w * hi


def quantile_mix(
    rows_of: Callable[[Array], Array], k: Array, kp1: Array, a: Array, take_next: bool, *, log: bool, xp: Any
) -> Array:
    """Quantile SoftIndex rows from permutation rows: ``rows_of(k)``, or with ``take_next``
    ``(1 - a) P[k] + a P[kp1]`` from one call ``rows_of(concat(k, kp1))`` -> (..., kq, [n])."""
    if not take_next:
        return rows_of(k)
    kq = k.shape[0]
    p = rows_of(xp.concat([k, kp1]))
    return mix_rows(p[..., :kq, :], p[..., kq:, :], a, log=log, xp=xp)


def finish_index(p: Array, *, log: bool, already_log: bool, log_prob_eps: Any, xp: Any) -> Array:
    """Final SoftIndex: probabilities, or log-probabilities (optionally floored at ``log_prob_eps``
    and renormalised: ``max(log p, log eps) - logsumexp(max(log p, log eps))``)."""
    if not log:
        return p
    logp = p if already_log else to_log(p, xp=xp)
    if log_prob_eps is None:
        return logp
    floored = xp.maximum(logp, xp.full_like(logp, math.log(log_prob_eps)))
    return floored - logsumexp(floored, axis=-1, keepdims=True, xp=xp)


def as_q(q: Any, like: Array, *, xp: Any, name: str = "q", scale: float = 1.0) -> Array:
    """``q`` as an array of ``like``'s dtype/device; Python values are validated in [0, scale]."""
    if isinstance(q, bool):
        raise TypeError(f"{name} must be a number or an array, got {q!r}.")
    if isinstance(q, numbers.Real):
        if not 0 <= float(q) <= scale:
            raise ValueError(f"{name} must be in [0, {scale:g}], got {q!r}.")
        return xp.asarray(float(q) / scale, dtype=like.dtype, device=device(like))
    if isinstance(q, (list, tuple)):
        flat = _flatten(q)
        for v in flat:
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{name} must contain numbers, got {v!r}.")
            if not 0 <= float(v) <= scale:
                raise ValueError(f"{name} must be in [0, {scale:g}], got {v!r}.")
        arr = xp.asarray(q, dtype=like.dtype, device=device(like))
        return arr / scale if scale != 1.0 else arr
    if isinstance(q, (str, bytes)) or q is None:
        raise TypeError(f"{name} must be a number or an array, got {q!r}.")
    arr = q if q.dtype == like.dtype else xp.astype(q, like.dtype)
    arr = arr / scale if scale != 1.0 else arr
    return xp.clip(arr, 0.0, 1.0)  # array values are never validated (no host sync): clip instead


def _flatten(q: Any) -> list[Any]:
    out: list[Any] = []
    for v in q:
        out.extend(_flatten(v) if isinstance(v, (list, tuple)) else [v])
    return out


def quantile_params(q: Array, n: int, method: str, convention: str, *, xp: Any) -> tuple[Array, Array, Array, bool]:
    """Order-statistic interpolation: ``(k, kp1, a, take_next)`` with ``q_hat = (1 - a) x_(k) + a x_(kp1)``.

    ``p = q (n - 1)``. linear: ``k = floor(p), a = p - k``; lower: ``floor(p)``; higher: ``ceil(p)``;
    nearest: ``floor(p)`` unless ``p - floor(p) > 1/2`` (``convention="jax"``, ties down as
    ``jnp.quantile``) or ``round(p)`` half to even (``"torch"``, as ``torch.quantile``); midpoint: ``k = floor(p)``,
    ``a = 1/2`` (``0`` if ``p`` is integral). ``kp1 = min(k + 1, n - 1)``. ``k``/``kp1`` are index
    arrays, ``a`` floating (all with the shape of ``q``).
    """
    p = q * (n - 1)
    lo = xp.floor(p)
    frac = p - lo
    take_next = method in ("linear", "midpoint")
    if method == "linear":
        kf, a = lo, frac
    elif method == "lower":
        kf, a = lo, xp.zeros_like(p)
    elif method == "higher":
        kf, a = xp.ceil(p), xp.zeros_like(p)
    elif method == "nearest":
        kf = xp.round(p) if convention == "torch" else xp.where(frac <= 0.5, lo, lo + 1)
        a = xp.zeros_like(p)
    else:  # midpoint
        kf = lo
        a = xp.where(frac > 0, xp.full_like(p, 0.5), xp.zeros_like(p))
    kf = xp.clip(kf, 0, n - 1)
    idt = index_dtype(xp, q)
    k = xp.astype(kf, idt)
    kp1 = xp.minimum(k + 1, xp.full_like(k, n - 1))
    return k, kp1, a, take_next


def _identity(fn: Callable[..., Any]) -> Callable[..., Any]:
    return fn


def _chunk_rows(i: Any, n_rows: int, chunk: int, dt: Any, dev: Any, *, xp: Any) -> tuple[Array, Array, Any]:
    start = i * chunk
    raw = xp.arange(chunk, dtype=dt, device=dev) + start
    return xp.minimum(raw, xp.full_like(raw, n_rows - 1)), raw < n_rows, start


def map_row_chunks(fn: Callable[[Array], Array], n_rows: int, like: Array, *, bk: Any, chunk: int = CHUNK) -> Array:
    """``out[..., r] = fn(rows)[..., i]`` for ``rows = [r_0, ..., r_{c-1}]`` in chunks of ``chunk``.

    ``fn`` maps an index array ``rows`` (c,) to (..., c) (rows past the end are clamped and their
    results discarded). ``like`` (..., *) gives the batch shape, dtype and device. For more than one
    chunk the loop runs through ``bk.fori_loop`` with a rematerialised body (``bk.checkpoint`` when
    the backend has it), so forward and backward hold O(batch * n_rows * chunk) intermediates.
    """
    xp = bk.xp
    dev = device(like)
    dt = index_dtype(xp, like)
    if n_rows <= chunk:
        return fn(xp.arange(n_rows, dtype=dt, device=dev))
    n_chunks = math.ceil(n_rows / chunk)
    checkpoint = getattr(bk, "checkpoint", _identity)
    positions = xp.arange(n_rows, dtype=dt, device=dev)

    def body(i: Any, out: Array) -> Array:
        rows, _, start = _chunk_rows(i, n_rows, chunk, dt, dev, xp=xp)
        vals = fn(rows)  # (..., chunk)
        local = xp.clip(positions - start, 0, chunk - 1)
        inside = (positions >= start) & (positions < start + chunk)
        return xp.where(inside, xp.take(vals, local, axis=-1), out)

    out0 = xp.zeros((*like.shape[:-1], n_rows), dtype=like.dtype, device=dev)
    return bk.fori_loop(0, n_chunks, checkpoint(body), out0)


def sum_row_chunks(
    fn: Callable[[Array, Array | None], tuple[Array, ...]],
    n_rows: int,
    init: tuple[Array, ...],
    *,
    bk: Any,
    chunk: int = CHUNK,
) -> tuple[Array, ...]:
    """``sum over chunks of fn(rows, valid)``; ``valid`` (c,) bool masks clamped rows (``None``: all valid).

    Same loop and rematerialisation as :func:`map_row_chunks`; ``init`` gives the zero accumulators.
    """
    xp = bk.xp
    like = init[0]
    dev = device(like)
    dt = index_dtype(xp, like)
    if n_rows <= chunk:
        return fn(xp.arange(n_rows, dtype=dt, device=dev), None)
    n_chunks = math.ceil(n_rows / chunk)
    checkpoint = getattr(bk, "checkpoint", _identity)

    def body(i: Any, acc: tuple[Array, ...]) -> tuple[Array, ...]:
        rows, valid, _ = _chunk_rows(i, n_rows, chunk, dt, dev, xp=xp)
        return tuple(a + b for a, b in zip(acc, fn(rows, valid), strict=True))

    return bk.fori_loop(0, n_chunks, checkpoint(body), tuple(init))
