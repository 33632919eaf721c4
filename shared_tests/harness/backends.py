"""Framework adapters: the only place in the suite that knows JAX and PyTorch idioms.

A harness calls a catalogue op with NumPy inputs and returns NumPy outputs, gradients of the
weighted-sum loss ``sum_i <g_i, out_i>`` and Hessian-vector products, so every generic test is
written once.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
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


def suite_device() -> str:
    """The device the suite places its inputs on: ``SOFT_TEST_DEVICE`` (``cpu``, the default, or ``cuda``)."""
    device = os.environ.get("SOFT_TEST_DEVICE", "cpu").strip().lower() or "cpu"
    if device not in ("cpu", "cuda"):
        raise ValueError(f"SOFT_TEST_DEVICE must be 'cpu' or 'cuda', got {device!r}")
    return device


class Harness:
    name: str
    api: Any
    #: where :meth:`to_fw` places inputs: ``"cpu"`` or ``"cuda"`` (``SOFT_TEST_DEVICE``)
    device: str = "cpu"

    @contextlib.contextmanager
    def on_device(self, device: str) -> Iterator[None]:
        """Place inputs on ``device`` ("cpu" / "cuda") inside the block."""
        saved, self.device = self.device, device
        try:
            yield
        finally:
            self.device = saved

    def gpu_available(self) -> bool:
        raise NotImplementedError

    def device_kind(self, x: Any) -> str:
        """``"cpu"`` or ``"cuda"``: where an output array lives."""
        raise NotImplementedError

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
        self.device = suite_device()

    def _jax_device(self) -> Any:
        platform = "gpu" if self.device == "cuda" else "cpu"
        return self.jax.devices(platform)[0]

    def gpu_available(self) -> bool:
        try:
            return bool(self.jax.devices("gpu"))
        except RuntimeError:
            return False

    def device_kind(self, x: Any) -> str:
        platforms = {d.platform for d in x.devices()}
        return "cuda" if platforms == {"gpu"} else "cpu" if platforms == {"cpu"} else str(sorted(platforms))

    def to_fw(self, a: Any, dtype: str | None = "float64") -> Any:
        if dtype is None or not np.issubdtype(np.asarray(a).dtype, np.floating):
            arr = self.jnp.asarray(a)
        else:
            arr = self.jnp.asarray(a, dtype=getattr(self.jnp, dtype))
        if self.device == "cpu" and self.jax.default_backend() == "cpu":
            return arr  # already there (and left uncommitted, as a user's array would be)
        return self.jax.device_put(arr, self._jax_device())

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
        self.device = suite_device()

    def gpu_available(self) -> bool:
        return bool(self.torch.cuda.is_available())

    def device_kind(self, x: Any) -> str:
        return str(x.device.type)

    def fn_name(self, case: OpCase) -> str:
        return case.torch_name()

    def rename(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {TORCH_KWARGS.get(k, k): v for k, v in kwargs.items()}

    def to_fw(self, a: Any, dtype: str | None = "float64") -> Any:
        arr = np.asarray(a)
        if dtype is None or not np.issubdtype(arr.dtype, np.floating):
            return self.torch.as_tensor(arr, device=self.device)
        return self.torch.as_tensor(arr, dtype=getattr(self.torch, dtype), device=self.device)

    def to_numpy(self, x: Any) -> np.ndarray:
        x = self.torch.as_tensor(x).detach().cpu()
        if x.dtype == self.torch.bfloat16:
            x = x.float()
        return x.numpy()

    def dtype_name(self, x: Any) -> str:
        return str(self.torch.as_tensor(x).dtype).removeprefix("torch.")

    def _loss(self, case, args, mode, softness, cots):
        outs = flatten_outputs(self.call_raw(case, args, mode, softness))
        return sum((self.torch.as_tensor(g, device=o.device) * o).sum() for g, o in zip(cots, outs, strict=True))

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
        gv = sum(
            (g * torch.as_tensor(v, device=g.device)).sum()
            for g, v in zip(grads, direction, strict=True)
            if g is not None
        )
        if not (isinstance(gv, torch.Tensor) and gv.requires_grad):  # linear op: the Hessian is zero
            return [np.zeros(np.shape(inputs[i])) for i in idx]
        hs = torch.autograd.grad(gv, [args[i] for i in idx], allow_unused=True)
        return [np.zeros(np.shape(inputs[i])) if h is None else self.to_numpy(h) for i, h in zip(idx, hs, strict=True)]


HARNESS_FACTORIES: dict[str, Callable[[], Harness]] = {"jax": JaxHarness, "torch": TorchHarness}
