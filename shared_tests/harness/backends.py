"""Framework adapters: the only place in the suite that knows JAX and PyTorch idioms.

A harness calls a catalogue op with NumPy inputs and returns NumPy outputs, gradients of the
weighted-sum loss ``sum_i <g_i, out_i>`` and Hessian-vector products, so every generic test is
written once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from harness.cases import TORCH_KWARGS, OpCase


def flatten_outputs(out: Any) -> list[Any]:
    """Arrays of a (possibly nested) tuple / NamedTuple / torch.return_types output; None dropped."""
    if out is None:
        return []
    if isinstance(out, (tuple, list)):
        flat: list[Any] = []
        for o in out:
            flat.extend(flatten_outputs(o))
        return flat
    return [out]


def cotangents_for(outputs: Sequence[np.ndarray], seed: int = 1234) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(o)) for o in outputs]


class Harness:
    name: str
    api: Any

    # --- naming -----------------------------------------------------------------------------
    def fn(self, case: OpCase) -> Callable[..., Any]:
        return getattr(self.api, self.fn_name(case))

    def fn_name(self, case: OpCase) -> str:
        return case.name

    def rename(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return dict(kwargs)

    def op_kwargs(self, case: OpCase, mode: str | None, softness: Any, **extra: Any) -> dict[str, Any]:
        kw = dict(case.kwargs)
        kw.update(extra)
        if mode is not None:
            kw["mode"] = mode
            kw["softness"] = softness
        return self.rename(kw)

    # --- arrays -----------------------------------------------------------------------------
    def to_fw(self, a: Any, dtype: str | None = "float64") -> Any:
        raise NotImplementedError

    def to_numpy(self, x: Any) -> np.ndarray:
        raise NotImplementedError

    def convert_inputs(self, inputs: Sequence[Any], dtype: str | None = "float64") -> list[Any]:
        return [self.to_fw(a, dtype) if isinstance(a, np.ndarray) else a for a in inputs]

    # --- calls ------------------------------------------------------------------------------
    def call_raw(self, case: OpCase, fw_inputs: Sequence[Any], mode: str | None, softness: Any = None, **extra: Any):
        softness = case.softness if softness is None else softness
        return self.fn(case)(*fw_inputs, **self.op_kwargs(case, mode, softness, **extra))

    def call(
        self,
        case: OpCase,
        inputs: Sequence[Any],
        mode: str | None,
        softness: Any = None,
        dtype: str = "float64",
        **extra: Any,
    ) -> list[np.ndarray]:
        out = self.call_raw(case, self.convert_inputs(inputs, dtype), mode, softness, **extra)
        return [self.to_numpy(o) for o in flatten_outputs(out)]

    def dtypes(
        self, case: OpCase, inputs: Sequence[Any], mode: str | None, softness: Any = None, dtype: str = "float64"
    ) -> list[str]:
        out = self.call_raw(case, self.convert_inputs(inputs, dtype), mode, softness)
        return [self.dtype_name(o) for o in flatten_outputs(out)]

    def dtype_name(self, x: Any) -> str:
        raise NotImplementedError

    def value_and_grad(
        self, case: OpCase, inputs: Sequence[Any], mode: str | None, softness: Any = None, cot_seed: int = 1234
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        raise NotImplementedError

    def hvp(
        self,
        case: OpCase,
        inputs: Sequence[Any],
        mode: str | None,
        direction: Sequence[np.ndarray],
        softness: Any = None,
    ) -> list[np.ndarray]:
        raise NotImplementedError


def _split(case: OpCase, inputs: Sequence[Any]) -> tuple[list[int], list[Any]]:
    idx = list(case.diff_argnums)
    return idx, [inputs[i] for i in idx]


class JaxHarness(Harness):
    name = "jax"

    def __init__(self) -> None:
        os.environ.setdefault("JAX_ENABLE_X64", "1")
        import jax
        import jax.numpy as jnp

        import softjax

        jax.config.update("jax_enable_x64", True)
        self.jax, self.jnp, self.api = jax, jnp, softjax

    def to_fw(self, a: Any, dtype: str | None = "float64") -> Any:
        if dtype is None or not np.issubdtype(np.asarray(a).dtype, np.floating):
            return self.jnp.asarray(a)
        return self.jnp.asarray(a, dtype=getattr(self.jnp, dtype))

    def to_numpy(self, x: Any) -> np.ndarray:
        x = self.jnp.asarray(x)
        if x.dtype == self.jnp.bfloat16:
            x = x.astype(self.jnp.float32)
        return np.asarray(x)

    def dtype_name(self, x: Any) -> str:
        return str(self.jnp.asarray(x).dtype)

    def loss(self, case: OpCase, inputs: Sequence[Any], mode: str | None, softness: Any, cots: Sequence[np.ndarray]):
        jnp = self.jnp
        idx, _ = _split(case, inputs)
        fixed = self.convert_inputs(inputs)

        def loss(*diff: Any) -> Any:
            args = list(fixed)
            for i, d in zip(idx, diff, strict=True):
                args[i] = d
            outs = flatten_outputs(self.call_raw(case, args, mode, softness))
            return sum(jnp.sum(jnp.asarray(g) * o) for g, o in zip(cots, outs, strict=True))

        return loss

    def value_and_grad(self, case, inputs, mode, softness=None, cot_seed=1234):
        softness = case.softness if softness is None else softness
        outs = self.call(case, inputs, mode, softness)
        cots = cotangents_for(outs, cot_seed)
        loss = self.loss(case, inputs, mode, softness, cots)
        idx, diff = _split(case, inputs)
        grads = self.jax.grad(loss, argnums=tuple(range(len(idx))))(*[self.to_fw(d) for d in diff])
        return outs, [np.asarray(g) for g in grads]

    def hvp(self, case, inputs, mode, direction, softness=None):
        softness = case.softness if softness is None else softness
        jax, jnp = self.jax, self.jnp
        outs = self.call(case, inputs, mode, softness)
        loss = self.loss(case, inputs, mode, softness, cotangents_for(outs))
        idx, diff = _split(case, inputs)
        argnums = tuple(range(len(idx)))
        grad = jax.grad(loss, argnums=argnums)

        def g_dot_v(*d: Any) -> Any:
            return sum(jnp.sum(gi * jnp.asarray(vi)) for gi, vi in zip(grad(*d), direction, strict=True))

        return [np.asarray(h) for h in jax.grad(g_dot_v, argnums=argnums)(*[self.to_fw(d) for d in diff])]


class TorchHarness(Harness):
    name = "torch"

    def __init__(self) -> None:
        import torch

        import softtorch

        self.torch, self.api = torch, softtorch

    def fn_name(self, case: OpCase) -> str:
        return case.torch_name()

    def rename(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {TORCH_KWARGS.get(k, k): v for k, v in kwargs.items()}

    def to_fw(self, a: Any, dtype: str | None = "float64") -> Any:
        arr = np.asarray(a)
        if dtype is None or not np.issubdtype(arr.dtype, np.floating):
            return self.torch.as_tensor(arr)
        return self.torch.as_tensor(arr, dtype=getattr(self.torch, dtype))

    def to_numpy(self, x: Any) -> np.ndarray:
        x = self.torch.as_tensor(x).detach().cpu()
        if x.dtype == self.torch.bfloat16:
            x = x.float()
        return x.numpy()

    def dtype_name(self, x: Any) -> str:
        return str(self.torch.as_tensor(x).dtype).removeprefix("torch.")

    def _loss(self, case, args, mode, softness, cots):
        outs = flatten_outputs(self.call_raw(case, args, mode, softness))
        return sum((self.torch.as_tensor(g) * o).sum() for g, o in zip(cots, outs, strict=True))

    def value_and_grad(self, case, inputs, mode, softness=None, cot_seed=1234):
        softness = case.softness if softness is None else softness
        outs = self.call(case, inputs, mode, softness)
        cots = cotangents_for(outs, cot_seed)
        args = self.convert_inputs(inputs)
        idx, _ = _split(case, inputs)
        for i in idx:
            args[i] = args[i].clone().requires_grad_(True)
        loss = self._loss(case, args, mode, softness, cots)
        grads = self.torch.autograd.grad(loss, [args[i] for i in idx], allow_unused=True)
        return outs, [
            np.zeros(np.shape(inputs[i])) if g is None else self.to_numpy(g) for i, g in zip(idx, grads, strict=True)
        ]

    def hvp(self, case, inputs, mode, direction, softness=None):
        softness = case.softness if softness is None else softness
        torch = self.torch
        outs = self.call(case, inputs, mode, softness)
        cots = cotangents_for(outs)
        args = self.convert_inputs(inputs)
        idx, _ = _split(case, inputs)
        for i in idx:
            args[i] = args[i].clone().requires_grad_(True)
        loss = self._loss(case, args, mode, softness, cots)
        grads = torch.autograd.grad(loss, [args[i] for i in idx], create_graph=True, allow_unused=True)
        gv = sum((g * torch.as_tensor(v)).sum() for g, v in zip(grads, direction, strict=True) if g is not None)
        if not (isinstance(gv, torch.Tensor) and gv.requires_grad):  # linear op: the Hessian is zero
            return [np.zeros(np.shape(inputs[i])) for i in idx]
        hs = torch.autograd.grad(gv, [args[i] for i in idx], allow_unused=True)
        return [np.zeros(np.shape(inputs[i])) if h is None else self.to_numpy(h) for i, h in zip(idx, hs, strict=True)]


HARNESS_FACTORIES: dict[str, Callable[[], Harness]] = {"jax": JaxHarness, "torch": TorchHarness}
