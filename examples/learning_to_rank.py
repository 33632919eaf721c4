"""Learning to rank with a soft-rank NDCG loss, in JAX and in PyTorch.

Each query has ``N_ITEMS`` candidate items with feature vectors and graded relevance labels
(0 = irrelevant ... 3 = perfect). A linear model scores the items, ``s = X @ w``, and the quality
of the resulting order is measured by NDCG, which discounts each item's gain by its rank:

    DCG  = sum_i (2 ** relevance_i - 1) / log2(1 + rank_i)        rank_i in 1..n (1 = top)
    loss = 1 - mean over queries of DCG / ideal DCG

The rank of an item is a piecewise-constant function of the scores, so the NDCG of hard ranks has
a zero gradient with respect to ``w``. ``rank`` of softjax / softtorch (``descending=True``: rank
1 for the highest score) returns soft ranks in [1, n] that move continuously with the scores; the
loss built on them can be maximised by plain gradient descent, and the hard NDCG of the learned
scorer (evaluated with ``mode="hard"``) goes up with it.

Run it with ``python examples/learning_to_rank.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``
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
N_QUERIES = 40 if SMALL else 200
STEPS = 100 if SMALL else 300
N_ITEMS, N_FEATURES = 10, 6
SOFTNESS = 0.1  # relative to the standardized scores of each query (rank standardizes by default)
METHOD = "softsort"  # closed form, the fastest rank method for a short axis; "neuralsort" works too
LEARNING_RATE = 1.0


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w_true = rng.normal(size=N_FEATURES)
    x = rng.normal(size=(N_QUERIES, N_ITEMS, N_FEATURES))
    utility = x @ w_true + 0.5 * rng.normal(size=(N_QUERIES, N_ITEMS))
    relevance = np.digitize(utility, np.quantile(utility, [0.5, 0.8, 0.95])).astype(np.float64)  # 0..3
    start = rng.normal(size=N_FEATURES)  # a random scorer
    return x, relevance, start


def ideal_dcg(relevance: np.ndarray) -> np.ndarray:
    gains = np.sort(2.0**relevance - 1.0, axis=-1)[..., ::-1]
    return np.sum(gains / np.log2(2.0 + np.arange(relevance.shape[-1])), axis=-1)


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_loss(w: jax.Array, x: jax.Array, relevance: jax.Array, ideal: jax.Array, mode: str = "smooth") -> jax.Array:
    ranks = sj.rank(x @ w, axis=-1, softness=SOFTNESS, mode=mode, method=METHOD, descending=True)  # (queries, items)
    dcg = jnp.sum((2.0**relevance - 1.0) / jnp.log2(1.0 + ranks), axis=-1)
    return 1.0 - jnp.mean(dcg / ideal)


jax_value_and_grad = jax.jit(jax.value_and_grad(jax_loss), static_argnames="mode")


def train_jax(x_np: np.ndarray, rel_np: np.ndarray, start: np.ndarray) -> np.ndarray:
    x, rel, ideal, w = jnp.asarray(x_np), jnp.asarray(rel_np), jnp.asarray(ideal_dcg(rel_np)), jnp.asarray(start)
    for _ in range(STEPS):
        w = w - LEARNING_RATE * jax_value_and_grad(w, x, rel, ideal)[1]
    return np.asarray(w)


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_loss(
    w: torch.Tensor, x: torch.Tensor, relevance: torch.Tensor, ideal: torch.Tensor, mode: str = "smooth"
) -> torch.Tensor:
    ranks = st.rank(x @ w, dim=-1, softness=SOFTNESS, mode=mode, method=METHOD, descending=True)  # (queries, items)
    dcg = torch.sum((2.0**relevance - 1.0) / torch.log2(1.0 + ranks), dim=-1)
    return 1.0 - torch.mean(dcg / ideal)


def train_torch(x_np: np.ndarray, rel_np: np.ndarray, start: np.ndarray) -> np.ndarray:
    x, rel, ideal = torch.from_numpy(x_np), torch.from_numpy(rel_np), torch.from_numpy(ideal_dcg(rel_np))
    w = torch.tensor(start, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=LEARNING_RATE)  # plain gradient descent
    for _ in range(STEPS):
        optimizer.zero_grad()
        torch_loss(w, x, rel, ideal).backward()
        optimizer.step()
    return w.detach().numpy().copy()


def torch_gradient(w: np.ndarray, x: np.ndarray, rel: np.ndarray, mode: str) -> np.ndarray:
    t = torch.tensor(w, requires_grad=True)
    loss = torch_loss(t, torch.from_numpy(x), torch.from_numpy(rel), torch.from_numpy(ideal_dcg(rel)), mode)
    if not loss.requires_grad:  # hard ranks are constants: no autograd path to w at all
        return np.zeros_like(w)
    (grad,) = torch.autograd.grad(loss, t)
    return grad.numpy()


# ----------------------------------------------------------------------------------------------
def hard_ndcg(w: np.ndarray, x: np.ndarray, rel: np.ndarray) -> float:
    """Mean NDCG of the order the scorer induces (softjax in mode="hard")."""
    return 1.0 - float(jax_value_and_grad(w, x, rel, ideal_dcg(rel), mode="hard")[0])


def save_plot(w_start: np.ndarray, w_learned: np.ndarray, x: np.ndarray, rel: np.ndarray) -> None:
    if SMALL:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), sharey=True, constrained_layout=True)
    for ax, w, title in ((axes[0], w_start, "random scorer"), (axes[1], w_learned, "learned scorer")):
        ranks = np.asarray(sj.rank(jnp.asarray(x @ w), axis=-1, mode="hard"))
        mean_rank = [ranks[rel == r].mean() for r in range(4)]
        ax.bar(range(4), mean_rank, color="tab:blue")
        ax.set_xticks(range(4))
        ax.set_xlabel("relevance label")
        ax.set_title(f"{title}: NDCG {hard_ndcg(w, x, rel):.3f}")
    axes[0].set_ylabel(f"mean rank among {N_ITEMS} (1 = top)")
    path = Path(__file__).resolve().parents[1] / "docs" / "img" / "example-learning-to-rank.png"
    fig.savefig(path, dpi=80, metadata={"Software": None})
    print(f"plot: {path.relative_to(path.parents[2])}")


def main() -> None:
    x, rel, start = make_data()
    fmt = np.array2string
    print(f"Task: rank {N_ITEMS} items in each of {N_QUERIES} queries with a linear scorer on {N_FEATURES} features.")
    print(f"Loss: 1 - NDCG computed with soft ranks, softness={SOFTNESS}; start from a random scorer.\n")

    ideal = ideal_dcg(rel)
    print("Gradient of the loss w.r.t. the scorer weights at the start:")
    print(
        f"  hard ranks  jax   {fmt(np.asarray(jax_value_and_grad(start, x, rel, ideal, mode='hard')[1]), precision=4)}"
    )
    print(f"  hard ranks  torch {fmt(torch_gradient(start, x, rel, 'hard'), precision=4)}   <- no signal")
    print(f"  soft ranks  jax   {fmt(np.asarray(jax_value_and_grad(start, x, rel, ideal)[1]), precision=4)}")
    print(f"  soft ranks  torch {fmt(torch_gradient(start, x, rel, 'smooth'), precision=4)}\n")

    w_jax = train_jax(x, rel, start)
    w_torch = train_torch(x, rel, start)
    print(f"Plain gradient descent, {STEPS} steps, learning rate {LEARNING_RATE}; hard NDCG (exact ranks):")
    print(f"  start      NDCG {hard_ndcg(start, x, rel):.4f}")
    for name, w in (("softjax", w_jax), ("softtorch", w_torch)):
        print(f"  {name:<9}  NDCG {hard_ndcg(w, x, rel):.4f}")

    gap = float(np.max(np.abs(w_jax - w_torch)))
    print(f"\nsoftjax vs softtorch: max |weight difference| {gap:.1e}")
    assert gap < 1e-8, "the two frameworks disagree"
    assert hard_ndcg(w_jax, x, rel) > max(0.9, hard_ndcg(start, x, rel) + 0.1), "training did not improve the ranking"
    save_plot(start, w_jax, x, rel)
    print("OK: both frameworks learned to rank and agree to float64 rounding.")


if __name__ == "__main__":
    main()
