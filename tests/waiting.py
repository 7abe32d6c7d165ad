"""Waiting for something another task or process does, without a fixed sleep."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> bool:  # noqa: ASYNC109
    """True as soon as `check()` holds; False if it still does not after `timeout`."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True
