r"""Decreasing isotonic regression with separable convex losses: batched, parallel, exact blocks.

Problem (one per row of the last axis, ``s`` and ``w`` of shape ``(..., n)``)::

    v* = argmin_{v_1 >= v_2 >= ... >= v_n}  sum_i f_i(v_i)

with the per-element losses of the permutahedron projections (Blondel et al., arXiv 2002.08871,
SPEC §2.3 "fast_soft_sort"); ``R*`` is the conjugate of the regulariser, ``t = s - v``:

==========  =======================================  ==========================================
mode        ``f_i(v)``                               pooled value ``gamma_B`` of a block ``B``
==========  =======================================  ==========================================
``c0``      ``(s_i - v)^2 / 2 + w_i v``              ``mean_B(s - w)``
``smooth``  ``exp(s_i - v) + exp(w_i) v``            ``LSE_B(s) - LSE_B(w)``
``c1``      ``|s_i - v|^3 / 3 + w_i v`` (q = 3)      root of ``sum_B (s_i - g)|s_i - g| = sum_B w``
``c2``      ``(s_i - v)^4 / 4 + w_i v`` (q = 4)      root of ``sum_B (s_i - g)^3 = sum_B w``
==========  =======================================  ==========================================

The solution is piecewise constant on *blocks* (runs of positions); :func:`isotonic_decreasing`
returns ``v*`` and the block id of every position. The block partition is the finest optimal one
(a position ends a block wherever the Lagrange multiplier of ``v_k >= v_{k+1}`` is zero), which is
also what the textbook pool-adjacent-violators algorithm produces when it pools only strictly
violating neighbours.

Algorithm (parallel, O(log n) rounds in practice, no Python loop over rows):

1. **Free cuts.** With ``u_i = argmin f_i`` (the unconstrained per-element minimiser), every
   optimal block value lies in ``[min_B u, max_B u]``; hence the problem decouples between ``k``
   and ``k + 1`` whenever ``min(u_1..u_k) >= max(u_{k+1}..u_n)``. These cuts are found with one
   prefix-min and one suffix-max scan. With a fast ``cumulative_min`` kernel they are repeated
   in every round with ``u`` clipped to the bounds ``[lo, hi]`` that earlier threshold cuts
   proved for the optimum ("band cuts"), which roughly halves the number of rounds. They are
   skipped when the rounds run compacted (the ``"nonzero"`` slot, below): on the few positions
   left there a round costs little and the band cuts' ~30 extra array ops per round outweigh
   the rounds they save (torch, 1 x 1024 .. 64 x 1024: 0.65-0.8x solver time without them; 1 x
   16384 sort: 8 rounds instead of 5 in the same time).
2. **Threshold splitting** (the threshold/cut characterisation of separable convex isotonic
   regression, cf. Hochbaum & Queyranne; for ``c0`` it is quickhull on the cumulative-sum
   diagram). For a segment ``[a, b]`` with pooled value ``theta`` (``sum f_i'(theta) = 0``) let
   ``G(k) = sum_{i=a..k} f_i'(theta)``. The positions with ``v*_i > theta`` form the prefix that
   ends at the smallest minimiser of ``G``, those with ``v*_i >= theta`` the prefix ending at the
   largest one, and the multiplier of every constraint at a minimiser ``k`` with ``G(k) <= 0`` is
   zero. So each round cuts every segment after *every* interior minimiser of ``G`` whose value
   is ``<= 0``; a segment whose interior ``G`` is positive is one optimal block. Every round cuts
   each unfinished segment into at least two, so there are at most ``n`` rounds; the number of
   rounds is the depth of this divide and conquer, ``log2(n) + O(1)`` on the data of the
   permutahedron projections (measured in ``benchmarks/bench_permutahedron.py``).

Each round is O(n) array work: segment sums (``bk.segment_sum``), one cumulative sum and a
segmented minimum (a doubling suffix-min scan, ``ceil(log2(longest unfinished segment))`` steps).
All rows are laid end to end in one flat array and run in lockstep inside ``bk.while_loop``:
torch pays one host sync per round (plus one cheap check per scan step), JAX traces one loop.
The solver runs inside a VJPRule forward and is never differentiated. Exactness: block decisions
are exact up to the rounding of the working dtype (near-ties closer than that may be decided
either way, as in any floating-point PAV).

Kernel slots (DESIGN §4.8): a backend may provide ``bk.kernels`` (a dict) with
``"isotonic_decreasing"`` (replaces the whole solver; same signature and exact outputs) and
``"cumulative_min"`` (``x -> running minimum along the last axis``, e.g. ``torch.cummin`` or
``jax.lax.cummin``; the reference is a doubling scan), ``"segment_min"`` (``(data, segment_ids,
num_segments) -> `` the minimum of each segment, like ``bk.segment_sum``; the reference is the
segmented doubling scan, ``ceil(log2(longest segment))`` steps per round), ``"gather"`` and
``"take_along_axis"`` (see :func:`_take`) and ``"nonzero"`` (``mask -> `` the ascending indices
of the ``True`` entries of a 1-D mask, a data-dependent shape: only for eager backends; the rounds
then run on the positions of segments longer than one, see :func:`_compacted_rounds`; the
reference keeps every position in every round). They are looked up with
``getattr(bk, "kernels", {})``; register one only when ``benchmarks/`` shows that it is faster
(or, for ``take_along_axis``, that it keeps a sharded batch on its devices).
"""

