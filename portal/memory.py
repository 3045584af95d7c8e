"""Memory a worker has freed, handed back to the system.

glibc's allocator keeps what Python frees in its heap for reuse, and returns only the free
space at the very top of it: loading the portal's code (about 14 MB at the first request) and
building the facet index (about 15 MB at 100,000 projects) each leave that much held for good
by every worker. malloc_trim() returns the free pages wherever they are. Elsewhere than glibc,
nothing is done.
"""

import ctypes
import ctypes.util

_libc_name = ctypes.util.find_library("c")
_malloc_trim = getattr(ctypes.CDLL(_libc_name), "malloc_trim", None) if _libc_name else None


def release_freed_memory():
    """Return the heap's free pages to the system (a few milliseconds)."""
    if _malloc_trim is not None:
        _malloc_trim(0)
