r"""C-infinity projection onto a smoothed permutahedron (``method="smooth_sort"``, SPEC §2.3).

Given scores ``z`` and values ``w`` (..., n) and a softness ``s > 0``, return ``y`` (..., n):
a smooth relaxation of "``w`` rearranged in the order of ``z``" (the largest ``w`` where ``z`` is
largest). It is C-infinity in ``w`` and in ``z`` away from ties of ``z``; at a tie of ``z`` the
chamber below changes and ``y`` jumps (the barrier on ``d`` keeps tied outputs apart). All maths below is per row;
rows of any batch shape ``(...)`` are solved together.

**1. Smooth majorisation bounds.** With ``tau_b = min(s, 1)`` and ``e_k`` the elementary
symmetric polynomials,

.. math::  b_k = \tau_b \log e_k\bigl(e^{w_1/\tau_b}, \dots, e^{w_n/\tau_b}\bigr)\ (k < n),
           \qquad b_n = \textstyle\sum_i w_i,

a smooth upper bound of the sum of the ``k`` largest ``w`` (equal to it as ``tau_b -> 0``; Newton's
inequalities make ``b`` strictly concave in ``k``). ``log e_k`` is computed for all ``k`` at once by
multiplying the polynomials ``prod_j (1 + t e^{v_j})`` (``v = (w - max w) / tau_b``) in a balanced
binary tree of log-space convolutions (``ceil(log2 n)`` levels, O(n^2) work). Gradients reach
``w`` by ordinary autodiff. The problem only needs the increments ``delta_k = b_k - b_{k-1}``
(``b_0 = 0``), a soft sorted (descending) version of ``w``.

**2. Entropic LP in the chamber of z.** Let ``sigma`` sort ``z / s`` in descending order
(``zeta = (z / s)_sigma``) and work in that order. With ``D`` the (n-1, n) first difference
``(D y)_k = y_k - y_{k+1}``, ``L = D D^T`` the (n-1, n-1) tridiagonal second difference
(2 on the diagonal, -1 off it) and ``phi(u) = u log u - u``, the sorted output solves

.. math::  \max_{y:\ \sum y = b_n}\ \langle \zeta, y\rangle - \sum_{k<n} \phi(s_k) - \sum_{k<n} \phi(d_k),
           \qquad s_k = b_k - \textstyle\sum_{i \le k} y_i,\quad d = D y,

i.e. the linear objective with entropic barriers on the majorisation slacks ``s > 0`` and on the
monotonicity gaps ``d > 0`` (both temperatures 1; the softness sits in ``zeta = z / s``). Its
Lagrangian dual, after eliminating the multipliers of the slacks (``alpha``) and of the sum
(``nu``) by stationarity in ``y`` (``alpha = D zeta + L beta``, ``nu = zeta_n - beta_{n-1}``), is
the smooth convex problem in ``beta`` (n-1,)

.. math::  \min_\beta\ h(\beta) = \langle c, \beta\rangle + \sum_k e^{-\alpha_k} + \sum_k e^{-\beta_k},
           \qquad \alpha = \Delta + L\beta,\ \Delta = D\zeta \ge 0,\ c = D\delta,

(up to a constant), with ``grad h = c - L s - d``, ``s = e^{-alpha}``, ``d = e^{-beta}`` and
Hessian ``H = L diag(s) L + diag(d)`` (SPD, pentadiagonal). It is bounded below because
``b_k > k b_n / n`` (strict majorisation). The solvers minimise ``h / rho`` with
``rho = sum(c) = delta_1 - delta_n`` (the soft range of ``w``), so that the stopping rule
``||grad h||_1 <= lbfgs_tol * rho`` is scale free: it bounds the L1 mismatch between the gaps
implied by the prefix-sum slacks and the gaps ``d``. Default solver: damped Newton
(:mod:`softcore.solvers.newton`), the pentadiagonal ``H`` being solved exactly by block cyclic
reduction (:mod:`softcore.solvers.pentadiagonal`, O(n) work, O(log n) depth): 5-12 evaluations
from the start ``beta = -log c`` (exact in the hard limit ``s -> 0``), where the batched L-BFGS
(:mod:`softcore.solvers.lbfgs`, ``solver="lbfgs"``) needs hundreds for ``n >~ 100``. The primal is
recovered from the slacks,

.. math::  y = \delta - D^\top s\qquad\bigl((D^\top s)_k = s_k - s_{k-1},\ s_0 = s_n = 0\bigr),

so ``sum y = b_n`` exactly and every prefix sum of ``y`` stays below ``b_k`` (by ``s_k > 0``);
at the optimum ``D y = d > 0`` (strictly ordered like ``z``). Finally ``y`` is unsorted with
``sigma^{-1}``.

**3. Gradients (implicit differentiation, exact to second order).** The solve is a
:class:`~softcore._vjp.VJPRule` ``(Delta, c) -> beta*`` whose derivative is the implicit-function
theorem applied to ``grad h(beta*) = c - L s - d = 0``:

.. math::  \dot\beta = -H^{-1}\bigl(L\,(s \odot \dot\Delta) + \dot c\bigr),\qquad
           \bar\Delta = -s \odot L\eta,\quad \bar c = -\eta,\quad H\eta = \bar\beta,

(JVP and VJP; ``H`` solved by cyclic reduction through ``bk.linear_solve``, so JAX transposes the
JVP). Outside the rule, one **differentiable Newton step** ``beta = beta* - H^{-1} grad h(beta*)``
(plain array code, ``c = D delta`` and ``Delta`` as differentiable inputs) is taken before
``y = delta - D^T e^{-(Delta + L beta)}`` is formed by ordinary autodiff. At the solution the step
changes nothing numerically (it polishes ``beta*``), but it makes second derivatives exact: the
rule's derivative is exact to first order only (its coefficients ``s, d`` act as constants when it
is differentiated again), and a Newton step from a point that is first-order exact is exact to
third order. Hessians, ``jax.hessian``/``jacfwd``, ``torch.func`` transforms and double backward
therefore all work and agree with finite differences. Rows whose solve ended above
``||grad h||_1 / rho = 1e-3`` skip the step (first-order-exact derivatives only). The sort/unsort
by ``sigma`` and the bounds ``delta(w)`` are differentiated by the frameworks.

Precision: everything runs in the widest float the framework has enabled (float64; float32 for
JAX without x64), the output is cast back to the input dtype. float64 is needed for large ``n``
at large softness: the slacks ``s`` are then O(n) while the gradient ``c - L s - d`` is O(1/n),
so float32 loses about ``n^2 eps`` (``log e_k`` likewise loses ``n eps`` relative), and for
``n >~ 1000`` a float32 solve stops on stagnation near ``||grad h||_1 / rho ~ 1e-4`` (the solvers
return their best iterate; ``return_info`` reports it).
"""

