"""Learn the threshold of a noise gate with a soft comparison and a soft ``where``, in JAX and PyTorch.

A sparse signal (a few spikes) is observed with Gaussian noise. A noise gate keeps the samples
whose magnitude exceeds a threshold ``tau`` and zeroes the rest:

    gated = where(greater(|x|, tau), x, 0)
    loss  = mean((gated - clean) ** 2)

A low threshold lets the noise through, a high one cuts the spikes. With the hard comparison the
loss is a step function of ``tau`` (it only changes when ``tau`` crosses a sample): its gradient is
zero, so ``tau`` cannot be learned by gradient descent. ``greater`` of softjax / softtorch is a
sigmoid of width ``softness`` (in the units of ``x``), and ``where`` mixes the two branches with
that probability, so the gradient says whether the gate should open or close. The learned
threshold is compared with the best threshold found by brute force with the hard gate.

Run it with ``python examples/threshold_gate.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``
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
N_SAMPLES = 500 if SMALL else 2000
STEPS = 100 if SMALL else 300
NOISE = 0.1
SOFTNESS = 0.02  # width of the soft step, in units of x
LEARNING_RATE = 2.0
START = 0.05  # the gate starts almost fully open


def make_data(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    spikes = rng.random(N_SAMPLES) < 0.1
    clean = np.where(spikes, rng.choice([-1.0, 1.0], N_SAMPLES) * rng.uniform(0.4, 1.5, N_SAMPLES), 0.0)
    return clean + NOISE * rng.normal(size=N_SAMPLES), clean


# ----------------------------------------------------------------------------------------------
# JAX
# ----------------------------------------------------------------------------------------------
def jax_loss(tau: jax.Array, x: jax.Array, clean: jax.Array, mode: str = "smooth") -> jax.Array:
    is_open = sj.greater(jnp.abs(x), tau, softness=SOFTNESS, mode=mode)
    return jnp.mean((sj.where(is_open, x, 0.0) - clean) ** 2)


jax_value_and_grad = jax.jit(jax.value_and_grad(jax_loss), static_argnames="mode")


def train_jax(x_np: np.ndarray, clean_np: np.ndarray) -> tuple[float, list[float]]:
    x, clean, tau = jnp.asarray(x_np), jnp.asarray(clean_np), jnp.asarray(START)
    path = []
    for _ in range(STEPS):
        _, grad = jax_value_and_grad(tau, x, clean)
        tau = tau - LEARNING_RATE * grad
        path.append(float(tau))
    return float(tau), path


# ----------------------------------------------------------------------------------------------
# PyTorch
# ----------------------------------------------------------------------------------------------
def torch_loss(tau: torch.Tensor, x: torch.Tensor, clean: torch.Tensor, mode: str = "smooth") -> torch.Tensor:
    is_open = st.greater(torch.abs(x), tau, softness=SOFTNESS, mode=mode)
    return torch.mean((st.where(is_open, x, 0.0) - clean) ** 2)


def train_torch(x_np: np.ndarray, clean_np: np.ndarray) -> float:
    x, clean = torch.from_numpy(x_np), torch.from_numpy(clean_np)
    tau = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([tau], lr=LEARNING_RATE)  # plain gradient descent
    for _ in range(STEPS):
        optimizer.zero_grad()
        torch_loss(tau, x, clean).backward()
        optimizer.step()
    return tau.item()


def torch_gradient(tau: float, x: np.ndarray, clean: np.ndarray, mode: str) -> float:
    t = torch.tensor(tau, dtype=torch.float64, requires_grad=True)
    loss = torch_loss(t, torch.from_numpy(x), torch.from_numpy(clean), mode)
    if not loss.requires_grad:  # the hard comparison is a constant: no autograd path to tau at all
        return 0.0
    (grad,) = torch.autograd.grad(loss, t)
    return grad.item()


# ----------------------------------------------------------------------------------------------
def hard_loss(tau: float, x: np.ndarray, clean: np.ndarray) -> float:
    return float(np.mean((np.where(np.abs(x) > tau, x, 0.0) - clean) ** 2))


def save_plot(x: np.ndarray, clean: np.ndarray, taus: np.ndarray, path_jax: list[float]) -> None:
    if SMALL:
        return
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    soft = [float(jax_loss(jnp.asarray(t), x, clean)) for t in taus]
    fig, ax = plt.subplots(figsize=(6, 3.6), constrained_layout=True)
    ax.plot(taus, [hard_loss(t, x, clean) for t in taus], color="k", lw=1, label="hard gate (steps)")
    ax.plot(taus, soft, color="tab:blue", label=f"soft gate, softness={SOFTNESS}")
    iterates = [START, *path_jax[:40:4]]
    ax.plot(iterates, [hard_loss(t, x, clean) for t in iterates], "o", ms=3, color="tab:red", label="gradient descent")
    ax.set_xlabel("threshold tau")
    ax.set_ylabel("mean squared error")
    ax.set_title("Noise gate: loss as a function of the threshold")
    ax.legend(fontsize=8)
    path = Path(__file__).resolve().parents[1] / "docs" / "img" / "example-threshold-gate.png"
    fig.savefig(path, dpi=80, metadata={"Software": None})
    print(f"plot: {path.relative_to(path.parents[2])}")


def main() -> None:
    x, clean = make_data()
    print(f"Task: learn the threshold of a noise gate on {x.size} samples (noise sd {NOISE}, 10% spikes).")
    print(f"Model: where(greater(|x|, tau), x, 0) with softness={SOFTNESS}; start at tau = {START}.\n")

    print("Gradient of the loss w.r.t. tau at the start:")
    print(f"  hard ops  jax   {float(jax_value_and_grad(START, x, clean, mode='hard')[1]): .6f}")
    print(f"  hard ops  torch {torch_gradient(START, x, clean, 'hard'): .6f}   <- no signal to learn from")
    print(f"  soft ops  jax   {float(jax_value_and_grad(START, x, clean)[1]): .6f}")
    print(f"  soft ops  torch {torch_gradient(START, x, clean, 'smooth'): .6f}   <- descent raises tau\n")

    tau_jax, path_jax = train_jax(x, clean)
    tau_torch = train_torch(x, clean)
    taus = np.linspace(0.0, 0.8, 801)
    best = float(taus[np.argmin([hard_loss(t, x, clean) for t in taus])])
    print(f"Plain gradient descent, {STEPS} steps, learning rate {LEARNING_RATE}:")
    print(f"  start        tau = {START:.4f}  hard-gate error {hard_loss(START, x, clean):.5f}")
    for name, tau in (("softjax", tau_jax), ("softtorch", tau_torch)):
        print(f"  {name:<11}  tau = {tau:.4f}  hard-gate error {hard_loss(tau, x, clean):.5f}")
    print(f"  brute force  tau = {best:.4f}  hard-gate error {hard_loss(best, x, clean):.5f}  (grid of {taus.size})")

    gap = abs(tau_jax - tau_torch)
    print(f"\nsoftjax vs softtorch: |threshold difference| {gap:.1e}")
    assert gap < 1e-8, "the two frameworks disagree"
    assert hard_loss(tau_jax, x, clean) < 1.25 * hard_loss(best, x, clean), "the learned gate is far from the best one"
    save_plot(x, clean, taus, path_jax)
    print("OK: both frameworks learned the threshold and agree to float64 rounding.")


if __name__ == "__main__":
    main()