from __future__ import annotations

import functools
from typing import Any, NamedTuple

from softcore._arrays import cumsum, device
from softcore._typing import Array
from softcore._validate import check_choice

__all__ = ["ISOTONIC_MODES", "isotonic_decreasing", "element_minimiser", "working_dtype"]

ISOTONIC_MODES = ("smooth", "c0", "c1", "c2")
_BAND_CUTS: bool | None = None  # free cuts in every round: None = with a cumulative_min kernel and no nonzero one


def _kernels(bk: Any) -> dict[str, Any]:
    return getattr(bk, "kernels", None) or {}


def working_dtype(dtype: Any, mode: str, *, xp: Any) -> Any:
    """Dtype the solver runs in: half precision -> float32; ``c1``/``c2`` -> the widest float the
    framework has enabled (float64, or float32 for JAX without x64)."""
    if mode in ("c1", "c2"):
        return xp.result_type(dtype, xp.float64)
    if dtype == xp.float64 or dtype == xp.float32:
        return dtype
    return xp.float32


# ------------------------------------------------------------------------------------------------
# Scans (reference implementations of the kernel slots)
# ------------------------------------------------------------------------------------------------


def cumulative_min(x: Array, *, bk: Any) -> Array:
    """Running minimum along the last axis (Hillis-Steele doubling: ``ceil(log2 n)`` steps)."""
    impl = _kernels(bk).get("cumulative_min")
    if impl is not None:
        return impl(x)
    xp = bk.xp
    n = x.shape[-1]
    inf = xp.full(x.shape, float("inf"), dtype=x.dtype, device=device(x))
    h = 1
    while h < n:
        x = xp.minimum(x, xp.concat([inf[..., :h], x[..., :-h]], axis=-1))
        h *= 2
    return x


def _suffix_max(x: Array, *, bk: Any) -> Array:
    xp = bk.xp
    return -xp.flip(cumulative_min(-xp.flip(x, axis=-1), bk=bk), axis=-1)


def _segment_suffix_min(x: Array, remaining: Array, max_len: Array, longest: int, *, bk: Any) -> Array:
    """``out_k = min(x_k, ..., x_{end_k})``: the minimum over the rest of ``k``'s segment.

    ``remaining = end_k - k``. Doubling scan with static shifts ``h = 1, 2, 4, ... < longest``
    (the longest possible segment); each step is its own one-iteration ``bk.while_loop`` guarded by
    ``h < max_len``, so only ``ceil(log2(max_len))`` steps run (eager torch: one cheap host check
    per skipped step; JAX: a conditional).
    """
    xp = bk.xp
    n = x.shape[-1]
    inf = xp.full(x.shape, float("inf"), dtype=x.dtype, device=device(x))
    big = xp.finfo(x.dtype).max / (4.0 * (longest + 1))  # h * big and remaining * big stay finite
    rem_big = xp.astype(remaining, x.dtype) * big
    h = 1
    while h < min(longest, n):

        def step(v: Array, h: int = h) -> Array:
            shifted = xp.concat([v[..., h:], inf[..., :h]], axis=-1)
            # values beyond the segment end get a penalty >= big (arithmetic, not a select: cheaper
            # on some CPU backends; all values are finite or +inf, so no NaN can arise)
            return xp.minimum(v, shifted + xp.clip(h * big - rem_big, 0.0, big))

        x = bk.while_loop(lambda v, h=h: max_len > h, step, x, max_iter=1, check_every=1)
        h *= 2
    return x


