r"""Regularised projections onto the probability simplex (the "projection family" of modes).

For scores ``x`` (..., n) and softness ``s`` the projection is

.. math::  y = \operatorname{argmax}_{y \in \Delta^{n-1}} \langle x / s, y \rangle - R(y)

along the last axis (or ``axis``), with

========  ======================================  =============================================
mode      regulariser ``R``                       solution (``z = x / s``)
========  ======================================  =============================================
smooth    negative entropy ``sum y log y``        ``softmax(z)``
c0        ``||y||^2 / 2`` (p = 2)                 ``y_i = [z_i - theta]_+`` (sparsemax)
c1        p-norm, p = 3/2                         ``y_i = [z_i - theta]_+^2``
c2        p-norm, p = 4/3                         ``y_i = [z_i - theta]_+^3``
========  ======================================  =============================================

For the sparse modes, with ``m = 1, 2, 3`` the exponent and ``t = [z - theta]_+``, the threshold
``theta`` is the unique root of ``F(theta) = sum_i [z_i - theta]_+^m - 1``; ``theta`` lies in
``[max z - 1, max z)``. It is found in closed form on the sorted scores ``u`` (descending,
shifted so that ``u_1 = 0``): element ``k`` is in the support ``S`` iff
``F(u_k) = sum_{i<=k} (u_i - u_k)^m < 1``, and on a support of size ``k`` the root solves

* c0: ``k theta = U1 - 1``,
* c1: ``k theta^2 - 2 U1 theta + U2 - 1 = 0`` (quadratic formula, smaller root),
* c2: with ``mu = U1/k``, ``phi = mu - theta``:
  ``phi^3 + (3 M2/k) phi + (M3 - 1)/k = 0`` (central moments ``M2``, ``M3``), solved with the
  hyperbolic form of Cardano's formula,

where ``Uj`` are prefix sums of ``u^j``. Only elements within 1 of the maximum can be in the
support, so all prefix sums that matter involve values in ``[-1, 0]`` (no cancellation).

**Derivatives.** The support ``S`` and the closed-form root ``theta_0`` are computed under
``stop_gradient``. The differentiable threshold is then obtained by Newton steps on
``F_S(z, theta) = sum_{i in S} (z_i - theta)^m - 1`` starting from ``theta_0``: at the root a
Newton step has zero derivative in ``theta``, so one step (c0, where ``F_S`` is linear in theta,
it is exact to all orders) or two steps (c1, c2: error ``O(|dz|^4)``) reproduce the implicit
function ``theta(z)`` with exact first, second and third derivatives:
``dtheta = sum_S t^(m-1) dz / sum_S t^(m-1)`` and
``dy = m t^(m-1) (dz - dtheta)`` on the support. No sort, square root or Cardano term is ever
differentiated, so gradients and Hessians are NaN-free everywhere, including at the kinks where
an element enters or leaves the support (there the one-sided derivative of the chosen support is
returned). ``smooth`` is a plain softmax (exact autodiff).

Half-precision inputs are projected in float32 and cast back.
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import cumsum, device, ensure_float
from softcore._numerics import log_softmax, softmax
from softcore._typing import Array
from softcore._validate import check_bool, check_choice, check_softness

__all__ = ["SIMPLEX_MODES", "proj_simplex"]

SIMPLEX_MODES = ("smooth", "c0", "c1", "c2")
_POWER = {"c0": 1, "c1": 2, "c2": 3}
_NEWTON_STEPS = {1: 1, 2: 2, 3: 2}


def proj_simplex(
    x: Array,
    softness: Any = 0.1,
    mode: str = "smooth",
    *,
    axis: int = -1,
    return_log_probs: bool = False,
    bk: Any,
) -> Array:
    r"""Project ``x / softness`` onto the probability simplex along ``axis`` (see module docstring).

    ``mode`` is one of ``smooth`` (softmax), ``c0`` (sparsemax), ``c1`` (p = 3/2), ``c2`` (p = 4/3).
    With ``return_log_probs=True`` the logarithm of the result is returned, computed in log space
    (``log_softmax`` for smooth; ``m log t - log sum t^m`` with exact ``-inf`` outside the support
    for the sparse modes).

    Shapes: ``x`` (..., n, ...) -> same shape; each slice along ``axis`` sums to 1.
    """
    xp = bk.xp
    check_choice("mode", mode, SIMPLEX_MODES)
    check_softness(softness)
    check_bool("return_log_probs", return_log_probs)
    x = ensure_float(x, bk=bk)
    ndim = x.ndim
    if not -ndim <= axis < ndim:
        raise ValueError(f"axis={axis} is out of range for an array of dimension {ndim}.")
    moved = axis % ndim != ndim - 1
    if moved:
        x = _move_axis(x, axis, -1, xp=xp)
    out = _proj_last(x, softness, mode, return_log_probs, bk=bk)
    if moved:
        out = _move_axis(out, -1, axis, xp=xp)
    return out


def _move_axis(x: Array, source: int, destination: int, *, xp: Any) -> Array:
    """``moveaxis`` via ``permute_dims`` (torch.func.vmap cannot batch ``torch.moveaxis``)."""
    order = [i for i in range(x.ndim) if i != source % x.ndim]
    order.insert(destination % x.ndim, source % x.ndim)
    return xp.permute_dims(x, tuple(order))


def _proj_last(x: Array, softness: Any, mode: str, log: bool, *, bk: Any) -> Array:
    xp = bk.xp
    # Shift by the (constant) maximum before dividing: the projection is shift invariant, and the
    # shifted scores stay finite for tiny softness and huge inputs.
    top = bk.stop_gradient(xp.max(x, axis=-1, keepdims=True))
    top = xp.where(xp.isfinite(top), top, xp.zeros_like(top))
    if mode == "smooth":
        z = (x - top) / softness
        return log_softmax(z, axis=-1, xp=xp) if log else softmax(z, axis=-1, xp=xp)
    dtype = x.dtype
    work = x if dtype in (xp.float32, xp.float64) else xp.astype(x, xp.float32)
    top = xp.astype(top, work.dtype)
    u = (work - top) / softness  # (..., n), max 0
    power = _POWER[mode]
    t = _threshold_residual(u, power, bk=bk)  # (..., n), >= 0, sum t^m = 1
    tm = t if power == 1 else t**power
    total = xp.sum(tm, axis=-1, keepdims=True)
    if log:
        pos = t > 0
        safe_t = xp.where(pos, t, xp.ones_like(t))
        logt = xp.where(pos, power * xp.log(safe_t), xp.full_like(t, -float("inf")))
        out = logt - xp.log(total)
    else:
        out = tm / total
    return out if out.dtype == dtype else xp.astype(out, dtype)


def _threshold_residual(u: Array, power: int, *, bk: Any) -> Array:
    """``t = [u - theta]_+`` with ``sum t^power = 1``; exact derivatives through Newton polishing."""
    xp = bk.xp
    us = bk.stop_gradient(u)
    theta0, support = _threshold_closed_form(us, power, xp=xp)  # (..., 1), (..., n) bool
    theta = theta0
    for _ in range(_NEWTON_STEPS[power]):
        d = xp.where(support, u - theta, xp.zeros_like(u))
        if power == 1:
            f = xp.sum(d, axis=-1, keepdims=True) - 1
            df = xp.sum(xp.astype(support, u.dtype), axis=-1, keepdims=True)
        else:
            f = xp.sum(d**power, axis=-1, keepdims=True) - 1
            df = power * xp.sum(d if power == 2 else d * d, axis=-1, keepdims=True)
        theta = theta + f / df
    diff = u - theta
    return xp.where(support & (diff > 0), diff, xp.zeros_like(diff))


def _threshold_closed_form(us: Array, power: int, *, xp: Any) -> tuple[Array, Array]:
    """Support (by sort and prefix sums) and the closed-form root on it. No derivatives needed."""
    n = us.shape[-1]
    dev = device(us)
    v = xp.sort(us, axis=-1, descending=True, stable=True)  # (..., n), v[0] = 0
    v = xp.clip(v, -2.0, 0.0)  # values below -1 are never in the support; keeps the sums bounded
    k = xp.arange(1, n + 1, dtype=us.dtype, device=dev)  # (n,)
    u1 = cumsum(v, xp=xp)
    if power == 1:
        f_at = u1 - k * v
    else:
        u2 = cumsum(v * v, xp=xp)
        if power == 2:
            f_at = u2 - 2 * v * u1 + k * v * v
        else:
            u3 = cumsum(v * v * v, xp=xp)
            f_at = u3 - 3 * v * u2 + 3 * v * v * u1 - k * v * v * v
    valid = (v > -1) & (f_at < 1)  # (..., n); true exactly for the first |S| sorted positions
    index_dtype = xp.__array_namespace_info__().default_dtypes(device=None)["indexing"]
    size = xp.sum(xp.astype(valid, index_dtype), axis=-1, keepdims=True)
    size = xp.maximum(size, xp.ones_like(size))  # at least the maximum
    last = size - 1  # (..., 1) index of the smallest support element in sorted order
    kk = xp.astype(size, us.dtype)
    s1 = xp.take_along_axis(u1, last, axis=-1)
    if power == 1:
        theta = (s1 - 1) / kk
    elif power == 2:
        s2 = xp.take_along_axis(u2, last, axis=-1)
        disc = xp.clip(s1 * s1 - kk * (s2 - 1), 0.0, None)
        theta = (s1 - xp.sqrt(disc)) / kk
    else:
        s2 = xp.take_along_axis(u2, last, axis=-1)
        s3 = xp.take_along_axis(u3, last, axis=-1)
        mu = s1 / kk
        m2 = xp.clip(s2 - s1 * mu, 0.0, None)
        m3 = s3 - 3 * mu * s2 + 2 * kk * mu * mu * mu
        theta = mu - _depressed_cubic_root(3 * m2 / kk, (m3 - 1) / kk, xp=xp)
    kth = xp.take_along_axis(v, last, axis=-1)  # smallest support value (ties enter together)
    return theta, us >= kth


def _depressed_cubic_root(p: Array, q: Array, *, xp: Any) -> Array:
    """Real root of ``phi^3 + p phi + q = 0`` for ``p >= 0`` (hyperbolic Cardano; cube root at p = 0)."""
    big = p > 1e-12
    ps = xp.where(big, p, xp.ones_like(p))
    r = xp.sqrt(ps / 3)
    hyper = -2 * r * xp.sinh(xp.asinh(1.5 * q / (ps * r)) / 3)
    mq = -q
    root = xp.abs(mq) ** (1 / 3)
    # real cube root without xp.sign (array-api-compat's torch sign indexes with a boolean mask,
    # which torch.func.vmap rejects)
    cube = xp.where(mq < 0, -root, root)
    return xp.where(big, hyper, cube)
