#!/usr/bin/env python3
"""What the Python call adds to ``UnitIndex.assign``: Python against the Rust call alone.

Both sides assign the same 1M points (float64 NumPy arrays) to the same 10k synthetic blocks
(quartier's seeded synthetic town, as ``benches/benches/assign.rs``) with the same index:

- **Python**: ``index.assign(x, y)`` — argument checks, zero-copy borrow of the arrays, GIL
  release, the core call, and the two result arrays handed to NumPy;
- **Rust**: ``index._time_assign(x, y)`` — the core's ``UnitIndex::assign`` timed inside Rust
  on the same borrowed slices (no conversion, no result arrays).

Each figure is the best of ``--repeat`` runs. The overhead target of issue 6 is <= 10 %.

Usage (inside the venv with quartier built by ``maturin develop --release``)::

    python benches/python_assign.py                 # 10k blocks x 1M points
    python benches/python_assign.py --repeat 15
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import quartier
from quartier import _quartier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=10_000)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    _, _, x, y = _quartier._synthetic(args.blocks, args.points, 0.05, args.seed)
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    index = _quartier._synthetic_index(args.blocks, args.seed)
    index.assign(x, y)  # warm-up: page in the index and the arrays

    # Interleave the two so that machine noise hits both alike.
    python, rust = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        index.assign(x, y)
        python.append(time.perf_counter() - start)
        rust.append(index._time_assign(x, y, 1))
    py_best, rust_best = min(python), min(rust)
    py_median, rust_median = float(np.median(python)), float(np.median(rust))
    print(f"quartier {quartier.__version__}, numpy {np.__version__}: "
          f"{args.blocks} blocks x {args.points} points, best of {args.repeat}")
    print(f"{'':24} {'best ms':>9} {'median ms':>10}")
    print(f"{'Python index.assign':24} {py_best * 1e3:9.1f} {py_median * 1e3:10.1f}")
    print(f"{'Rust UnitIndex::assign':24} {rust_best * 1e3:9.1f} {rust_median * 1e3:10.1f}")
    print(f"overhead: {100 * (py_best / rust_best - 1):+.1f} % (best), "
          f"{100 * (py_median / rust_median - 1):+.1f} % (median)")


if __name__ == "__main__":
    main()