# ------------------------------------------------------------------------------------------------
# Per-mode pieces: element minimisers, pooled values, derivatives
# ------------------------------------------------------------------------------------------------


def _cbrt(x: Array, *, xp: Any) -> Array:
    return xp.sign(x) * xp.pow(xp.abs(x), 1.0 / 3.0)


def element_minimiser(s: Array, w: Array, mode: str, *, xp: Any) -> Array:
    """``u_i = argmin_v f_i(v)``: ``s - w`` (c0, smooth), ``s - sign(w) sqrt|w|`` (c1), ``s - cbrt(w)`` (c2)."""
    if mode in ("c0", "smooth"):
        return s - w
    if mode == "c1":
        return s - xp.sign(w) * xp.sqrt(xp.abs(w))
    return s - _cbrt(w, xp=xp)


class _Segments:
    """Contiguous segments of a flat ``(N,)`` array, described per position, from the start flags.

    ``seg``: an id of each position's segment, ascending along the array (the segment's first
    position, or its index from the left); ``start_pos``: the first position of the segment.
    ``is_last`` (the next position starts a segment), ``end_pos`` (the last position) and
    ``length`` are computed on first use (``pos``: the positions ``0..N-1``, ``neg_pos = -pos``).

    With a ``"cumulative_min"`` kernel, ``start_pos_k = max{j <= k : start_j}`` is a running
    maximum (``-cummin(-j)``) and serves as ``seg`` as well; ``end_pos`` is a reversed running
    minimum of the positions of the segment ends. Without one: ``seg = cumsum(start) - 1``, the
    lengths by ``segment_sum`` and the first positions by their cumulative sum.
    """

    def __init__(self, start: Array, pos: Array, neg_pos: Array, *, bk: Any) -> None:
        self._start, self._pos, self._bk = start, pos, bk
        xp = bk.xp
        n = start.shape[-1]
        cummin = _kernels(bk).get("cumulative_min")
        if cummin is not None:
            self.start_pos = -cummin(neg_pos * start)  # (N,)
            self.seg = self.start_pos
            return
        self.seg = cumsum(xp.astype(start, pos.dtype), xp=xp) - 1
        counts = bk.segment_sum(xp.ones_like(self.seg), self.seg, num_segments=n)  # (N,)
        first = cumsum(counts, xp=xp) - counts  # first position of segment j
        both = xp.concat([first, counts], axis=-1)  # (2N,): one gather for both
        per_pos = _take(both, xp.concat([self.seg, self.seg + n], axis=-1), bk=bk)
        self.start_pos, self.length = per_pos[:n], per_pos[n:]
        self.end_pos = self.start_pos + self.length - 1

    @functools.cached_property
    def is_last(self) -> Array:
        xp = self._bk.xp
        return xp.concat([self._start[1:], xp.ones_like(self._start[:1])])  # (N,)

    @functools.cached_property
    def end_pos(self) -> Array:
        xp, n = self._bk.xp, self._start.shape[-1]
        cummin = _kernels(self._bk)["cumulative_min"]
        return xp.flip(cummin(xp.flip(xp.where(self.is_last, self._pos, n))))

    @functools.cached_property
    def length(self) -> Array:
        return self.end_pos - self.start_pos + 1


