"""MinHash signatures of many documents at once, vectorized and bit-identical to datasketch.

The permutations are datasketch's own
(``datasketch.MinHash(num_perm, seed, scheme=...).permutations``) and the arithmetic is
datasketch's, so for the same seed, scheme and 32-bit input values (the low 32 bits of
:mod:`lineage.shingle` hashes) each row equals ``datasketch.MinHash.hashvalues`` bit for
bit, and a row can be handed to ``datasketch.MinHashLSH`` as
``MinHash(hashvalues=row, seed=seed, scheme=scheme)``.

Examples
--------
>>> from lineage.shingle import shingle_hashes
>>> signatures = minhash_signatures(shingle_hashes(["a b c d e f g"], n=3), num_perm=8)
>>> signatures.shape, nonempty_rows(signatures).tolist()
((1, 8), [0])
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

from lineage.errors import ParameterError, check_positive_int, shorten
from lineage.shingle import HashedSpans, chunk_bounds, offsets_of

SCHEMES = ("affine32", "affine64", "legacy")
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH32 = np.uint64((1 << 32) - 1)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_FMIX64 = (
    np.uint64(33),
    np.uint64(0xFF51AFD7ED558CCD),
    np.uint64(33),
    np.uint64(0xC4CEB9FE1A85EC53),
)
_CHUNK_SHINGLES = 1 << 17


def _check_scheme(scheme: str) -> str:
    if scheme not in SCHEMES:
        raise ParameterError(f"'scheme' must be one of {SCHEMES} (got {shorten(scheme)})")
    return scheme


_SCHEME_WIDTHS = {"affine32": (32, np.uint32), "affine64": (64, np.uint64)}


@cache
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    """Return datasketch's permutation parameters ``(a, b)`` for these settings.

    Drawn as ``datasketch.MinHash._init_permutations`` draws them (``RandomState(seed)``:
    for the affine schemes ``a = 2 * randint(0, 2**(w-1)) + 1`` and ``b = randint(0, 2**w)``
    over ``num_perm`` values, for ``"legacy"`` one ``(a, b)`` pair at a time below the
    Mersenne prime 2**61 - 1), without importing datasketch (and the scipy it loads);
    the tests check them against ``datasketch.MinHash(...).permutations``.
    """
    generator = np.random.RandomState(seed)
    if scheme == "legacy":
        drawn = [
            (
                generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64),
                generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64),
            )
            for _ in range(num_perm)
        ]
        a, b = np.array(drawn, dtype=np.uint64).T.copy()
    else:
        width, dtype = _SCHEME_WIDTHS[scheme]
        a = generator.randint(0, 1 << (width - 1), num_perm, dtype=dtype) * dtype(2) + dtype(1)
        b = generator.randint(0, 1 << width, num_perm, dtype=dtype)
    a.setflags(write=False)
    b.setflags(write=False)
    return a, b


def _empty_value(scheme: str) -> np.ndarray:
    """Return datasketch's value for a permutation no element has reached (its empty state)."""
    if scheme == "affine32":
        return np.uint32(0xFFFFFFFF)
    if scheme == "affine64":
        return np.uint64(0xFFFFFFFFFFFFFFFF)
    return _MAX_HASH32


def _fmix(values: np.ndarray, constants: tuple) -> np.ndarray:
    s1, m1, s2, m2 = constants
    values = values ^ (values >> s1)
    values *= m1
    values ^= values >> s2
    values *= m2
    values ^= values >> s1
    return values


def mix64(values: np.ndarray) -> np.ndarray:
    """Scramble uint64 values with MurmurHash3's 64-bit finalizer (every bit moves every bit).

    Examples
    --------
    >>> mix64(np.array([0, 1], dtype=np.uint64)).tolist()
    [0, 12994781566227106604]
    """
    with np.errstate(over="ignore"):
        return _fmix(values, _FMIX64)


def _prepare(hashes: np.ndarray, scheme: str) -> np.ndarray:
    """Turn uint64 shingle hashes into the values datasketch's permutations see."""
    if scheme == "affine64":
        return _fmix(hashes.astype(np.uint64), _FMIX64)
    low = (hashes & _MAX_HASH32).astype(np.uint32 if scheme == "affine32" else np.uint64)
    return _fmix(low, _FMIX32) if scheme == "affine32" else low


def _signature_chunk(
    values: np.ndarray, offsets: np.ndarray, a: np.ndarray, b: np.ndarray, scheme: str
) -> np.ndarray:
    """Return the (num_perm, len(offsets)) minima of each permutation per segment."""
    out = np.empty((a.size, offsets.size), dtype=a.dtype)
    work = np.empty_like(values)
    with np.errstate(over="ignore"):
        for k in range(a.size):
            np.multiply(values, a[k], out=work)
            np.add(work, b[k], out=work)
            if scheme == "legacy":
                np.remainder(work, _MERSENNE_PRIME, out=work)
                np.bitwise_and(work, _MAX_HASH32, out=work)
            out[k] = np.minimum.reduceat(work, offsets)
    return out


