"""Type aliases shared by softcore and the wrappers."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias

Array: TypeAlias = Any
#: A probability in [0, 1] per element (a relaxed Boolean).
SoftBool: TypeAlias = Any
#: Probabilities over positions along the LAST axis (a relaxed integer index).
SoftIndex: TypeAlias = Any

Mode = Literal["hard", "smooth", "c0", "c1", "c2"]
SigmoidalMode = Literal["smooth", "c0", "c1", "_c1_pnorm", "c2", "_c2_pnorm"]

#: Modes accepted by every elementwise/comparison op (``hard`` + the sigmoidal family).
ELEMENTWISE_MODES = ("hard", "smooth", "c0", "c1", "c2", "_c1_pnorm", "_c2_pnorm")
SIGMOIDAL_MODES = ("smooth", "c0", "c1", "_c1_pnorm", "c2", "_c2_pnorm")