def _take(x: Array, idx: Array, *, bk: Any) -> Array:
    """``take_along_axis(x, idx, axis=-1)`` for same-shaped ``x`` and ``idx``, as one flat ``take``
    (a 1-D gather is markedly cheaper than ``take_along_axis`` in some array-API layers).

    Every index is in ``[0, n)``: the ``"gather"`` kernel slot (``(x, idx) -> x[idx]`` for 1-D
    arrays and in-bounds, non-negative indices) may skip the negative-index handling of the
    array-API ``take``. A backend whose batch axes may be sharded over devices provides the
    ``"take_along_axis"`` slot (``(x, idx) -> take_along_axis(x, idx, axis=-1)``) instead for
    ``ndim > 1``: a gather from the flattened batch does not partition along the batch."""
    xp = bk.xp
    take = _kernels(bk).get("gather") or xp.take
    if x.ndim == 1:
        return take(x, idx)
    take_along = _kernels(bk).get("take_along_axis")
    if take_along is not None:
        return take_along(x, idx)
    n = x.shape[-1]
    rows = 1
    for d in x.shape[:-1]:
        rows *= d
    offsets = xp.reshape(xp.arange(rows, dtype=idx.dtype, device=device(idx)) * n, x.shape[:-1] + (1,))
    return xp.reshape(take(xp.reshape(x, (-1,)), xp.reshape(idx + offsets, (-1,))), x.shape)


def _index_dtype(xp: Any) -> Any:
    return xp.asarray(0).dtype  # the framework's default integer (int32 for JAX without x64)


def _segsum(x: Array, sg: _Segments, *, bk: Any) -> Array:
    """Per-position sum of ``x`` over the position's segment."""
    return _take(bk.segment_sum(x, sg.seg, num_segments=x.shape[-1]), sg.seg, bk=bk)


def _segsum2(a: Array, b: Array, sg: _Segments, *, bk: Any) -> tuple[Array, Array]:
    """Two segment sums in one ``segment_sum`` call, broadcast back to positions."""
    xp = bk.xp
    n = a.shape[-1]
    ids = xp.concat([sg.seg, sg.seg + n], axis=-1)  # (..., 2n): both sums in one scatter and one gather
    sums = _take(bk.segment_sum(xp.concat([a, b], axis=-1), ids, num_segments=2 * n), ids, bk=bk)
    return sums[..., :n], sums[..., n:]


def _at_start(x: Array, sg: _Segments, *, bk: Any) -> Array:
    return _take(x, sg.start_pos, bk=bk)


def _pooled(s: Array, w: Array, u: Array, sg: _Segments, mode: str, *, bk: Any) -> tuple[Array, Array]:
    """Pooled value ``theta`` of every position's segment and ``f_i'(theta)`` up to a positive
    per-segment factor (which changes neither signs nor minimisers of the partial sums ``G``).

    ``c0``: ``theta = mean_B(u)`` (relative to the first element, so constant runs pool exactly),
    ``f' = theta - u``. ``smooth``: with ``e^s_i = exp(s_i - s_0)``, ``e^w_i = exp(w_i - w_0)``
    (shifted by the segment's first, largest, entries) and their segment sums ``E^s``, ``E^w``:
    ``theta = s_0 + log E^s - w_0 - log E^w`` and
    ``f'(theta) = e^{w_i} - e^{s_i - theta} = e^{w_0} E^w (e^w_i / E^w - e^s_i / E^s)``, whose
    bracket is used (each part sums to one over the segment, no further exponentials).
    """
    xp = bk.xp
    if mode == "c0":
        u0 = _at_start(u, sg, bk=bk)
        sum_y, cnt = _segsum2(u - u0, xp.ones_like(u), sg, bk=bk)  # the count as a sum: no segment ends
        theta = u0 + sum_y / cnt
        return theta, theta - u
    s0 = _at_start(s, sg, bk=bk)  # first (= largest) s of the segment: shift for accuracy
    if mode == "smooth":
        w0 = _at_start(w, sg, bk=bk)  # s, w sorted descending: the first entries are the maxima
        es, ew = xp.exp(s - s0), xp.exp(w - w0)
        sum_es, sum_ew = _segsum2(es, ew, sg, bk=bk)
        theta = (s0 + xp.log(sum_es)) - (w0 + xp.log(sum_ew))
        return theta, ew / sum_ew - es / sum_es
    cnt = xp.astype(sg.length, s.dtype)
    e = s - s0
    sum_e, sum_w = _segsum2(e, w, sg, bk=bk)
    mean = sum_e / cnt
    c = e - mean  # centred values of the segment
    if mode == "c2":
        m2, m3 = _segsum2(c * c, c * c * c, sg, bk=bk)
        v = _depressed_cubic_root(3 * m2 / cnt, (sum_w - m3) / cnt, xp=xp)
        theta = s0 + mean + v
    else:
        theta = s0 + mean + _c1_centred_root(c, sum_w, cnt, sg, bk=bk)
    theta = _newton_polish(s, w, theta, sg, mode, bk=bk)
    t = s - theta
    return theta, w - (t * xp.abs(t) if mode == "c1" else t * t * t)


