"""Process memory settings for training jobs.

A training step allocates and frees the same large buffers (a sequence's states and gate
activations, tens to hundreds of MB) every step. glibc returns such blocks to the kernel on
free and the next step page-faults them back in, zeroed: measured here, ~4,000 page faults
and ~20 % of a seed-batched binding step. `retain_freed_memory` keeps freed memory in the
process for reuse instead; the cost is that a job's resident memory stays at its peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging

log = logging.getLogger(__name__)

# mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_MMAP_THRESHOLD = 1 << 30  # blocks below 1 GiB come from the heap, not a fresh mmap
_TRIM_THRESHOLD = (1 << 31) - 1  # never give free heap back to the kernel
_TOP_PAD = 64 << 20  # grow the heap 64 MiB at a time


@functools.cache
def retain_freed_memory() -> bool:
    """Ask glibc's allocator to keep freed blocks for reuse (once per process); False where
    the C library is not glibc or refuses a setting (nothing changes then)."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        log.debug("no mallopt in the C library (%s): freed memory is returned as usual", name)
        return False
    settings = ((_M_MMAP_THRESHOLD, _MMAP_THRESHOLD), (_M_TRIM_THRESHOLD, _TRIM_THRESHOLD),
                (_M_TOP_PAD, _TOP_PAD))
    accepted = all(mallopt(option, value) == 1 for option, value in settings)
    if not accepted:
        log.debug("mallopt refused a setting: freed memory may still be returned to the kernel")
    return accepted
