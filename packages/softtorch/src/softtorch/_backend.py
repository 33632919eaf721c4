"""TorchBackend: the softcore backend contract implemented with PyTorch."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import array_api_compat.torch as xp_torch
import torch

from softcore._vjp import VJPRule

__all__ = ["TORCH", "TorchBackend"]


def _gather(x: Any, idx: Any) -> Any:
    """``x[idx]`` for 1-D ``x`` and in-bounds non-negative ``idx`` (array-API ``take`` also remaps
    negative indices: two more full-length ops per gather)."""
    return torch.index_select(x, 0, idx)


def _segment_min(data: Any, segment_ids: Any, *, num_segments: int) -> Any:
    """Minimum of each segment of 1-D ``data`` (empty segments: 0, never read)."""
    out = data.new_zeros(num_segments)
    return out.scatter_reduce(0, segment_ids.long(), data, reduce="amin", include_self=False)


def _cumulative_min(x: Any) -> Any:
    return torch.cummin(x, dim=-1).values


def _nonzero(mask: Any) -> Any:
    """Indices of the ``True`` entries of 1-D ``mask``, ascending (a data-dependent shape: one host
    sync, like every round of ``while_loop``)."""
    return torch.nonzero(mask).squeeze(-1)


class TorchBackend:
    name = "torch"
    xp = xp_torch
    #: Kernel slots (softcore DESIGN §4.8), each faster in ``benchmarks/``.
    kernels = {
        "gather": _gather,
        "segment_min": _segment_min,
        "cumulative_min": _cumulative_min,
        "nonzero": _nonzero,
    }

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

    def linear_solve(self, matvec: Callable[[Any], Any], b: Any, solve: Callable[[Any], Any], /) -> Any:
        # Called inside rule backwards and JVPs; were they differentiated again (double backward),
        # autograd would go through solve's Python-loop iterations, the derivative of the solve.
        return solve(b)

    def default_float_dtype(self) -> Any:
        return torch.get_default_dtype()

    def per_row(self, fn: Callable[..., Any], /, *arrays: Any, batch_ndim: int) -> Any:
        # Eager torch has no partitioner: DDP/FSDP give each process its own rows already.
        return fn(*arrays)

    def checkpoint(self, fn: Callable[..., Any], /) -> Callable[..., Any]:
        # Identity for now: torch.utils.checkpoint does not compose with torch.func transforms.
        return fn

    def concrete(self, x: Any, /) -> Any:
        # No value while torch.compile traces, nor for torch.func's wrapped (batched/grad) tensors.
        if torch.compiler.is_compiling() or torch._C._functorch.is_functorch_wrapped_tensor(x):
            return None
        return x.item()


TORCH = TorchBackend()


class _RuleFunction(torch.autograd.Function):
    """Registers a softcore VJPRule; residuals travel as non-differentiable extra outputs so that
    ``torch.func`` transforms and double backward keep working (setup_context style).

    ``jvp`` (forward mode: ``torch.func.jvp``, ``torch.autograd.forward_ad``) runs ``rule.jvp``
    where the rule has one. ``vmap`` (``torch.func.vmap``, hence ``jacfwd`` / ``jacrev``) moves
    the batch axis of every array input to the front (broadcasting unbatched inputs) and calls the
    rule once on the larger batch: rules treat leading axes as independent rows, and their
    outputs and residuals keep the batch axes in front.
    """

    @staticmethod
    def forward(rule: VJPRule, static: tuple[tuple[str, Any], ...], *arrays: Any) -> Any:  # type: ignore[override]
        out, res = rule.fwd(*arrays, bk=TORCH, **dict(static))
        outs = out if isinstance(out, tuple) else (out,)
        # A residual that is also an input or an output travels as a separate view: inputs must
        # be returned as views (setup_context requirement), and marking an output object itself
        # non-differentiable (below) would silently cut that output's gradient.
        res = tuple(r.view_as(r) if any(r is a for a in (*arrays, *outs)) else r for r in res)
        return (*outs, *res)

    @staticmethod
    def setup_context(ctx: Any, inputs: Any, output: Any) -> None:
        rule, static = inputs[0], inputs[1]
        ctx.rule, ctx.static = rule, dict(static)
        res = output[rule.n_outputs :]
        ctx.mark_non_differentiable(*res)
        ctx.save_for_backward(*res)
        if rule.jvp is not None:
            ctx.save_for_forward(*res)
            # zero tangents are materialised: torch mis-assigns a None before a defined tangent
            ctx.out_meta = [(o.shape, o.dtype, o.device) for o in output[: rule.n_outputs]]

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        g = grads[: ctx.rule.n_outputs]
        cot = ctx.rule.bwd(ctx.saved_tensors, g if len(g) > 1 else g[0], bk=TORCH, **ctx.static)
        return (None, None, *cot)

    @staticmethod
    def jvp(ctx: Any, *tangents: Any) -> Any:
        rule = ctx.rule
        if rule.jvp is None:
            raise NotImplementedError(f"softcore rule {rule.name!r} has no forward-mode (jvp) rule")
        res = ctx.saved_tensors
        t_out = rule.jvp(res, tuple(tangents[2:]), bk=TORCH, **ctx.static)
        t_outs = tuple(t_out) if rule.n_outputs > 1 else (t_out,)
        t_outs = tuple(
            torch.zeros(shape, dtype=dtype, device=device) if t is None else t
            for t, (shape, dtype, device) in zip(t_outs, ctx.out_meta, strict=True)
        )
        return (*t_outs, *(None for _ in res))

    @staticmethod
    def vmap(info: Any, in_dims: Any, rule: VJPRule, static: tuple[tuple[str, Any], ...], *arrays: Any) -> Any:
        size = info.batch_size
        moved = tuple(
            a.expand(size, *a.shape) if d is None else a.movedim(d, 0) for a, d in zip(arrays, in_dims[2:], strict=True)
        )
        outs = _RuleFunction.apply(rule, static, *moved)
        return outs, tuple(0 for _ in outs)