def _depressed_cubic_root(p: Array, q: Array, *, xp: Any) -> Array:
    """The real root of ``u^3 + p u + q = 0`` for ``p >= 0`` (hyperbolic Cardano).

    ``u = -2 r sinh(asinh(q / (2 r^3)) / 3)`` with ``r = sqrt(p / 3)``; when ``q / (2 r^3)`` is huge
    (or ``p = 0``) the expansion ``u = c - p / (3 c)``, ``c = -cbrt(q)``, is accurate to rounding.
    """
    r = xp.sqrt(xp.maximum(p, 0.0) / 3)
    den = 2 * r * r * r
    ok = den > xp.abs(q) * 2.0**-60
    x = q / xp.where(ok, den, xp.ones_like(den))
    hyper = -2 * r * xp.sinh(xp.asinh(x) / 3)
    c = -_cbrt(q, xp=xp)
    c_safe = xp.where(c == 0, xp.ones_like(c), c)
    series = xp.where(c == 0, xp.zeros_like(c), c - p / (3 * c_safe))
    return xp.where(ok, hyper, series)


def _segmented_exclusive_cumsum(x: Array, sg: _Segments, total: Array, *, bk: Any) -> Array:
    """``sum_{start_k <= i < k} x_i``; segment totals are subtracted at segment ends so that the
    running sum restarts near zero (no growth of rounding error along the row)."""
    xp = bk.xp
    restarted = xp.where(sg.is_last, x - total, x)
    run = cumsum(restarted, xp=xp)
    inclusive_prev = run - restarted  # running sum before k
    return inclusive_prev - _at_start(inclusive_prev, sg, bk=bk)


