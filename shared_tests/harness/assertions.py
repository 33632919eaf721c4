"""The one closeness assertion of the suite (always raises, scales atol with magnitude)."""

from __future__ import annotations

import numpy as np


def assert_close(actual, expected, rtol: float, *, what: str = "", atol: float | None = None) -> None:
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    finite = np.isfinite(expected)
    if atol is None:
        scale = np.max(np.abs(expected[finite])) if finite.any() else 1.0
        atol = rtol * max(1.0, float(scale))
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