from __future__ import annotations

import math
import numbers
from typing import Any, NamedTuple

from softcore._arrays import device
from softcore._typing import Array
from softcore._validate import check_bool, check_choice, check_int, check_softness
from softcore._vjp import VJPRule
from softcore.solvers.isotonic import _take
from softcore.solvers.lbfgs import lbfgs_minimize
from softcore.solvers.newton import newton_minimize
from softcore.solvers.pentadiagonal import pentadiagonal_matvec, solve_spd_pentadiagonal

__all__ = [
    "DUAL_SOLVE",
    "SmoothSortInfo",
    "log_elementary_symmetric",
    "proj_permutahedron_smooth",
    "smooth_bound_increments",
]


class SmoothSortInfo(NamedTuple):
    """Diagnostics of :func:`proj_permutahedron_smooth`, arrays of the batch shape ``(...)``."""

    error: Array  #: ``||grad h||_1 / rho`` at the returned point (relative gap mismatch)
    n_iter: Array  #: solver objective evaluations spent on the row
    converged: Array  #: ``error <= lbfgs_tol`` (False for NaN)


# ------------------------------------------------------------------------------------------------
# 1. Smooth majorisation bounds
# ------------------------------------------------------------------------------------------------


def _safe_logsumexp(x: Array, axis: int, *, bk: Any) -> Array:
    """``log sum exp`` along ``axis`` that returns ``-inf`` (value) and 0 (gradient) for all-``-inf``
    slices (double where: no ``inf - inf``, no ``log 0`` on the differentiated path)."""
    xp = bk.xp
    m = bk.stop_gradient(xp.max(x, axis=axis, keepdims=True))
    m = xp.where(xp.isfinite(m), m, xp.zeros_like(m))
    total = xp.sum(xp.exp(x - m), axis=axis, keepdims=True)
    pos = total > 0
    out = xp.where(pos, xp.log(xp.where(pos, total, xp.ones_like(total))) + m, xp.full_like(total, -float("inf")))
    return xp.squeeze(out, axis=axis)