def _c1_centred_root(c: Array, sum_w: Array, cnt: Array, sg: _Segments, *, bk: Any) -> Array:
    """Root ``u`` (in centred coordinates) of ``F(u) = sum_B (c_i - u)|c_i - u| - W = 0``.

    ``F`` is decreasing and piecewise quadratic with breakpoints at the (descending) ``c_i``. The
    number ``k`` of elements above the root is ``#{j : F(c_j) < 0}`` (each ``F(c_j)`` from
    segmented prefix sums of ``c`` and ``c^2``); on that piece
    ``(2k - m) u^2 - 2 (P1 - R1) u + (P2 - R2 - W) = 0`` (``P``: sums over the first ``k``,
    ``R``: over the rest, ``m`` the segment length).
    """
    xp = bk.xp
    n = c.shape[-1]
    c2 = c * c
    s1, m2 = _segsum2(c, c2, sg, bk=bk)
    p1x = _segmented_exclusive_cumsum(c, sg, s1, bk=bk)  # sum of c over the segment before k
    p2x = _segmented_exclusive_cumsum(c2, sg, m2, bk=bk)
    pos = xp.arange(n, device=device(c))
    m_before = xp.astype(pos - sg.start_pos, c.dtype)
    m_after = cnt - m_before - 1
    above = p2x - 2 * c * p1x + m_before * c2  # sum_{i<k} (c_i - c_k)^2
    below = (m2 - p2x - c2) - 2 * c * (s1 - p1x - c) + m_after * c2  # sum_{i>k} (c_i - c_k)^2
    f_at = above - below - sum_w
    k = _segsum(xp.astype(f_at < 0, c.dtype), sg, bk=bk)  # elements strictly above the root
    k_int = xp.astype(k, sg.start_pos.dtype)
    # prefix sums over the first k elements (k = segment length -> totals)
    idx = xp.minimum(sg.start_pos + k_int, n - 1)
    full = k_int >= sg.length
    p1 = xp.where(full, s1, _take(p1x, idx, bk=bk))
    p2 = xp.where(full, m2, _take(p2x, idx, bk=bk))
    # interval [lo, hi] of the piece: hi = c of the k-th element, lo = c of the (k+1)-th
    big = xp.asarray(float("inf"), dtype=c.dtype, device=device(c))
    hi = xp.where(k_int == 0, big, _take(c, xp.maximum(idx - 1, 0), bk=bk))
    lo = xp.where(full, -big, _take(c, idx, bk=bk))
    a2 = 2 * k - cnt
    b2 = -2 * ((p1) - (s1 - p1))
    c0 = (p2 - (m2 - p2)) - sum_w
    # roots of a2 u^2 + b2 u + c0 = 0 (numerically stable pair), or the linear root when a2 == 0
    disc = xp.sqrt(xp.maximum(b2 * b2 - 4 * a2 * c0, 0.0))
    qq = -0.5 * (b2 + xp.where(b2 >= 0, disc, -disc))
    one = xp.ones_like(qq)
    lin = -c0 / xp.where(b2 == 0, one, b2)
    r1 = xp.where(a2 == 0, lin, qq / xp.where(a2 == 0, one, a2))
    r2 = xp.where(qq == 0, r1, c0 / xp.where(qq == 0, one, qq))
    in1 = (r1 >= lo) & (r1 <= hi)
    root = xp.where(in1, r1, r2)
    return xp.clip(root, lo, hi)


def _newton_polish(s: Array, w: Array, theta: Array, sg: _Segments, mode: str, *, bk: Any) -> Array:
    """One Newton step on ``sum_B h(s_i - theta) = W`` with exact per-element sums (c1, c2)."""
    xp = bk.xp
    t = s - theta
    if mode == "c1":
        h, dh = t * xp.abs(t) - w, 2 * xp.abs(t)
    else:
        h, dh = t * t * t - w, 3 * t * t
    f, df = _segsum2(h, dh, sg, bk=bk)
    ok = df > 0
    return theta + xp.where(ok, f / xp.where(ok, df, xp.ones_like(df)), xp.zeros_like(df))


# ------------------------------------------------------------------------------------------------
# The solver
# ------------------------------------------------------------------------------------------------


class _State(NamedTuple):
    start: Array  # (..., n) bool: a segment starts at this position
    lo: Array  # (..., n) lower bound on the optimal value at each position (from earlier cuts)
    hi: Array  # (..., n) upper bound
    active: Array  # (..., n) bool: the position's segment may still be cut
    theta: Array  # (..., n) pooled value of each position's segment (of the last round)
    split: Array  # () bool: the last round cut a segment


def _free_cuts(u: Array, *, bk: Any) -> Array:
    """``cut_k = min(u_0..u_k) >= max(u_{k+1}..u_{n-1})`` for ``k < n - 1`` (as start flags of ``k + 1``).

    With ``u`` per-element bounds (``argmin f_i``, clipped to bounds known for the optimum) a cut
    is a zero multiplier of the optimum: a block straddling ``k`` would contain an element left of
    ``k`` with ``u`` below its value and one right of ``k`` with ``u`` above it. The scans run over
    the whole row, which is valid (and can only find fewer cuts than per-segment scans)."""
    xp = bk.xp
    free = cumulative_min(u, bk=bk)[..., :-1] >= _suffix_max(u, bk=bk)[..., 1:]
    return xp.concat([xp.zeros_like(free[..., :1]), free], axis=-1)


