"""One BLAS thread for the engine's many small products, without rescanning the loaded libraries.

`threadpoolctl.threadpool_limits` walks every shared library of the process each time it is
entered (~8 ms, 6 % of a 1,000-step LSTM trace); the controller scans once and is reused.
"""

from __future__ import annotations

from functools import lru_cache

from threadpoolctl import ThreadpoolController


@lru_cache(maxsize=1)
def _controller() -> ThreadpoolController:
    import numpy  # noqa: F401 - the libraries to limit are loaded before the one scan
    import torch  # noqa: F401

    return ThreadpoolController()


def one_thread(user_api: str | None = "blas"):
    """Context manager: the loaded BLAS (or, with user_api=None, every thread pool) on one thread.
    OpenBLAS's threads spin against each other on a busy 2-core machine (a 64×64 SVD went from
    0.5 ms to 95 ms)."""
    return _controller().limit(limits=1, user_api=user_api)
