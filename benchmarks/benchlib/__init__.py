"""Shared pieces of the benchmark scripts in ``benchmarks/`` (not an installed package).

``grid``: the benchmark cases and the budget that skips the oversized ones; ``calls``: how each
implementation (ours, an older release, the framework's hard op, torchsort, diffsort) computes a
case; ``measure``: timing and memory for JAX and PyTorch; ``table``: CSV rows and markdown tables;
``plots``: log-log figures for the comparison (needs matplotlib).
"""
