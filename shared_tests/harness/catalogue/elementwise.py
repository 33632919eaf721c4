"""Catalogue entries for the elementwise ops (SPEC §1.1, §3)."""

from __future__ import annotations

import numpy as np

from harness.cases import ELEMENTWISE_SOFT_MODES, OpCase, away_from

# With softness 0.1 the piecewise modes have kinks at |x| = 5 * 0.1 = 0.5: keep inputs away
# from them (finite differences and Hessians are only meaningful off the kinks). 0 is included
# on purpose: derivative conventions at 0 (e.g. of |x|) must not leak into smooth functions.
KINKS = (-0.5, 0.5)


def _x(rng: np.random.Generator, n: int = 9) -> np.ndarray:
    x = away_from(rng.uniform(-1.2, 1.2, size=n), KINKS, 0.02)
    x[0] = 0.0
    return x


def _x_only(rng):
    return (_x(rng),)


def _x_2d(rng):
    return (_x(rng, 12).reshape(3, 4),)


def _round_inputs(rng):
    # away from half-integers (the hard op's jumps) and the kinks of each soft step
    x = rng.uniform(-3, 3, size=10)
    return (away_from(x, tuple(k + 0.5 for k in range(-4, 4)), 0.1),)


def _clip_inputs(rng):
    x = away_from(rng.uniform(-1.5, 1.5, size=10), (-0.8, -0.3, 0.2, 0.7, 1.2), 0.03)
    return (x, -0.3, 0.7)


def _clip_array_bounds(rng):
    x = away_from(rng.uniform(-1.5, 1.5, size=(2, 5)), (-0.8, -0.3, 0.2, 0.7, 1.2), 0.03)
    return (x, np.full((2, 5), -0.3), np.array([0.7, 0.7, 0.7, 0.7, 0.7]))


def _hard(name):
    def ref(fw, xp, *inputs, **kwargs):
        x = inputs[0]
        if name == "heaviside":
            return xp.heaviside(x, xp.asarray(0.5, dtype=x.dtype)) if fw == "torch" else xp.heaviside(x, 0.5)
        if name == "relu":
            return xp.relu(x) if fw == "torch" else __import__("jax").nn.relu(x)
        if name == "clip":
            return xp.clamp(x, inputs[1], inputs[2]) if fw == "torch" else xp.clip(x, inputs[1], inputs[2])
        return getattr(xp, name)(x)

    return ref


def _robust_clip(v):
    return (v, -0.25, 0.75)


CASES = [
    OpCase("sigmoidal", _x_only, modes=ELEMENTWISE_SOFT_MODES),
    OpCase("sigmoidal", _x_2d, modes=ELEMENTWISE_SOFT_MODES, label="2d"),
    OpCase("softrelu", _x_only, modes=ELEMENTWISE_SOFT_MODES),
    OpCase("softrelu", _x_only, modes=ELEMENTWISE_SOFT_MODES, kwargs={"gated": True}, label="gated"),
    OpCase("heaviside", _x_only, hard_reference=_hard("heaviside")),
    OpCase("sign", _x_only, hard_reference=_hard("sign")),
    OpCase("abs", _x_only, hard_reference=_hard("abs")),
    OpCase("relu", _x_only, hard_reference=_hard("relu")),
    OpCase("relu", _x_2d, kwargs={"gated": True}, label="gated", hard_reference=_hard("relu")),
    OpCase("round", _round_inputs, hard_reference=_hard("round"), near_hard_softness=1e-4),
    OpCase(
        "round",
        _round_inputs,
        kwargs={"neighbor_radius": 2},
        label="radius2",
        hard_reference=_hard("round"),
        extra_errors=(({"neighbor_radius": -1}, ValueError, "neighbor_radius"),),
    ),
    OpCase("clip", _clip_inputs, robust_inputs=_robust_clip, hard_reference=_hard("clip")),
    OpCase(
        "clip",
        _clip_array_bounds,
        kwargs={"gated": True},
        label="gated-array-bounds",
        diff_argnums=(0, 1, 2),
        hard_reference=_hard("clip"),
        robust_inputs=lambda v: (v, v * 0 - 0.25, v * 0 + 0.75),
    ),
]