def minhash_signatures(
    hash_arrays: Sequence[np.ndarray] | HashedSpans,
    *,
    num_perm: int = 128,
    seed: int = 1,
    scheme: str = "affine32",
) -> np.ndarray:
    """Compute the MinHash signature of every document, as datasketch would.

    Parameters
    ----------
    hash_arrays
        One array of uint64 shingle hashes per document (:func:`lineage.shingle.shingle`
        ``.hashes`` or :func:`lineage.shingle.shingle_hashes`), or the flat
        :class:`~lineage.shingle.HashedSpans` of :func:`lineage.shingle.shingle_windows`.
        Repeats do not matter.
    num_perm
        Number of permutations (signature length).
    seed
        Seed of the permutations (datasketch's ``seed``).
    scheme
        datasketch's permutation scheme: ``"affine32"`` (its default since 2.0),
        ``"affine64"`` or ``"legacy"`` (before 2.0). The 32-bit schemes see the low 32 bits
        of each hash; ``"affine64"`` sees all 64.

    Returns
    -------
    numpy.ndarray
        ``(len(hash_arrays), num_perm)`` array in datasketch's dtype for the scheme (uint32
        for ``"affine32"``, uint64 otherwise). Row ``i`` equals
        ``MinHash(num_perm, seed, scheme=scheme, hashfunc=h)`` updated with the same values
        (``h`` returning ``value & 0xFFFFFFFF`` for the 32-bit schemes). A document without
        shingles gets datasketch's empty signature (every value at its maximum).

    Notes
    -----
    Cost ``O(S * num_perm)`` for ``S`` shingles in all, in chunks of about 131,072
    shingles so memory stays bounded whatever the corpus size.

    Examples
    --------
    >>> import numpy as np
    >>> from datasketch import MinHash
    >>> values = np.array([3, 1 << 40, 77], dtype=np.uint64)
    >>> ours = minhash_signatures([values], num_perm=16, seed=7)[0]
    >>> theirs = MinHash(num_perm=16, seed=7, hashfunc=lambda v: v & 0xFFFFFFFF)
    >>> theirs.update_batch(values.tolist())
    >>> bool((ours == theirs.hashvalues).all())
    True
    """
    num_perm = check_positive_int("num_perm", num_perm)
    scheme = _check_scheme(scheme)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ParameterError(f"'seed' must be a whole number >= 0 (got {shorten(seed)})")
    a, b = _permutations(num_perm, seed, scheme)
    if isinstance(hash_arrays, HashedSpans):
        values, offsets = hash_arrays.hashes, hash_arrays.offsets
    else:
        values, offsets = _flat_hashes(hash_arrays)
    sizes = np.diff(offsets)
    signatures = np.full((sizes.size, num_perm), _empty_value(scheme), dtype=a.dtype)
    nonempty = np.flatnonzero(sizes)
    for begin, end in chunk_bounds(sizes[nonempty], _CHUNK_SHINGLES):
        docs = nonempty[begin:end]  # contiguous in ``values``
        first = offsets[docs[0]]
        chunk = values[first : offsets[docs[-1] + 1]].astype(np.uint64, copy=False)
        signatures[docs] = _signature_chunk(
            _prepare(chunk, scheme), offsets[docs] - first, a, b, scheme
        ).T
    return signatures


def _flat_hashes(hash_arrays: Sequence[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Return the hashes of all documents in one array and each document's offsets."""
    arrays = [np.asarray(h) for h in hash_arrays]
    for position, array in enumerate(arrays):
        if array.ndim != 1 or (array.size and array.dtype.kind not in "ui"):
            raise ParameterError(
                f"hash_arrays[{position}] must be a 1-d array of integer hashes "
                f"(got dtype {array.dtype}, shape {array.shape})"
            )
    offsets = offsets_of(np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays)))
    values = np.concatenate([a.astype(np.uint64, copy=False) for a in arrays]) if arrays else None
    return (np.zeros(0, dtype=np.uint64) if values is None else values), offsets


def check_signatures(signatures: np.ndarray) -> np.ndarray:
    """Return ``signatures`` as an array, or raise why it is not an (n_docs, num_perm) one."""
    signatures = np.asarray(signatures)
    if signatures.ndim != 2 or signatures.dtype.kind not in "ui":
        raise ParameterError(
            "'signatures' must be a 2-d integer array (documents x permutations), "
            f"got dtype {signatures.dtype} and shape {signatures.shape}"
        )
    return signatures


def nonempty_rows(signatures: np.ndarray) -> np.ndarray:
    """Return a mask of the rows that are not datasketch's empty signature (all at max)."""
    top = np.iinfo(signatures.dtype).max
    empty = (signatures == top).all(axis=1)
    if signatures.dtype == np.uint64:
        empty |= (signatures == int(_MAX_HASH32)).all(axis=1)
    return np.flatnonzero(~empty)
