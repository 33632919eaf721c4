"""Train a categorical policy on a 5-armed bandit with ``random.categorical_st``, in JAX and PyTorch.

The policy is ``softmax(theta)`` over 5 arms with known rewards. The objective is the expected
reward of a sampled arm, ``E_{a ~ softmax(theta)}[r_a]``, estimated from a batch of samples:

    a = random.categorical_st(key_or_generator, theta, shape=(BATCH,), softness=TAU)  # (BATCH, 5)
    reward = mean(a @ r)

Each row of ``a`` is an exact one-hot sample (the forward pass is the Gumbel-max sample, the same
arm ``jax.random.categorical`` draws for that key), so ``reward`` is the reward actually obtained.
A hard sample has no gradient with respect to ``theta``; ``categorical_st`` backpropagates through
the Gumbel-softmax relaxation ``softmax((theta + g) / TAU)`` of the *same* Gumbel draw ``g``
(straight-through Gumbel-softmax), so plain gradient ascent moves the probability mass to the
best arm.

JAX draws the noise with explicit keys, PyTorch with a ``torch.Generator``; the two runs use
different random streams, so their numbers differ slightly, but both learn the same policy.

Run it with ``python examples/categorical_policy.py`` (``--small`` or ``SOFT_EXAMPLES_SMALL=1``:
fewer steps, for a quick check).
"""

from __future__ import annotations

import os
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import torch

from softjax import random as sj_random
from softtorch import random as st_random

jax.config.update("jax_enable_x64", True)

REWARDS = np.array([1.0, 2.0, 0.5, 3.0, 2.5])  # arm 3 is the best, arm 4 a close second
BATCH = 64  # samples per gradient step
TAU = 0.5  # softness = Gumbel-softmax temperature of the backward pass
LEARNING_RATE = 0.5
SMALL = "--small" in sys.argv[1:] or os.environ.get("SOFT_EXAMPLES_SMALL") == "1"
STEPS = 100 if SMALL else 300


def train_jax(seed: int = 0) -> tuple[np.ndarray, float]:
    rewards = jnp.asarray(REWARDS)

    def expected_reward(theta: jax.Array, key: jax.Array) -> jax.Array:
        arms = sj_random.categorical_st(key, theta, shape=(BATCH,), softness=TAU)  # (BATCH, 5) one-hot
        return jnp.mean(arms @ rewards)

    @jax.jit
    def step(theta: jax.Array, key: jax.Array) -> tuple[jax.Array, jax.Array]:
        reward, grad = jax.value_and_grad(expected_reward)(theta, key)
        return theta + LEARNING_RATE * grad, reward

    theta = jnp.zeros(len(REWARDS))
    key = jax.random.key(seed)
    for _ in range(STEPS):
        key, sub = jax.random.split(key)
        theta, reward = step(theta, sub)
    return np.asarray(jax.nn.softmax(theta)), float(reward)


def train_torch(seed: int = 0) -> tuple[np.ndarray, float]:
    rewards = torch.as_tensor(REWARDS)
    generator = torch.Generator().manual_seed(seed)
    theta = torch.zeros(len(REWARDS), dtype=torch.float64, requires_grad=True)
    for _ in range(STEPS):
        arms = st_random.categorical_st(theta, shape=(BATCH,), softness=TAU, generator=generator)
        reward = (arms @ rewards).mean()
        (grad,) = torch.autograd.grad(reward, theta)
        with torch.no_grad():
            theta += LEARNING_RATE * grad
    return torch.softmax(theta.detach(), -1).numpy(), float(reward.detach())


def main() -> None:
    np.set_printoptions(precision=3, suppress=True)
    print(f"rewards: {REWARDS}  (best arm: {int(np.argmax(REWARDS))})")
    for name, train in (("jax", train_jax), ("torch", train_torch)):
        start = time.perf_counter()
        probs, reward = train()
        seconds = time.perf_counter() - start
        print(f"{name:5s}  learned probabilities {probs}  last batch reward {reward:.3f}  ({seconds:.1f} s)")
        assert int(np.argmax(probs)) == int(np.argmax(REWARDS)), f"{name}: did not find the best arm"
    print("OK: both frameworks learned to pick the best arm (their random streams differ, so the numbers do too).")


if __name__ == "__main__":
    main()
