"""Learn which 3 of 12 features to keep with a soft top-k mask, in JAX and in PyTorch.

Each feature j has a learnable score ``theta_j`` and a weight ``w_j``; the linear model only uses
the k features with the highest scores:

    mask = top_k(theta, k).soft_index.sum(axis=0)   # (d,): k ones and d - k zeros when hard
    loss = mean((X @ (mask * w) - y) ** 2)

With the hard top-k, the mask is piecewise constant in ``theta``: the gradient with respect to
the scores is zero and they never move. The soft top-k of softjax / softtorch spreads the k units
of mask over the features by score, so the gradient says which scores to raise (features whose
weight would reduce the error) and which to lower. Scores and weights are trained jointly by
plain gradient descent, starting from no preference between features and from the least-squares
weights on all features. The target uses features 1, 6 and 9; feature 4 is a decoy correlated
with two of them. After training, the hard top-k of the scores picks the right three.

Run it with ``python examples/feature_selection.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``
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
N_SAMPLES = 100 if SMALL else 200
STEPS = 100 if SMALL else 200
N_FEATURES, K = 12, 3
TRUE_FEATURES = (1, 6, 9)
SOFTNESS = 0.3  # relative to the standardized scores (axis-wise ops standardize by default)
LEARNING_RATE = 0.1


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(N_SAMPLES, N_FEATURES))
    x[:, 4] = 0.5 * x[:, 1] + 0.5 * x[:, 6] + 0.5 * rng.normal(size=N_SAMPLES)  # decoy
    w_true = np.zeros(N_FEATURES)
    w_true[list(TRUE_FEATURES)] = (1.5, -2.0, 1.0)
    y = x @ w_true + 0.1 * rng.normal(size=N_SAMPLES)
    scores = 0.1 * rng.normal(size=N_FEATURES)  # initial scores: no preference
    weights = np.linalg.lstsq(x, y, rcond=None)[0]  # initial weights: least squares on all features
    return x, y, np.concatenate([scores, weights])


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_mask(theta: jax.Array, mode: str = "smooth") -> jax.Array:
    _, soft_index = sj.top_k(theta, K, softness=SOFTNESS, mode=mode)  # (K, [d])
    return soft_index.sum(axis=0)


def jax_loss(params: jax.Array, x: jax.Array, y: jax.Array, mode: str = "smooth") -> jax.Array:
    theta, w = params[:N_FEATURES], params[N_FEATURES:]
    return jnp.mean((x @ (jax_mask(theta, mode) * w) - y) ** 2)


jax_value_and_grad = jax.jit(jax.value_and_grad(jax_loss), static_argnames="mode")


def train_jax(x_np: np.ndarray, y_np: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, float]:
    x, y, params = jnp.asarray(x_np), jnp.asarray(y_np), jnp.asarray(start)
    for _ in range(STEPS):
        loss, grad = jax_value_and_grad(params, x, y)
        params = params - LEARNING_RATE * grad
    return np.asarray(params), float(loss)


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_mask(theta: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    soft_index = st.topk(theta, K, softness=SOFTNESS, mode=mode).indices  # (K, [d])
    return soft_index.sum(dim=0)


def torch_loss(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    theta, w = params[:N_FEATURES], params[N_FEATURES:]
    return torch.mean((x @ (torch_mask(theta, mode) * w) - y) ** 2)


def train_torch(x_np: np.ndarray, y_np: np.ndarray, start: np.ndarray) -> tuple[np.ndarray, float]:
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    params = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=LEARNING_RATE)  # plain gradient descent
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = torch_loss(params, x, y)
        loss.backward()
        optimizer.step()
    return params.detach().numpy().copy(), loss.item()


def torch_score_gradient(params: np.ndarray, x: np.ndarray, y: np.ndarray, mode: str) -> np.ndarray:
    p = torch.tensor(params, requires_grad=True)
    (grad,) = torch.autograd.grad(torch_loss(p, torch.from_numpy(x), torch.from_numpy(y), mode), p)
    return grad[:N_FEATURES].numpy()


# ----------------------------------------------------------------------------------------------
def chosen(params: np.ndarray) -> tuple[int, ...]:
    """The features that the hard top-k of the scores keeps."""
    return tuple(sorted(int(j) for j in np.argsort(-params[:N_FEATURES])[:K]))


def save_plot(start: np.ndarray, params: np.ndarray) -> None:
    if SMALL:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    masks = [np.asarray(jax_mask(jnp.asarray(p[:N_FEATURES]))) for p in (start, params)]
    fig, ax = plt.subplots(figsize=(6.5, 3.2), constrained_layout=True)
    features = np.arange(N_FEATURES)
    ax.bar(features - 0.2, masks[0], width=0.4, color="0.6", label="soft mask at the start")
    ax.bar(features + 0.2, masks[1], width=0.4, color="tab:blue", label="soft mask after training")
    for j in TRUE_FEATURES:
        ax.annotate("true", (j + 0.2, masks[1][j]), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(features)
    ax.set_xlabel("feature")
    ax.set_ylabel("mask")
    ax.set_title(f"Soft top-{K} feature mask (feature 4 is a correlated decoy)")
    ax.legend(fontsize=8, loc="upper left")
    path = Path(__file__).resolve().parents[1] / "docs" / "img" / "example-feature-selection.png"
    fig.savefig(path, dpi=80, metadata={"Software": None})
    print(f"plot: {path.relative_to(path.parents[2])}")


def main() -> None:
    x, y, start = make_data()
    fmt = np.array2string
    print(f"Task: keep {K} of {N_FEATURES} features for a linear fit ({x.shape[0]} samples).")
    print(f"True features: {TRUE_FEATURES}; feature 4 is a decoy correlated with features 1 and 6.")
    print(f"Model: X @ (mask * w), mask = sum of the soft top-{K} SoftIndex of the scores, softness={SOFTNESS}.\n")

    print("Gradient of the loss w.r.t. the scores at the start:")
    hard_jax = np.asarray(jax_value_and_grad(jnp.asarray(start), x, y, mode="hard")[1][:N_FEATURES])
    soft_jax = np.asarray(jax_value_and_grad(jnp.asarray(start), x, y)[1][:N_FEATURES])
    print(f"  hard top-k  jax   {fmt(hard_jax, precision=3)}")
    print(f"  hard top-k  torch {fmt(torch_score_gradient(start, x, y, 'hard'), precision=3)}   <- no signal")
    print(f"  soft top-k  jax   {fmt(soft_jax, precision=3)}")
    print(f"  soft top-k  torch {fmt(torch_score_gradient(start, x, y, 'smooth'), precision=3)}\n")

    params_jax, loss_jax = train_jax(x, y, start)
    params_torch, loss_torch = train_torch(x, y, start)
    print(f"Plain gradient descent on scores and weights, {STEPS} steps, learning rate {LEARNING_RATE}:")
    print(f"  start      keeps features {chosen(start)}")
    for name, params, loss in (("softjax", params_jax, loss_jax), ("softtorch", params_torch, loss_torch)):
        coefficients = np.asarray(jax_mask(jnp.asarray(params[:N_FEATURES]))) * params[N_FEATURES:]
        kept = np.array2string(coefficients[list(chosen(params))], precision=3)
        print(f"  {name:<9}  keeps features {chosen(params)}  coefficients mask * w {kept}  loss {loss:.4f}")

    gap = float(np.max(np.abs(params_jax - params_torch)))
    print(f"\nsoftjax vs softtorch: max |parameter difference| {gap:.1e}")
    assert gap < 1e-8, "the two frameworks disagree"
    assert chosen(params_jax) == chosen(params_torch) == TRUE_FEATURES, "training did not find the true features"
    save_plot(start, params_jax)
    print("OK: both frameworks learned the true features and agree to float64 rounding.")


if __name__ == "__main__":
    main()
