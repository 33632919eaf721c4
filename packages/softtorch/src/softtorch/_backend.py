"""TorchBackend: the softcore backend contract implemented with PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat.torch as xp_torch
import torch

from softcore._vjp import VJPRule

__all__ = ["TORCH", "TorchBackend"]


class TorchBackend:
    name = "torch"
    xp = xp_torch

    def __repr__(self) -> str:
        return "TorchBackend()"

    def stop_gradient(self, x: Any, /) -> Any:
        return x.detach()

    def custom_vjp(self, rule: VJPRule, /) -> Callable[..., Any]:
        def call(*arrays: Any, **static: Any) -> Any:
            outs = _RuleFunction.apply(rule, tuple(sorted(static.items())), *arrays)
            return outs[0] if rule.n_outputs == 1 else tuple(outs[: rule.n_outputs])

        return call

    def fori_loop(self, lower: int, upper: int, body: Callable[[Any, Any], Any], init: Any, /) -> Any:
        state = init
        for i in range(lower, upper):
            state = body(i, state)
        return state

    def while_loop(
        self,
        cond: Callable[[Any], Any],
        body: Callable[[Any], Any],
        init: Any,
        /,
        *,
        max_iter: int,
        check_every: int = 1,
    ) -> Any:
        state = init
        for _ in range(math.ceil(max_iter / check_every)):
            if not bool(cond(state)):  # the only host sync: once per block
                break
            for _ in range(check_every):
                state = body(state)
        return state

    def segment_sum(self, data: Any, segment_ids: Any, /, *, num_segments: int) -> Any:
        out = data.new_zeros((*data.shape[:-1], num_segments))
        return out.scatter_add(-1, segment_ids.long(), data)  # out of place: autograd-safe

    def default_float_dtype(self) -> Any:
        return torch.get_default_dtype()

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        # Identity for now: torch.utils.checkpoint does not compose with torch.func transforms.
        return fn


TORCH = TorchBackend()


class _RuleFunction(torch.autograd.Function):
    """Registers a softcore VJPRule; residuals travel as non-differentiable extra outputs so that
    ``torch.func`` transforms and double backward keep working (setup_context style)."""

    @staticmethod
    def forward(rule: VJPRule, static: tuple[tuple[str, Any], ...], *arrays: Any) -> Any:  # type: ignore[override]
        out, res = rule.fwd(*arrays, bk=TORCH, **dict(static))
        outs = out if isinstance(out, tuple) else (out,)
        # An input saved as a residual must be returned as a view (setup_context requirement).
        res = tuple(r.view_as(r) if any(r is a for a in arrays) else r for r in res)
        return (*outs, *res)

    @staticmethod
    def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
        rule, static = inputs[0], inputs[1]
        ctx.rule, ctx.static = rule, dict(static)
        res = output[rule.n_outputs :]
        ctx.mark_non_differentiable(*res)
        ctx.save_for_backward(*res)

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        g = grads[: ctx.rule.n_outputs]
        cot = ctx.rule.bwd(ctx.saved_tensors, g if len(g) > 1 else g[0], bk=TORCH, **ctx.static)
        return (None, None, *cot)
