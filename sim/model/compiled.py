"""How the model's compiled kernels are built, and how an agent's random stream reaches them.

A day's decisions are many small sequential steps (one network's delivery
changes the next one's need; a dispatched unit stays busy), so their cost was
the interpreter's, not arithmetic. Each agent keeps its rule in a kernel beside
it, compiled by numba once and cached on disk.

Every agent draws from its own ``numpy.random.Generator`` (spawned from the
run's seed). A kernel draws from the *same* stream, in the same order, so the
compiled day gives the numbers the interpreted one gave: ``handle`` gives the
stream's C interface as five addresses (an agent keeps it in a ``Port``, which copies
right), and ``generator`` turns them, inside a
kernel, into numba's model of a Generator, whose ``random``, ``integers``,
``binomial``, ``gamma`` follow NumPy's algorithms bit for bit; Poisson counts come
from :func:`sim.model.draws.poisson` (numba's ``poisson`` needs its runtime, and
departs from NumPy's at means from 10 to about 20). Passing the Generator itself
would cost about 12 µs a call (numba unboxes it through Python attributes); the
handle costs about 0.35 µs.

Exactness traps a kernel must respect: NumPy sums arrays of more than eight
elements pairwise (``array_sum`` reproduces it) and its vectorised
transcendental functions may differ from libm's in the last bit, so those stay
NumPy calls outside kernels.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
from pathlib import Path
from typing import Any

import numba
import numpy as np
from numba import types
from numba.core import caching, cgutils
from numba.extending import intrinsic

MODEL_DIR = Path(__file__).resolve().parent


@functools.cache
def model_stamp() -> bytes:
    """A hash of every source file of :mod:`sim.model` (and numba's version)."""
    digest = hashlib.sha256(numba.__version__.encode())
    for path in sorted(MODEL_DIR.rglob("*.py")):
        digest.update(path.relative_to(MODEL_DIR).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.digest()


class _ModelStamp:
    """A cache locator for the model's kernels whose freshness stamp is the whole model's
    source, not the kernel's own file: a cached kernel holds the code of the kernels it
    calls and the constants it reads from other modules, so a change to any of them must
    recompile it (numba's own stamp would keep serving the stale machine code)."""

    def get_source_stamp(self) -> bytes:
        return model_stamp()

    @classmethod
    def from_function(cls, py_func: Any, py_file: str) -> Any:
        if not Path(py_file).resolve().is_relative_to(MODEL_DIR):
            return None  # not a kernel of the model: numba's own locators decide
        return super().from_function(py_func, py_file)  # type: ignore[misc]


caching.CacheImpl._locator_classes[:0] = [
    type(f"Model{base.__name__}", (_ModelStamp, base), {})
    for base in (
        caching.UserProvidedCacheLocator,  # NUMBA_CACHE_DIR, if set
        caching.InTreeCacheLocator,  # beside the module
        caching.UserWideCacheLocator,  # where the package's directory is read-only
    )
]

kernel = numba.njit(cache=True, error_model="numpy", _nrt=False)
"""The decorator of a kernel that works in place on the arrays it is given and makes none:
compiled on first use, cached beside its module (fresh while no source of the model
changed: ``_ModelStamp``), with NumPy's semantics for division (inf and nan, not an
exception), and without numba's runtime (NRT): a call passes its arrays as they are, where
with the runtime it wraps each in a reference-counted block and frees it on return,
which was a third of what calling a kernel cost."""

allocating_kernel = numba.njit(cache=True, error_model="numpy", _nrt=True)
"""The decorator of a kernel that makes arrays (``np.empty``, array arithmetic, an array
it returns): as ``kernel``, with numba's runtime to count references to them. A
``kernel`` never calls one: it would not free an array one returns, and one compiled
first from inside a ``kernel`` would be compiled without the runtime it needs."""

_GENERATOR = types.NumPyRandomGeneratorType("generator")
_BIT_GENERATOR = types.NumPyRandomBitGeneratorType("bit_generator")
_FIELDS = ("state_address", "state", "fnptr_next_uint64", "fnptr_next_uint32", "fnptr_next_double")


def handle(stream: np.random.Generator) -> np.ndarray:
    """The stream's C interface for kernels: valid while ``stream`` lives (its owner keeps both)."""
    c = stream.bit_generator.ctypes
    address = [ctypes.cast(f, ctypes.c_void_p).value for f in (c.next_uint64, c.next_uint32)]
    next_double = ctypes.cast(c.next_double, ctypes.c_void_p).value
    return np.array([c.state_address, c.state.value, *address, next_double], dtype=np.uint64)


class OwnViews:
    """Base of an object whose attributes are views of one of its arrays (a block that a
    kernel takes whole). ``copy.deepcopy`` and pickle copy each array apart, so in a
    copy the views would come loose from the block: the kernel would write the block,
    readers would see stale views. Such an object makes its views in ``_view`` (from
    ``__init__``), and a copy makes them anew."""

    def _view(self) -> None:
        raise NotImplementedError

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._view()


class Port:
    """An agent's stream and its ``handle``, kept together so that a copy of the agent
    (``copy.deepcopy``, pickle) gets a handle to *its own* copy of the stream: a copied
    handle would keep the original's addresses and draw from the original's state (or,
    in another process, from freed memory)."""

    __slots__ = ("stream", "handle")

    def __init__(self, stream: np.random.Generator) -> None:
        self.stream = stream
        self.handle = handle(stream)

    def __reduce__(self) -> tuple[type[Port], tuple[np.random.Generator]]:
        return Port, (self.stream,)


@intrinsic
def generator(typingctx, stream_handle):
    """Inside a kernel: the Generator behind ``handle(stream)``, drawing from its state."""

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, args[0])
        bits = cgutils.create_struct_proxy(_BIT_GENERATOR)(context, builder)
        for i, field in enumerate(_FIELDS):
            setattr(bits, field, builder.load(cgutils.gep(builder, array.data, i)))
        gen = cgutils.create_struct_proxy(_GENERATOR)(context, builder)
        gen.bit_generator = bits._getvalue()
        return gen._getvalue()

    return _GENERATOR(stream_handle), codegen


@allocating_kernel
def array_sum(a: np.ndarray) -> float:
    """``np.add.reduce(a)`` of a 1-d float64 array, exactly: NumPy's pairwise summation
    (blocks of eight up to 128 elements; above that, halves at a multiple of eight, summed
    as a tree: evaluated here with an explicit stack, since cached recursive kernels are
    fragile)."""
    n = a.size
    if n <= 128:
        return _block(a, 0, n)
    starts = np.empty(64, np.int64)
    sizes = np.empty(64, np.int64)
    stage = np.zeros(64, np.int64)
    values = np.empty(64)
    starts[0], sizes[0], top, done = 0, n, 1, 0
    while top:
        s, m = starts[top - 1], sizes[top - 1]
        if m <= 128:
            values[done] = _block(a, s, m)
            done += 1
            top -= 1
            continue
        half = m // 2
        half -= half % 8
        if stage[top - 1] < 2:  # push the left half, then the right one
            first = stage[top - 1] == 0
            stage[top - 1] += 1
            starts[top] = s if first else s + half
            sizes[top] = half if first else m - half
            stage[top] = 0
            top += 1
        else:  # both halves done: their sum replaces them
            done -= 1
            values[done - 1] += values[done]
            top -= 1
    return values[0]


@allocating_kernel
def _block(a: np.ndarray, start: int, n: int) -> float:
    """NumPy's ``pairwise_sum`` of ``a[start:start + n]`` for ``n`` up to 128."""
    if n < 8:
        total = 0.0
        for i in range(start, start + n):
            total += a[i]
        return total
    r = np.empty(8)
    for j in range(8):
        r[j] = a[start + j]
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[start + i + j]
        i += 8
    total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    for k in range(i, n):
        total += a[start + k]
    return total