def log_elementary_symmetric(v: Array, *, bk: Any) -> Array:
    r"""``log e_k(exp(v))`` for ``k = 0..n`` along the last axis: (..., n) -> (..., n + 1).

    ``e_k`` is the coefficient of ``t^k`` in ``prod_j (1 + t e^{v_j})``. The product is formed in a
    balanced binary tree: two polynomials of degree ``m`` (log coefficients ``a``, ``b``) multiply
    into ``log c_k = logsumexp_{i + j = k} (a_i + b_j)``, evaluated on the (m+1, m+1) outer sum
    sheared so that the anti-diagonals become columns. The length is padded to a power of two
    with factors ``1 + t e^{-inf} = 1``; ``-inf`` is handled NaN-free (values and gradients).
    Keep ``v <= 0`` (shift by the maximum) for the best accuracy.
    """
    xp = bk.xp
    n = v.shape[-1]
    batch = v.shape[:-1]
    size = 1
    while size < n:
        size *= 2
    if size > n:
        pad = xp.full((*batch, size - n), -float("inf"), dtype=v.dtype, device=device(v))
        v = xp.concat([v, pad], axis=-1)
    polys = xp.stack([xp.zeros_like(v), v], axis=-1)  # (..., size, 2): log [1, e^v]
    deg = 1
    while polys.shape[-2] > 1:
        k = polys.shape[-2]
        pairs = xp.reshape(polys, (*batch, k // 2, 2, deg + 1))
        a, b = pairs[..., 0, :], pairs[..., 1, :]
        outer = a[..., :, None] + b[..., None, :]  # (..., k/2, deg+1, deg+1): [i, j] -> degree i + j
        fill = xp.full_like(outer, -float("inf"))
        sheared = xp.reshape(xp.concat([outer, fill], axis=-1), (*batch, k // 2, (deg + 1) * (2 * deg + 2)))
        sheared = xp.reshape(sheared[..., : (deg + 1) * (2 * deg + 1)], (*batch, k // 2, deg + 1, 2 * deg + 1))
        polys = _safe_logsumexp(sheared, -2, bk=bk)  # (..., k/2, 2 deg + 1): row i now holds degree i + col - i
        deg *= 2
    return polys[..., 0, : n + 1]


def smooth_bound_increments(w: Array, tau_b: Any, *, bk: Any) -> tuple[Array, Array]:
    r"""Increments of the smooth majorisation bounds: ``(delta - m, m)`` with ``m = max(w)`` (..., 1).

    ``delta_k = b_k - b_{k-1}`` (``k = 1..n``; module docstring, step 1), returned shifted by the
    row maximum ``m`` (a constant for autodiff: ``delta - m`` does not depend on it), which keeps
    the shifted increments free of cancellation for large ``|w|``. Shapes: ``w`` (..., n) ->
    ((..., n), (..., 1)). Descending in ``k``; ``sum(delta) = sum(w)``.
    """
    xp = bk.xp
    m = bk.stop_gradient(xp.max(w, axis=-1, keepdims=True))
    # v <= 0, floored so that sums of n entries stay finite (only inputs within a few orders of
    # magnitude of the largest float reach the floor).
    floor = -float(xp.finfo(w.dtype).max) / (4 * w.shape[-1])
    v = xp.maximum((w - m) / tau_b, xp.full_like(w, floor))
    le = log_elementary_symmetric(v, bk=bk)  # (..., n + 1)
    le = xp.concat([le[..., :-1], xp.sum(v, axis=-1, keepdims=True)], axis=-1)  # log e_n = sum v exactly
    return tau_b * (le[..., 1:] - le[..., :-1]), m


# ------------------------------------------------------------------------------------------------
# 2./3. The dual solve, its derivative rule and the differentiable Newton correction
# ------------------------------------------------------------------------------------------------


def _lap(v: Array, *, xp: Any) -> Array:
    """``L v`` (second difference, zero boundary): (..., m) -> (..., m)."""
    z = xp.zeros_like(v[..., :1])
    return 2 * v - xp.concat([z, v[..., :-1]], axis=-1) - xp.concat([v[..., 1:], z], axis=-1)


def _diff(y: Array) -> Array:
    """``D y``: (..., n) -> (..., n - 1), ``y_k - y_{k+1}``."""
    return y[..., :-1] - y[..., 1:]


def _diff_t(s: Array, *, xp: Any) -> Array:
    """``D^T s``: (..., n - 1) -> (..., n), ``s_k - s_{k-1}`` with ``s_0 = s_n = 0``."""
    z = xp.zeros_like(s[..., :1])
    return xp.concat([s, z], axis=-1) - xp.concat([z, s], axis=-1)


def _hessian_bands(s: Array, d: Array, *, xp: Any) -> tuple[Array, Array, Array]:
    """Bands of ``H = L diag(s) L + diag(d)`` (..., m), (..., m-1), (..., m-2)."""
    z = xp.zeros_like(s[..., :1])
    d0 = xp.concat([z, s[..., :-1]], axis=-1) + 4 * s + xp.concat([s[..., 1:], z], axis=-1) + d
    d1 = -2 * (s[..., :-1] + s[..., 1:])
    d2 = s[..., 1:-1]
    return d0, d1, d2


def _solve_h(s: Array, d: Array, rhs: Array, *, bk: Any) -> Array:
    """``H^{-1} rhs`` through ``bk.linear_solve`` (differentiated/transposed as a linear map)."""
    xp = bk.xp
    d0, d1, d2 = _hessian_bands(s, d, xp=xp)

    def matvec(x: Array) -> Array:
        return pentadiagonal_matvec(d0, d1, d2, x, xp=xp)

    def solve(r: Array) -> Array:
        return solve_spd_pentadiagonal(d0, d1, d2, r, bk=bk)

    return bk.linear_solve(matvec, rhs, solve)


def _dual_fwd(
    gaps: Array, c: Array, *, bk: Any, **static: Any
) -> tuple[tuple[Array, Array, Array], tuple[Array, Array]]:
    """``(Delta, c) (..., n-1) -> (beta, error, n_eval)``, residuals ``(s, d)`` at ``beta``
    (``static``: the keywords of :func:`_dual_solve`)."""

    def solve(gaps: Array, c: Array) -> tuple[Array, ...]:
        return _dual_solve(gaps, c, bk=bk, **static)

    # one problem per row of the batch: a backend may run each device's rows on their own
    batch_ndim = max(gaps.ndim, c.ndim) - 1
    beta, err, n_eval, s, d = bk.per_row(solve, bk.stop_gradient(gaps), bk.stop_gradient(c), batch_ndim=batch_ndim)
    return (beta, err, n_eval), (s, d)


def _dual_solve(
    gaps: Array,
    c: Array,
    *,
    solver: str,
    tol: float,
    max_iter: int,
    history: int,
    check_every: int,
    bk: Any,
) -> tuple[Array, Array, Array, Array, Array]:
    """The dual solve of :func:`_dual_fwd` on ``(..., n-1)`` rows: ``(beta, error, n_eval, s, d)``."""
    xp = bk.xp
    eps = float(xp.finfo(c.dtype).eps)
    tiny = float(xp.finfo(c.dtype).smallest_normal)
    rho = xp.sum(c, axis=-1, keepdims=True)
    rho = xp.where(rho > tiny, rho, xp.full_like(rho, 1.0))  # (..., 1)
    c_n = c / rho  # the solvers minimise h / rho

    def objective(beta: Array) -> tuple[Array, Array, Array, tuple[Array, Array]]:
        s = xp.exp(-(gaps + _lap(beta, xp=xp))) / rho
        d = xp.exp(-beta) / rho
        cb = c_n * beta
        sum_sd = xp.sum(s, axis=-1) + xp.sum(d, axis=-1)
        value = xp.sum(cb, axis=-1) + sum_sd
        grad = c_n - _lap(s, xp=xp) - d
        scale = xp.sum(xp.abs(cb), axis=-1) + sum_sd
        return value, grad, scale, (s, d)

    # Start: beta = -log c, exact as the softness -> 0 (s -> 0, d = c). Where its slacks
    # e^{-(Delta + L beta)} would overflow (c spanning ~30+ orders of magnitude in float32), start
    # from the constant beta = -log(rho) / 2 instead, whose d and s lie within rho^{+-1}.
    beta_log = -xp.log(xp.maximum(c, eps * rho))
    log_max = math.log(float(xp.finfo(c.dtype).max)) - math.log(4.0 * c.shape[-1])
    safe = xp.all(gaps + _lap(beta_log, xp=xp) > -log_max, axis=-1, keepdims=True)
    beta0 = xp.where(safe, beta_log, -0.5 * xp.log(rho) + xp.zeros_like(c))
    if solver == "newton":

        def direction(grad: Array, aux: tuple[Array, ...]) -> Array:
            d0, d1, d2 = _hessian_bands(aux[0], aux[1], xp=xp)
            return -solve_spd_pentadiagonal(d0, d1, d2, grad, bk=bk)

        st: Any = newton_minimize(
            objective, direction, beta0, n_aux=2, tol=tol, max_iter=max_iter, check_every=check_every, bk=bk
        )
    else:
        st = lbfgs_minimize(
            lambda b: objective(b)[:3],
            beta0,
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            bk=bk,
        )
    beta = st.x
    s = xp.exp(-(gaps + _lap(beta, xp=xp)))
    d = xp.exp(-beta)
    return beta, st.err, st.n_eval, s, d


def _dual_bwd(res: tuple[Array, Array], cts: Any, *, bk: Any, **_: Any) -> tuple[Array, Array]:
    """``beta_bar -> (Delta_bar, c_bar) = (-s * L eta, -eta)``, ``H eta = beta_bar``."""
    xp = bk.xp
    s, d = res
    g = cts[0] if isinstance(cts, (tuple, list)) else cts
    if g is None:
        return xp.zeros_like(s), xp.zeros_like(s)
    eta = _solve_h(s, d, g, bk=bk)
    return -s * _lap(eta, xp=xp), -eta


def _dual_jvp(res: tuple[Array, Array], tangents: Any, *, bk: Any, **_: Any) -> tuple[Any, None, None]:
    """``beta_dot = -H^{-1} (L (s * Delta_dot) + c_dot)``."""
    xp = bk.xp
    s, d = res
    t_gaps, t_c = tangents
    if t_gaps is None and t_c is None:
        return None, None, None
    rhs = xp.zeros_like(s)
    if t_gaps is not None:
        rhs = rhs + _lap(s * t_gaps, xp=xp)
    if t_c is not None:
        rhs = rhs + t_c
    return -_solve_h(s, d, rhs, bk=bk), None, None


#: ``(Delta, c) -> (beta*, error, n_eval)``: the dual solve with first-order implicit derivatives.
DUAL_SOLVE = VJPRule("permutahedron_smooth_dual", _dual_fwd, _dual_bwd, n_outputs=3, jvp=_dual_jvp)

#: Rows whose solve ended above this relative gradient norm get no Newton correction.
_CORRECTION_MAX_ERROR = 1e-3


def _newton_correction(beta: Array, gaps: Array, c: Array, ok: Array, *, bk: Any) -> Array:
    """One differentiable Newton step ``beta - H^{-1} grad h(beta)`` (rows with ``ok``), see module docstring."""
    xp = bk.xp
    s = xp.exp(-(gaps + _lap(beta, xp=xp)))
    d = xp.exp(-beta)
    grad = c - _lap(s, xp=xp) - d
    grad = xp.where(ok[..., None], grad, xp.zeros_like(grad))
    return beta - _solve_h(s, d, grad, bk=bk)


# ------------------------------------------------------------------------------------------------
# Public projection
# ------------------------------------------------------------------------------------------------


def _positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


def _work_dtype(dtype: Any, *, xp: Any) -> Any:
    """The widest float the framework has enabled: float64 (float32 for JAX without x64)."""
    return xp.result_type(dtype, xp.float64)


def proj_permutahedron_smooth(
    z: Array,
    w: Array,
    softness: Any = 1.0,
    *,
    lbfgs_tol: float = 1e-5,
    lbfgs_max_iter: int = 10000,
    z_ascending: bool = False,
    return_info: bool = False,
    solver: str = "newton",
    check_every: int | None = None,
    lbfgs_history: int = 10,
    bk: Any,
) -> Any:
    r"""Smooth projection of ``z / softness`` onto the smoothed permutahedron of ``w`` (module docstring).

    Args:
        z: scores (..., n); ``w``: values (..., n) (broadcastable; integers -> default float).
        softness: ``s > 0`` (Python number or array broadcastable to ``(..., 1)``); the bounds use
            ``tau_b = min(s, 1)``.
        lbfgs_tol: stop when ``||grad h||_1 <= lbfgs_tol * rho`` (relative gap mismatch).
        lbfgs_max_iter: objective-evaluation budget of the solver (line-search trials included).
        z_ascending: promise that ``z`` is strictly increasing along the last axis (anchors), which
            replaces its sort by a flip.
        return_info: also return a :class:`SmoothSortInfo`.
        solver: ``"newton"`` (default: damped Newton with the exact pentadiagonal Hessian solve,
            typically 5-12 evaluations) or ``"lbfgs"`` (hundreds of evaluations for large ``n``).
            Both stop on the same criterion; ``lbfgs_tol`` / ``lbfgs_max_iter`` apply to either.
        check_every: solver steps between two convergence tests (one host sync each in torch);
            default 1 for Newton, 10 for L-BFGS.
        lbfgs_history: number of L-BFGS curvature pairs.

    Returns:
        ``y`` (..., n) in the dtype of ``z``/``w`` (and the info). Hard limit (``s -> 0``): ``w``
        rearranged in the order of ``z``. ``sum(y) = sum(w)``; ``y`` is ordered like ``z``.
    """
    xp = bk.xp
    check_softness(softness)
    lbfgs_tol = _positive_float("lbfgs_tol", lbfgs_tol)
    lbfgs_max_iter = check_int("lbfgs_max_iter", lbfgs_max_iter, minimum=1)
    check_choice("solver", solver, ("newton", "lbfgs"))
    if check_every is None:
        check_every = 1 if solver == "newton" else 10
    check_every = check_int("check_every", check_every, minimum=1)
    lbfgs_history = check_int("lbfgs_history", lbfgs_history, minimum=1)
    check_bool("z_ascending", z_ascending)
    check_bool("return_info", return_info)
    dtype = xp.result_type(z.dtype, w.dtype)
    if not xp.isdtype(dtype, "real floating"):
        dtype = bk.default_float_dtype()
    wd = _work_dtype(dtype, xp=xp)
    z, w = xp.broadcast_arrays(xp.astype(z, wd), xp.astype(w, wd))
    n = z.shape[-1]
    batch = z.shape[:-1]
    if isinstance(softness, numbers.Real):
        tau_b: Any = min(float(softness), 1.0)
    else:
        softness = xp.astype(softness, wd)
        tau_b = xp.minimum(softness, xp.ones_like(softness))
    if n == 1:  # the permutahedron of one value is that value
        y = w + 0 * z
        zero = xp.zeros(batch, dtype=wd, device=device(w))
        info = SmoothSortInfo(error=zero, n_iter=zero, converged=zero == 0)
        y = xp.astype(y, dtype)
        return (y, info) if return_info else y

    inc, shift = smooth_bound_increments(w, tau_b, bk=bk)  # (..., n), (..., 1)
    big = float(xp.finfo(wd).max) / 4
    zs = xp.clip(z / softness, -big, big)  # overflow-safe gaps (an inf - inf would be NaN)
    if z_ascending:
        zd = xp.flip(zs, axis=-1)
        inv = None
    else:
        perm = xp.argsort(bk.stop_gradient(-zs), axis=-1, stable=True)  # (..., n): descending order
        zd = _take(zs, perm, bk=bk)
        pos = xp.broadcast_to(xp.arange(n, dtype=perm.dtype, device=device(perm)), perm.shape)
        inv = bk.segment_sum(pos, perm, num_segments=n)  # inverse permutation
    gaps = zd[..., :-1] - zd[..., 1:]  # (..., n-1) >= 0
    c = _diff(inc)  # (..., n-1): gaps of the soft bound increments
    # c > 0 in exact arithmetic (strict concavity of b), but a c far below the row's range
    # (|w| spreads past ~1/eps) cancels to 0 or below, and a zero c makes the dual unbounded.
    # Floor it at the rounding level of the increments: a perturbation within their error.
    c_floor = (8 * c.shape[-1] * float(xp.finfo(wd).eps)) * bk.stop_gradient(
        xp.max(xp.abs(inc), axis=-1, keepdims=True) + xp.sum(xp.abs(c), axis=-1, keepdims=True)
    )
    c = xp.maximum(c, c_floor)
    beta, err, n_eval = bk.custom_vjp(DUAL_SOLVE)(
        gaps,
        c,
        solver=solver,
        tol=lbfgs_tol,
        max_iter=lbfgs_max_iter,
        history=lbfgs_history,
        check_every=check_every,
    )
    ok = bk.stop_gradient(err) <= _CORRECTION_MAX_ERROR
    beta = _newton_correction(beta, gaps, c, ok, bk=bk)
    s = xp.exp(-(gaps + _lap(beta, xp=xp)))
    y_sorted = inc - _diff_t(s, xp=xp)
    y_sorted = y_sorted + shift
    y = xp.flip(y_sorted, axis=-1) if inv is None else _take(y_sorted, inv, bk=bk)
    y = xp.astype(y, dtype)
    if not return_info:
        return y
    sg = bk.stop_gradient
    info = SmoothSortInfo(error=sg(err), n_iter=sg(n_eval), converged=sg(err) <= lbfgs_tol)
    return y, info
