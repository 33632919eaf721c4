"""Learn a rule made of interval tests and fuzzy logic, with straight-through gradients, in JAX and PyTorch.

The rule says "positive" when a 2-D point lies in box A or in box B:

    in_box(x, lo, hi) = all(logical_and(greater(x, lo), less(x, hi)), axis=-1)
    rule(x)           = logical_or(in_box(x, lo_A, hi_A), in_box(x, lo_B, hi_B))

``examples/demo.py`` learns one interval with soft comparisons, so its model outputs
probabilities during training. Here the rule is decorated with ``st`` (straight-through): the
forward pass evaluates the rule with ``mode="hard"``, so predictions are exact 0/1 decisions and
the training loss ``mean((rule(x) - label) ** 2)`` *is* the error rate of the deployed rule; the
backward pass differentiates the soft rule (soft comparisons, product t-norm for ``and``/``all``,
probabilistic sum for ``or``). Without it, the hard rule has a zero gradient with respect to all
eight interval bounds. Only misclassified points contribute to the gradient (for the others the
loss is already 0), much like a perceptron.

Run it with ``python examples/interval_rules.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``
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
N_POINTS = 300 if SMALL else 1000
STEPS = 100 if SMALL else 300
SOFTNESS = 0.3  # width of the soft steps of the backward pass, in units of x
LEARNING_RATE = 3.0
# params[box, 0] = lower corner, params[box, 1] = upper corner, each (x1, x2)
TRUE_BOXES = np.array([[[-2.0, -1.5], [-0.5, 1.0]], [[0.5, -2.0], [2.0, -0.5]]])
START = np.array([[[-2.5, -0.5], [0.5, 2.5]], [[-0.5, -2.5], [2.5, 0.5]]])


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=(N_POINTS, 2))
    inside = [np.all((x > lo) & (x < hi), axis=1) for lo, hi in TRUE_BOXES]
    return x, (inside[0] | inside[1]).astype(np.float64)


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_rule(params: jax.Array, x: jax.Array, mode: str = "smooth") -> jax.Array:
    boxes = []
    for box in range(2):
        above = sj.greater(x, params[box, 0], softness=SOFTNESS, mode=mode)  # (n, 2)
        below = sj.less(x, params[box, 1], softness=SOFTNESS, mode=mode)
        boxes.append(sj.all(sj.logical_and(above, below), axis=-1))  # (n,)
    return sj.logical_or(boxes[0], boxes[1])


jax_rule_st = sj.st(jax_rule)  # hard forward, soft backward


def jax_loss(params: jax.Array, x: jax.Array, y: jax.Array, straight_through: bool = True) -> jax.Array:
    prediction = jax_rule_st(params, x) if straight_through else jax_rule(params, x, "hard")
    return jnp.mean((prediction - y) ** 2)


jax_value_and_grad = jax.jit(jax.value_and_grad(jax_loss), static_argnames="straight_through")


def train_jax(x_np: np.ndarray, y_np: np.ndarray) -> tuple[np.ndarray, list[float]]:
    x, y, params = jnp.asarray(x_np), jnp.asarray(y_np), jnp.asarray(START)
    errors = []
    for _ in range(STEPS):
        error, grad = jax_value_and_grad(params, x, y)
        params = params - LEARNING_RATE * grad
        errors.append(float(error))
    return np.asarray(params), errors


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_rule(params: torch.Tensor, x: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    boxes = []
    for box in range(2):
        above = st.greater(x, params[box, 0], softness=SOFTNESS, mode=mode)  # (n, 2)
        below = st.less(x, params[box, 1], softness=SOFTNESS, mode=mode)
        boxes.append(st.all(st.logical_and(above, below), dim=-1))  # (n,)
    return st.logical_or(boxes[0], boxes[1])


torch_rule_st = st.st(torch_rule)  # hard forward, soft backward


def train_torch(x_np: np.ndarray, y_np: np.ndarray) -> tuple[np.ndarray, list[float]]:
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    params = torch.tensor(START, requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=LEARNING_RATE)  # plain gradient descent
    errors = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        error = torch.mean((torch_rule_st(params, x) - y) ** 2)
        error.backward()
        optimizer.step()
        errors.append(error.item())
    return params.detach().numpy().copy(), errors


def torch_gradient(x: np.ndarray, y: np.ndarray, straight_through: bool) -> np.ndarray:
    params = torch.tensor(START, requires_grad=True)
    inputs = torch.from_numpy(x)
    prediction = torch_rule_st(params, inputs) if straight_through else torch_rule(params, inputs, "hard")
    error = torch.mean((prediction - torch.from_numpy(y)) ** 2)
    if not error.requires_grad:  # hard comparisons are constants: no autograd path at all
        return np.zeros_like(START)
    (grad,) = torch.autograd.grad(error, params)
    return grad.numpy()


# ----------------------------------------------------------------------------------------------
def save_plot(x: np.ndarray, y: np.ndarray, params: np.ndarray, errors: list[float]) -> None:
    if SMALL:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        from matplotlib.patches import Rectangle
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(9, 4), constrained_layout=True)
    ax.scatter(x[:, 0], x[:, 1], c=np.where(y > 0, "tab:blue", "0.75"), s=6)
    for boxes, style, label in ((START, ":", "start"), (TRUE_BOXES, "--", "true"), (params, "-", "learned")):
        for i, (lo, hi) in enumerate(boxes):
            ax.add_patch(Rectangle(lo, *(hi - lo), fill=False, ls=style, lw=1.5, label=label if i == 0 else None))
    ax.set_xlim(-3, 3)
    ax.set_ylim(-3, 3)
    ax.set_aspect("equal")
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("Two boxes, learned with straight-through")
    ax_err.plot(errors)
    ax_err.set_xlabel("gradient step")
    ax_err.set_ylabel("training loss = exact error rate")
    path = Path(__file__).resolve().parents[1] / "docs" / "img" / "example-interval-rules.png"
    fig.savefig(path, dpi=80, metadata={"Software": None})
    print(f"plot: {path.relative_to(path.parents[2])}")


def main() -> None:
    x, y = make_data()
    fmt = np.array2string
    print(f"Task: learn 'x in box A or x in box B' (8 bounds) from {x.shape[0]} labelled 2-D points.")
    print(f"Model: st(rule): hard rule forward, soft rule (softness={SOFTNESS}) backward.\n")

    hard_jax = jax_value_and_grad(jnp.asarray(START), x, y, straight_through=False)[1]
    print("Gradient of the error w.r.t. the lower corner of box A at the start:")
    print(f"  hard rule         jax   {fmt(np.asarray(hard_jax)[0, 0], precision=6)}")
    print(f"  hard rule         torch {fmt(torch_gradient(x, y, False)[0, 0], precision=6)}   <- no signal")
    st_jax = jax_value_and_grad(jnp.asarray(START), x, y)[1]
    print(f"  straight-through  jax   {fmt(np.asarray(st_jax)[0, 0], precision=6)}")
    print(f"  straight-through  torch {fmt(torch_gradient(x, y, True)[0, 0], precision=6)}\n")

    params_jax, errors_jax = train_jax(x, y)
    params_torch, errors_torch = train_torch(x, y)
    print(f"Plain gradient descent, {STEPS} steps, learning rate {LEARNING_RATE} (loss = exact error rate):")
    for name, params, errors in (("softjax", params_jax, errors_jax), ("softtorch", params_torch, errors_torch)):
        boxes = "  ".join(f"[{lo[0]:.2f}, {hi[0]:.2f}] x [{lo[1]:.2f}, {hi[1]:.2f}]" for lo, hi in params)
        print(f"  {name:<9}  error {errors[0]:.3f} -> {errors[-1]:.3f}   boxes {boxes}")
    boxes = "  ".join(f"[{lo[0]:.2f}, {hi[0]:.2f}] x [{lo[1]:.2f}, {hi[1]:.2f}]" for lo, hi in TRUE_BOXES)
    print(f"  {'true':<9}  {'':23}boxes {boxes}")

    gap = float(np.max(np.abs(params_jax - params_torch)))
    print(f"\nsoftjax vs softtorch: max |parameter difference| {gap:.1e}")
    assert gap < 1e-8, "the two frameworks disagree"
    final = float(jnp.mean((jax_rule(jnp.asarray(params_jax), jnp.asarray(x), "hard") - y) ** 2))
    assert final < 0.02 < errors_jax[0], "training did not find the boxes"
    save_plot(x, y, params_jax, errors_jax)
    print("OK: both frameworks learned the rule and agree to float64 rounding.")


if __name__ == "__main__":
    main()
