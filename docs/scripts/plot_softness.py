"""Draw the figures of docs/guides/softness.md into docs/img/ (small PNGs, committed).

    python docs/scripts/plot_softness.py        # needs softjax and matplotlib (the `docs` group)

The curves are computed with softjax in float64; softtorch gives the same numbers.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import softjax as sj  # noqa: E402

jax.config.update("jax_enable_x64", True)

IMG = Path(__file__).resolve().parents[1] / "img"
MODES = ("smooth", "c0", "c1", "c2")
MODE_COLORS = {"smooth": "tab:blue", "c0": "tab:orange", "c1": "tab:green", "c2": "tab:red"}


def save(fig: plt.Figure, name: str) -> None:
    IMG.mkdir(exist_ok=True)
    fig.savefig(IMG / name, dpi=80, metadata={"Software": None})
    plt.close(fig)
    print(f"wrote docs/img/{name}")


def plot_modes() -> None:
    """sigmoidal and its derivative in the four soft modes, at one softness."""
    s = 0.2
    x = jnp.linspace(-1.5, 1.5, 601)
    fig, (ax_v, ax_d) = plt.subplots(1, 2, figsize=(9, 3.2), constrained_layout=True)
    for mode in MODES:
        value = sj.sigmoidal(x, softness=s, mode=mode)
        slope = jax.vmap(jax.grad(lambda t, m=mode: sj.sigmoidal(t, softness=s, mode=m)))(x)
        ax_v.plot(x, value, color=MODE_COLORS[mode], label=mode)
        ax_d.plot(x, slope, color=MODE_COLORS[mode], label=mode)
    ax_v.plot(x, sj.heaviside(x, mode="hard"), "k--", lw=1, label="hard")
    for ax in (ax_v, ax_d):
        ax.axvspan(-5 * s, 5 * s, color="0.92", zorder=0)
        ax.set_xlabel("x")
    ax_v.set_title(f"sigmoidal(x, softness={s}, mode)")
    ax_d.set_title("its derivative (shaded: |x| <= 5 softness)")
    ax_v.legend(loc="upper left", fontsize=8)
    save(fig, "softness-modes.png")


def plot_elementwise() -> None:
    """Each elementwise op at three softness values (smooth mode) against the hard op."""
    x = jnp.linspace(-2.0, 2.0, 801)
    ops = {
        "heaviside(x)": lambda x, **kw: sj.heaviside(x, **kw),
        "sign(x)": lambda x, **kw: sj.sign(x, **kw),
        "abs(x)": lambda x, **kw: sj.abs(x, **kw),
        "relu(x)": lambda x, **kw: sj.relu(x, **kw),
        "clip(x, -1, 1)": lambda x, **kw: sj.clip(x, -1.0, 1.0, **kw),
        "round(2x)": lambda x, **kw: sj.round(2 * x, **kw),
    }
    softness = (0.03, 0.1, 0.3)
    colors = ("tab:purple", "tab:blue", "tab:cyan")
    fig, axes = plt.subplots(2, 3, figsize=(10, 5.4), constrained_layout=True)
    for ax, (title, op) in zip(axes.flat, ops.items(), strict=True):
        ax.plot(x, op(x, mode="hard"), "k--", lw=1, label="hard")
        for s, color in zip(softness, colors, strict=True):
            ax.plot(x, op(x, softness=s), color=color, label=f"softness={s}")
        ax.set_title(title)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle('Elementwise ops, mode="smooth"')
    save(fig, "softness-elementwise.png")


X_AXISWISE = jnp.array([0.3, -1.2, 2.0, 0.9, 1.1, -0.4])


def plot_sort_rank() -> None:
    """Soft sort and soft rank of a fixed vector as the softness grows, for two method/mode pairs."""
    softness = jnp.logspace(-3, 1, 81)
    pairs = (("neuralsort", "smooth"), ("softsort", "c0"))
    fig, axes = plt.subplots(2, 2, figsize=(9, 5.8), sharex=True, constrained_layout=True)
    for col, (method, mode) in enumerate(pairs):
        kw = {"mode": mode, "method": method}
        sort = jnp.stack([sj.sort(X_AXISWISE, softness=float(s), **kw) for s in softness])
        rank = jnp.stack([sj.rank(X_AXISWISE, softness=float(s), **kw) for s in softness])
        axes[0, col].plot(softness, sort)
        axes[1, col].plot(softness, rank)
        axes[0, col].set_title(f'sort(x), method="{method}", mode="{mode}"', fontsize=10)
        axes[1, col].set_title(f'rank(x) (1 = largest), method="{method}", mode="{mode}"', fontsize=10)
        axes[1, col].set_xlabel("softness (relative to the standardized x)")
        for ax in axes[:, col]:
            ax.set_xscale("log")
    axes[0, 0].set_ylabel("sorted values")
    axes[1, 0].set_ylabel("ranks")
    fig.suptitle(f"x = {[float(v) for v in X_AXISWISE]}")
    save(fig, "softness-sort-rank.png")


def plot_argsort() -> None:
    """The SoftIndex of argsort (a soft permutation matrix) at three softness values."""
    softness = (0.01, 0.1, 1.0)
    fig, axes = plt.subplots(1, 3, figsize=(9, 3.2), constrained_layout=True)
    for ax, s in zip(axes, softness, strict=True):
        p = sj.argsort(X_AXISWISE, softness=s)
        ax.imshow(p, vmin=0.0, vmax=1.0, cmap="Blues")
        ax.set_title(f"argsort, softness={s}")
        ax.set_xlabel("element j")
        ax.set_ylabel("sorted position r")
    save(fig, "softness-argsort.png")


if __name__ == "__main__":
    plot_modes()
    plot_elementwise()
    plot_sort_rank()
    plot_argsort()
