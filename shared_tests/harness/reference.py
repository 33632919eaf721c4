"""Slow, independent NumPy oracles written directly from SPEC formulas (float64)."""

from __future__ import annotations

import numpy as np


def sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoidal(x, s, mode):
    x = np.asarray(x, dtype=np.float64)
    if mode == "smooth":
        return sigmoid(x / s)
    u = x / (5 * s)
    uc = np.clip(u, -1, 1)
    if mode == "c0":
        y = (uc + 1) / 2
    elif mode == "c1":
        y = -(uc**3) / 4 + 3 * uc / 4 + 0.5
    elif mode == "c2":
        y = 3 * uc**5 / 16 - 5 * uc**3 / 8 + 15 * uc / 16 + 0.5
    elif mode == "_c1_pnorm":
        y = (uc + np.sqrt(2 - uc**2)) ** 2 / 4
    elif mode == "_c2_pnorm":
        # real root of t^3 + p t + q = 0 (p = 3u^2/4 >= 0, q = -1/2) by the classical Cardano formula
        p, q = 0.75 * uc**2, -0.5
        d = np.sqrt(q * q / 4 + p**3 / 27)
        big = np.cbrt(-q / 2 + d)
        t = big - p / (3 * big)  # second cube root via their product -p/3 (no cancellation)
        y = (t + uc / 2) ** 3
    else:
        raise ValueError(mode)
    return np.where(u < -1, 0.0, np.where(u >= 1, 1.0, y))


def softrelu(x, s, mode, gated=False):
    """Ungated softrelu = integral of the sigmoidal from -inf (numerical quadrature oracle)."""
    x = np.asarray(x, dtype=np.float64)
    if gated:
        return x * sigmoidal(x, s, mode)
    if mode == "smooth":
        return s * np.logaddexp(0.0, x / s)
    out = np.empty_like(x)
    for i, xi in np.ndenumerate(x):
        lo = -5 * s
        if xi <= lo:
            out[i] = 0.0
            continue
        grid = np.linspace(lo, min(xi, 5 * s), 20001)
        vals = sigmoidal(grid, s, mode)
        integral = np.sum((vals[1:] + vals[:-1]) / 2 * np.diff(grid))
        out[i] = integral + max(xi - 5 * s, 0.0)
    return out


def soft_round(x, s, mode, radius=5):
    x = np.asarray(x, dtype=np.float64)
    c = np.floor(x)[..., None] + np.arange(-radius, radius + 1)
    steps = sigmoidal(x[..., None] - c + 0.5, s, mode) - sigmoidal(x[..., None] - c - 0.5, s, mode)
    return np.sum(c * steps, axis=-1)
