"""Data-parallel training with soft ops: 2-process DDP (gloo, CPU) == one process on the whole batch.

Started by ``shared_tests/test_distributed.py``. A linear scorer ``s = items @ w`` is trained for a
few SGD steps on a learning-to-rank loss built from soft ops (per-row soft ranks against the target
ranks, plus a soft top-k term). Each row is one ranking problem, so the loss is a mean of per-row
terms and DDP's gradient average over equal shards equals the gradient of the full-batch loss.
Prints one JSON line: the max |parameter difference| between the DDP ranks and the reference run.
"""

from __future__ import annotations

import json
import socket
import sys

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

import softtorch as st

WORLD = 2
ROWS, ITEMS, FEATURES, STEPS, LR = 8, 6, 4, 5, 0.5


def data() -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    items = torch.randn(ROWS, ITEMS, FEATURES, generator=g, dtype=torch.float64)  # (B, n, d)
    target_w = torch.tensor([1.0, -2.0, 0.5, 0.0], dtype=torch.float64)
    target_rank = torch.argsort(torch.argsort(items @ target_w, dim=-1), dim=-1).to(torch.float64)  # (B, n)
    return items, target_rank


def model() -> torch.nn.Module:
    torch.manual_seed(1)
    return torch.nn.Linear(FEATURES, 1, bias=False, dtype=torch.float64)


def loss_fn(net: torch.nn.Module, items: torch.Tensor, target_rank: torch.Tensor) -> torch.Tensor:
    scores = net(items).squeeze(-1)  # (b, n)
    ranks = st.rank(scores, dim=-1, softness=0.5, method="neuralsort")  # (b, n), 0-based soft ranks
    rank_term = ((ranks - target_rank) ** 2).mean(dim=-1)  # (b,)
    top = st.topk(scores, 2, dim=-1, softness=0.5, mode="c1").values  # (b, 2)
    return (rank_term - 0.1 * torch.tanh(top).mean(dim=-1)).mean()


def train(net: torch.nn.Module, items: torch.Tensor, target_rank: torch.Tensor) -> torch.nn.Module:
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    for _ in range(STEPS):
        opt.zero_grad()
        loss_fn(net, items, target_rank).backward()
        opt.step()
    return net


def worker(rank: int, port: int, queue: mp.Queue) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=WORLD)
    items, target_rank = data()
    shard = slice(rank * ROWS // WORLD, (rank + 1) * ROWS // WORLD)
    net = torch.nn.parallel.DistributedDataParallel(model())
    train(net, items[shard], target_rank[shard])
    queue.put((rank, net.module.weight.detach().tolist()))  # plain floats: the process exits next
    dist.destroy_process_group()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=worker, args=(r, port, queue)) for r in range(WORLD)]
    for p in procs:
        p.start()
    weights = {r: torch.tensor(w, dtype=torch.float64) for r, w in (queue.get(timeout=600) for _ in procs)}
    for p in procs:
        p.join(timeout=60)
    items, target_rank = data()
    start = model().weight.detach().clone()
    reference = train(model(), items, target_rank).weight.detach()
    print(
        json.dumps(
            {
                "exit_codes": [p.exitcode for p in procs],
                "ranks_agree": float((weights[0] - weights[1]).abs().max()),
                "ddp_vs_single": max(float((w - reference).abs().max()) for w in weights.values()),
                "moved": float((reference - start).abs().max()),
            }
        )
    )


if __name__ == "__main__":
    sys.exit(main())