def _isotonic_reference(s: Array, w: Array, mode: str, *, bk: Any) -> tuple[Array, Array]:
    """The solver on rows of the last axis. All rows are laid end to end in one flat array (a row
    start is always a segment start, so segments never straddle rows); gathers are then plain 1-D
    ``take`` and cumulative sums run over the whole batch at once.

    The first free cuts leave most positions in segments of length one (their value is ``u``).
    With a ``"nonzero"`` kernel (eager backends with data-dependent shapes) the rounds then run
    on the other positions only, gathered into a short flat array (:func:`_compacted_rounds`)."""
    xp = bk.xp
    shape = s.shape
    n = shape[-1]
    dev = device(s)
    flat = (-1,)
    s, w = xp.reshape(s, flat), xp.reshape(w, flat)
    u = element_minimiser(s, w, mode, xp=xp)
    first = xp.reshape(xp.broadcast_to(xp.arange(n, device=dev) == 0, shape), flat)  # row starts
    start = first if n == 1 else first | xp.reshape(_free_cuts(xp.reshape(u, shape), bk=bk), flat)
    kernels = _kernels(bk)
    nonzero = kernels.get("nonzero")
    band_cuts = _BAND_CUTS if _BAND_CUTS is not None else ("cumulative_min" in kernels and nonzero is None)
    if nonzero is None:
        theta, start = _rounds(s, w, u, start, mode, row_shape=shape, band_cuts=band_cuts, bk=bk)
    else:
        theta, start = _compacted_rounds(s, w, u, start, mode, band_cuts, nonzero, bk=bk)
    ids = xp.reshape(cumsum(xp.astype(start, _index_dtype(xp)), xp=xp), shape)
    return xp.reshape(theta, shape), ids - ids[..., :1]


def _compacted_rounds(
    s: Array, w: Array, u: Array, start: Array, mode: str, band_cuts: bool, nonzero: Any, *, bk: Any
) -> tuple[Array, Array]:
    """:func:`_rounds` on the positions of segments longer than one, gathered into one flat array.

    A segment of length one is an optimal block with value ``u_k``; the others keep their start
    flags when gathered, so they stay separate segments (of one flat "row": the free cuts of later
    rounds then scan across former rows, which is valid, see :func:`_free_cuts`). Results are
    scattered back with ``segment_sum`` (every index appears once). ``s, w, u, start``: ``(N,)``."""
    xp = bk.xp
    N = s.shape[0]
    ends = xp.concat([start[1:], xp.ones_like(start[:1])])  # (N,) the next position starts a segment
    kept = ~(start & ends)  # (N,) in a segment of length >= 2
    keep = nonzero(kept)  # (m,) those positions, ascending
    m = keep.shape[0]
    if m == 0:
        return u, start
    s_c, w_c, u_c, start_c = (_take(a, keep, bk=bk) for a in (s, w, u, start))  # (m,)
    theta_c, start_c = _rounds(s_c, w_c, u_c, start_c, mode, row_shape=None, band_cuts=band_cuts, bk=bk)
    theta = xp.where(kept, bk.segment_sum(theta_c, keep, num_segments=N), u)
    new_starts = bk.segment_sum(xp.astype(start_c, _index_dtype(xp)), keep, num_segments=N) > 0
    return theta, start | new_starts


