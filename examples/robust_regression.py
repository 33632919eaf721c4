"""Robust line fitting by minimising a soft median of absolute residuals, in JAX and in PyTorch.

A third of the points are gross outliers (shifted far above the line). Least squares averages
them in and tilts the line. The *least median* fit minimises the median of the absolute
residuals instead, which ignores any minority of outliers:

    loss(w, b) = median(|y - (w x + b)|)

The hard median has a gradient, but it comes from a single residual (or two, for an even count):
each step of gradient descent follows whichever point happens to sit in the middle, and the
iterate chatters. The soft median of softjax / softtorch weighs every residual near the middle,
so the gradient is an average over many points and plain gradient descent converges.

The median is written as ``quantile(r, 0.5)`` with linear interpolation in both frameworks:
``softjax.median`` follows ``jnp.median`` (the midpoint of the two middle values for an even
count) and ``softtorch.median`` follows ``torch.median`` (the lower one), so the two ``median``
functions differ on purpose, while the linear 0.5-quantile is the same function in both.

Run it with ``python examples/robust_regression.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``
for a quick run on less data, without the plot).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import torch

import softjax as sj
import softtorch as st

jax.config.update("jax_enable_x64", True)  # float64 in both frameworks: the runs agree to rounding

SMALL = "--small" in sys.argv[1:] or os.environ.get("SOFT_EXAMPLES_SMALL") == "1"
N_POINTS = 60 if SMALL else 200
STEPS = 100 if SMALL else 400
LEARNING_RATE = 0.1
SOFTNESS = 0.1  # relative to the standardized residuals (axis-wise ops standardize by default)
METHOD = "softsort"
TRUE_LINE = (2.0, -1.0)
OUTLIER_FRACTION = 0.3


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, N_POINTS)
    y = TRUE_LINE[0] * x + TRUE_LINE[1] + 0.1 * rng.normal(size=N_POINTS)
    outliers = rng.random(N_POINTS) < OUTLIER_FRACTION
    y[outliers] += rng.uniform(3.0, 6.0, outliers.sum())
    return x, y


def least_squares(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(np.stack([x, np.ones_like(x)], axis=1), y, rcond=None)[0]


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_median(residuals: jax.Array, mode: str = "smooth") -> jax.Array:
    return sj.quantile(residuals, 0.5, softness=SOFTNESS, mode=mode, method=METHOD, quantile_method="linear")


def jax_loss(params: jax.Array, x: jax.Array, y: jax.Array, mode: str = "smooth") -> jax.Array:
    return jax_median(jnp.abs(y - (params[0] * x + params[1])), mode)


jax_gradient = jax.jit(jax.grad(jax_loss), static_argnames="mode")


def train_jax(x_np: np.ndarray, y_np: np.ndarray, start: np.ndarray) -> np.ndarray:
    x, y = jnp.asarray(x_np), jnp.asarray(y_np)
    params = jnp.asarray(start)
    for _ in range(STEPS):
        params = params - LEARNING_RATE * jax_gradient(params, x, y)
    return np.asarray(params)


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_median(residuals: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    return st.quantile(residuals, 0.5, softness=SOFTNESS, mode=mode, method=METHOD, interpolation="linear")


def torch_loss(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    return torch_median(torch.abs(y - (params[0] * x + params[1])), mode)


def train_torch(x_np: np.ndarray, y_np: np.ndarray, start: np.ndarray) -> np.ndarray:
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    params = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=LEARNING_RATE)  # plain gradient descent
    for _ in range(STEPS):
        optimizer.zero_grad()
        torch_loss(params, x, y).backward()
        optimizer.step()
    return params.detach().numpy().copy()


def torch_residual_weights(params: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str) -> np.ndarray:
    """d median / d residual_i: how much each point pulls on the fit."""
    residuals = torch.from_numpy(np.abs(y - (params[0] * x + params[1]))).requires_grad_(True)
    (grad,) = torch.autograd.grad(torch_median(residuals, mode), residuals)
    return grad.numpy()


def torch_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str) -> np.ndarray:
    p = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    (grad,) = torch.autograd.grad(torch_loss(p, torch.from_numpy(x), torch.from_numpy(y), mode), p)
    return grad.numpy()


# ----------------------------------------------------------------------------------------------
def save_plot(x: np.ndarray, y: np.ndarray, fits: dict[str, np.ndarray]) -> None:
    if SMALL:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    fig, ax = plt.subplots(figsize=(6, 4), constrained_layout=True)
    ax.scatter(x, y, s=10, color="0.5", label="data (30% outliers above)")
    grid = np.linspace(-1.0, 1.0, 2)
    for (name, (w, b)), style in zip(fits.items(), ("tab:red", "tab:blue", "k--"), strict=True):
        ax.plot(grid, w * grid + b, style, label=f"{name}: {w:.2f} x {b:+.2f}")
    ax.legend(fontsize=8)
    ax.set_title("Least squares vs soft least median")
    path = Path(__file__).resolve().parents[1] / "docs" / "img" / "example-robust-regression.png"
    fig.savefig(path, dpi=80, metadata={"Software": None})
    print(f"plot: {path.relative_to(path.parents[2])}")


def main() -> None:
    x, y = make_data()
    start = least_squares(x, y)
    fmt = np.array2string
    print(
        f"Task: fit y = w x + b to {x.size} points, {OUTLIER_FRACTION:.0%} of them outliers; true (w, b) = {TRUE_LINE}."
    )
    print(f"Loss: median(|y - (w x + b)|), softness={SOFTNESS}, method={METHOD!r}; start at least squares.\n")

    hard_w, soft_w = (torch_residual_weights(start, x, y, mode) for mode in ("hard", "smooth"))
    print("Which residuals move the fit (d loss / d residual_i != 0) at the start:")
    print(f"  hard median: {np.sum(np.abs(hard_w) > 1e-6):3d} of {x.size} points   <- only the middle residual(s)")
    print(f"  soft median: {np.sum(np.abs(soft_w) > 1e-6):3d} of {x.size} points")
    print("Gradient w.r.t. (w, b) at the start:")
    print(f"  hard ops  jax   {fmt(np.asarray(jax_gradient(start, x, y, mode='hard')), precision=6)}")
    print(f"  hard ops  torch {fmt(torch_gradient(start, x, y, 'hard'), precision=6)}")
    print(f"  soft ops  jax   {fmt(np.asarray(jax_gradient(start, x, y)), precision=6)}")
    print(f"  soft ops  torch {fmt(torch_gradient(start, x, y, 'smooth'), precision=6)}\n")

    params_jax = train_jax(x, y, start)
    params_torch = train_torch(x, y, start)
    print(f"Plain gradient descent, {STEPS} steps, learning rate {LEARNING_RATE}:")
    print(f"  least squares       w = {start[0]: .4f}  b = {start[1]: .4f}")
    for name, params in (("soft median, jax", params_jax), ("soft median, torch", params_torch)):
        print(f"  {name:<19} w = {params[0]: .4f}  b = {params[1]: .4f}")
    print(f"  true line           w = {TRUE_LINE[0]: .4f}  b = {TRUE_LINE[1]: .4f}")

    gap = float(np.max(np.abs(params_jax - params_torch)))
    print(f"\nsoftjax vs softtorch: max |parameter difference| {gap:.1e}")
    assert gap < 1e-8, "the two frameworks disagree"
    error = float(np.max(np.abs(params_jax - np.array(TRUE_LINE))))
    assert error < 0.15 < float(np.max(np.abs(start - np.array(TRUE_LINE)))), (
        "the robust fit did not beat least squares"
    )
    save_plot(x, y, {"least squares": start, "soft median": params_jax, "true line": np.array(TRUE_LINE)})
    print("OK: both frameworks learned the robust fit and agree to float64 rounding.")


if __name__ == "__main__":
    main()
