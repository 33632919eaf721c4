"""Learn an interval classifier through soft comparisons and soft logic, in JAX and in PyTorch.

The model says "x is positive when lo < x < hi":

    predict(x) = logical_and(greater(x, lo), less(x, hi))

With hard comparisons the loss is piecewise constant in ``lo`` and ``hi``: its gradient is zero
almost everywhere, so gradient descent cannot move. The soft comparisons of softjax / softtorch
replace the step by a sigmoid of width ``softness``; the gradient then says which way to move each
threshold. The same maths runs in both frameworks (it is written once, in softcore), so the two
training runs below produce the same numbers.

Run it with ``nox -s demo`` or, with softjax and softtorch installed, ``python examples/demo.py``
(``--small`` or ``SOFT_EXAMPLES_SMALL=1``: fewer steps, for a quick check).
"""

from __future__ import annotations

import os
import sys

import jax
import numpy as np
import torch

import softjax as sj
import softtorch as st

jax.config.update("jax_enable_x64", True)  # float64 in both frameworks: the runs agree to rounding

SOFTNESS = 0.1  # width of the soft step, in units of x
MODE = "smooth"  # logistic sigmoid; also try "c0", "c1", "c2" (compact transition region)
LEARNING_RATE = 2.0
SMALL = "--small" in sys.argv[1:] or os.environ.get("SOFT_EXAMPLES_SMALL") == "1"
STEPS = 60 if SMALL else 200
TRUE_INTERVAL = (-1.0, 1.5)
START = (-2.5, 2.5)


def make_data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Points in [-3, 3]; label 1 inside TRUE_INTERVAL, 0 outside."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-3.0, 3.0, size=n)
    lo, hi = TRUE_INTERVAL
    return x, ((x > lo) & (x < hi)).astype(np.float64)


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_predict(params: jax.Array, x: jax.Array, mode: str = MODE) -> jax.Array:
    inside_lo = sj.greater(x, params[0], softness=SOFTNESS, mode=mode)
    inside_hi = sj.less(x, params[1], softness=SOFTNESS, mode=mode)
    return sj.logical_and(inside_lo, inside_hi)


def jax_loss(params: jax.Array, x: jax.Array, y: jax.Array, mode: str = MODE) -> jax.Array:
    return jax.numpy.mean((jax_predict(params, x, mode) - y) ** 2)


def train_jax(x_np: np.ndarray, y_np: np.ndarray) -> tuple[np.ndarray, list[float]]:
    x, y = jax.numpy.asarray(x_np), jax.numpy.asarray(y_np)
    params = jax.numpy.asarray(START, dtype=jax.numpy.float64)
    value_and_grad = jax.jit(jax.value_and_grad(jax_loss))
    losses = []
    for _ in range(STEPS):
        loss, grad = value_and_grad(params, x, y)
        params = params - LEARNING_RATE * grad
        losses.append(float(loss))
    return np.asarray(params), losses


def jax_gradient(params: tuple[float, float], x_np: np.ndarray, y_np: np.ndarray, mode: str) -> np.ndarray:
    grad = jax.grad(jax_loss)(jax.numpy.asarray(params), jax.numpy.asarray(x_np), jax.numpy.asarray(y_np), mode)
    return np.asarray(grad)


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_predict(params: torch.Tensor, x: torch.Tensor, mode: str = MODE) -> torch.Tensor:
    inside_lo = st.greater(x, params[0], softness=SOFTNESS, mode=mode)
    inside_hi = st.less(x, params[1], softness=SOFTNESS, mode=mode)
    return st.logical_and(inside_lo, inside_hi)


def torch_loss(params: torch.Tensor, x: torch.Tensor, y: torch.Tensor, mode: str = MODE) -> torch.Tensor:
    return torch.mean((torch_predict(params, x, mode) - y) ** 2)


def train_torch(x_np: np.ndarray, y_np: np.ndarray) -> tuple[np.ndarray, list[float]]:
    x, y = torch.from_numpy(x_np), torch.from_numpy(y_np)
    params = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([params], lr=LEARNING_RATE)  # plain gradient descent
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = torch_loss(params, x, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return params.detach().numpy().copy(), losses


def torch_gradient(params: tuple[float, float], x_np: np.ndarray, y_np: np.ndarray, mode: str) -> np.ndarray:
    p = torch.tensor(params, dtype=torch.float64, requires_grad=True)
    loss = torch_loss(p, torch.from_numpy(x_np), torch.from_numpy(y_np), mode)
    if not loss.requires_grad:  # hard comparisons return plain 0/1 tensors: no autograd path at all
        return np.zeros(2)
    (grad,) = torch.autograd.grad(loss, p)
    return grad.numpy()


# ----------------------------------------------------------------------------------------------
def accuracy(params: np.ndarray, x: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of the HARD classifier with the given thresholds (softjax in mode="hard")."""
    pred = jax_predict(jax.numpy.asarray(params), jax.numpy.asarray(x), mode="hard")
    return float(np.mean(np.asarray(pred) == y))


def main() -> None:
    x, y = make_data()
    fmt = np.array2string
    print(f"Task: learn lo < x < hi from {x.size} labelled points; true interval {TRUE_INTERVAL}, start {START}.")
    print(f"Model: logical_and(greater(x, lo), less(x, hi)) with softness={SOFTNESS}, mode={MODE!r}.\n")

    print("Gradient of the loss w.r.t. (lo, hi) at the start:")
    print(f"  hard ops  jax   {fmt(jax_gradient(START, x, y, 'hard'), precision=6)}")
    print(f"  hard ops  torch {fmt(torch_gradient(START, x, y, 'hard'), precision=6)}   <- no signal to learn from")
    print(f"  soft ops  jax   {fmt(jax_gradient(START, x, y, MODE), precision=6)}")
    soft_torch = fmt(torch_gradient(START, x, y, MODE), precision=6)
    print(f"  soft ops  torch {soft_torch}   <- descent moves lo up and hi down\n")

    params_jax, losses_jax = train_jax(x, y)
    params_torch, losses_torch = train_torch(x, y)

    print(f"Plain gradient descent, {STEPS} steps, learning rate {LEARNING_RATE}:")
    rows = [("softjax", params_jax, losses_jax), ("softtorch", params_torch, losses_torch)]
    for name, params, losses in rows:
        print(
            f"  {name:<9}  lo = {params[0]: .6f}  hi = {params[1]: .6f}  loss {losses[0]:.4f} -> {losses[-1]:.4f}"
            f"  hard accuracy {accuracy(params, x, y):.1%}"
        )
    start_accuracy = accuracy(np.array(START), x, y)
    print(f"  start      lo = {START[0]: .6f}  hi = {START[1]: .6f}  hard accuracy {start_accuracy:.1%}")

    max_param_gap = float(np.max(np.abs(params_jax - params_torch)))
    max_loss_gap = float(np.max(np.abs(np.array(losses_jax) - np.array(losses_torch))))
    print(f"\nsoftjax vs softtorch: max |parameter difference| {max_param_gap:.1e}, ", end="")
    print(f"max |loss difference| {max_loss_gap:.1e}")
    assert max_param_gap < 1e-8 and max_loss_gap < 1e-10, "the two frameworks disagree"
    assert accuracy(params_jax, x, y) > 0.95, "training did not find the interval"
    print("OK: both frameworks learned the interval and agree to float64 rounding.")


if __name__ == "__main__":
    main()