def _rounds(
    s: Array,
    w: Array,
    u: Array,
    start: Array,
    mode: str,
    *,
    row_shape: tuple[int, ...] | None,
    band_cuts: bool,
    bk: Any,
) -> tuple[Array, Array]:
    """Threshold splitting in rounds (module docstring) on flat ``(N,)`` arrays whose segments
    start at ``start``; returns ``(theta, start)`` (pooled values and the start flags of the
    blocks). ``row_shape``: the ``(..., n)`` shape whose rows the free cuts scan (``None``: the
    whole flat array)."""
    xp = bk.xp
    dev = device(s)
    N = s.shape[0]
    pos = xp.arange(N, device=dev)  # global positions
    neg_pos = -pos
    no = xp.zeros_like(start[:1])  # (1,) False: the flag of position 0 after a shift
    inf = float("inf")
    inf_array = xp.asarray(inf, dtype=s.dtype, device=dev)

    def free_cuts(v: Array) -> Array:
        if row_shape is None:
            return _free_cuts(v, bk=bk)
        if row_shape[-1] == 1:
            return xp.zeros_like(start)
        return xp.reshape(_free_cuts(xp.reshape(v, row_shape), bk=bk), (-1,))

    def body(st: _State) -> _State:
        start = st.start
        if band_cuts:
            # free cuts with the current bounds: every position's value lies in [lo, hi] and in
            # [min u, max u] of its block, so clip(u, lo, hi) bounds it too (see _free_cuts).
            start = start | (st.active & free_cuts(xp.clip(u, st.lo, st.hi)))
        sg = _Segments(start, pos, neg_pos, bk=bk)
        theta, d = _pooled(s, w, u, sg, mode, bk=bk)  # d: f'(theta) up to a per-segment factor
        run = cumsum(d, xp=xp)
        g = run - _at_start(run - d, sg, bk=bk)  # G(k) = sum_{start..k} f'(theta)
        interior = xp.concat([~start[1:], no])  # the next position is in the same segment
        gi = xp.where(st.active & interior, g, inf_array)  # G at interior positions of unfinished segments
        segment_min = _kernels(bk).get("segment_min")
        if segment_min is None:  # reference: a doubling suffix-min scan within segments
            max_len = xp.max(sg.length * xp.astype(st.active, sg.length.dtype))
            longest = N if row_shape is None else row_shape[-1]
            suffix_min = _segment_suffix_min(gi, sg.end_pos - pos, max_len, longest, bk=bk)
            gmin = _at_start(suffix_min, sg, bk=bk)  # minimum of G over the segment's interior
        else:
            gmin = _take(segment_min(gi, sg.seg, num_segments=N), sg.seg, bk=bk)
        splits = gmin <= 0
        cut = splits & (gi == gmin)  # every minimiser: the multiplier of each is zero
        lo, hi = st.lo, st.hi
        if band_cuts:  # positions up to the largest minimiser have v >= theta, the ones after it v < theta
            if segment_min is None:
                upto = suffix_min == gmin
            else:  # the largest minimiser of each segment, as -min(-position)
                neg_last = segment_min(xp.where(cut, neg_pos, 1), sg.seg, num_segments=N)
                upto = neg_pos >= _take(neg_last, sg.seg, bk=bk)
            lo = xp.where(splits & upto, xp.maximum(lo, theta), lo)
            hi = xp.where(splits & ~upto, xp.minimum(hi, theta), hi)
        start = start | xp.concat([no, cut[:-1]])
        return _State(start, lo, hi, splits, theta, xp.any(cut))

    init = _State(
        start,
        xp.full_like(s, -inf),
        xp.full_like(s, inf),
        xp.ones_like(start),
        xp.zeros_like(s),
        xp.asarray(True, device=dev),
    )
    longest = N if row_shape is None else row_shape[-1]
    out = bk.while_loop(lambda st: st.split, body, init, max_iter=max(longest, 1), check_every=1)
    return out.theta, out.start


def isotonic_decreasing(s: Array, w: Array, mode: str = "c0", *, bk: Any) -> tuple[Array, Array]:
    r"""Solve ``min_{v_1 >= ... >= v_n} sum_i f_i(v_i)`` along the last axis (see module docstring).

    ``s`` and ``w``: ``(..., n)`` floating arrays of one dtype (for the permutahedron projection
    both are sorted in descending order, which the ``smooth`` mode relies on for overflow-free
    log-sum-exps; ``c0`` only depends on ``s - w``).

    Returns ``(v, block_ids)``: ``v`` ``(..., n)`` in the dtype of ``s``; ``block_ids`` ``(..., n)``
    integer, ``0, 0, 1, 1, 1, 2, ...`` (block index of every position, counted from the left).
    """
    check_choice("mode", mode, ISOTONIC_MODES)
    impl = _kernels(bk).get("isotonic_decreasing") or _isotonic_reference

    def solve(s: Array, w: Array) -> tuple[Array, Array]:
        return impl(s, w, mode, bk=bk)

    # rows are independent: a backend may run each device's rows on their own (no global stopping test)
    return bk.per_row(solve, s, w, batch_ndim=s.ndim - 1)
