"""Writes numpy_permutation.json: numpy legacy `RandomState(seed).permutation(n)` vectors and scikit-learn
`train_test_split` train parts, for numpy_random_test.ts and sampling_test.ts.

Run from this folder with the numpy whose output is recorded (2.4.6 when written):
    python3 numpy_permutation_fixture.py > numpy_permutation.json
A vector is stored as its length, its first and last 20 entries, and the sha256 of the whole vector as decimal
integers joined by "," (no spaces). The scikit-learn cases use ShuffleSplit's formula (n_test = ceil(test_size * n),
train = permutation[n_test:]); when scikit-learn is importable, each case is also checked against
`train_test_split` itself and its version is recorded.
"""

import hashlib
import json
import math
import sys

import numpy as np

try:
    import sklearn
    from sklearn.model_selection import train_test_split
except ImportError:  # the fixture then rests on the formula alone
    sklearn = None

PERMUTATION = [(23, n) for n in [1, 2, 3, 10, 1000, 8323, 10238, 10675, 15806]] + [
    (seed, n) for seed in [0, 13, 12345, 2**32 - 1] for n in [2, 10, 1000, 65537]
]
# (what, n): pools of Perl et al. (2020), train + dev
POOLS = [
    ("CoNLL-2002 es esp.train + esp.testa sentences, before the released >60-token split (8323 + 1915)", 10238),
    ("CoNLL-2002 es pool after the released preprocessing (8705 + 1970 pieces)", 10675),
    ("CoNLL-2002 nl ned.train + ned.testa sentences (15806 + 2895)", 18701),
    ("small", 10),
    ("small", 1000),
]
RATES = [0.1, 0.01, 0.001, 0.5, 0.3]


def vec(v):
    v = [int(x) for x in v]
    return {
        "k": len(v),
        "first20": v[:20],
        "last20": v[-20:],
        "sha256": hashlib.sha256(",".join(map(str, v)).encode()).hexdigest(),
    }


def main():
    perms = []
    for seed, n in PERMUTATION:
        p = np.random.RandomState(seed).permutation(n)
        a = np.arange(n)
        np.random.RandomState(seed).shuffle(a)
        assert (a == p).all()
        perms.append({"seed": seed, "n": n, **vec(p)})
    splits = []
    for what, n in POOLS:
        for rate in RATES:
            test_size = 1 - rate
            n_test = math.ceil(test_size * n)
            n_train = n - n_test
            if n_train == 0:
                continue
            train = np.random.RandomState(23).permutation(n)[n_test:]
            if sklearn is not None:
                tr, te = train_test_split(list(range(n)), test_size=test_size, random_state=23)
                assert list(map(int, tr)) == train.tolist() and len(te) == n_test
            splits.append({"what": what, "n": n, "rate": rate, "randomState": 23, "nTest": n_test, **vec(train)})
    out = {
        "generator": "numpy_permutation_fixture.py",
        "numpy": np.__version__,
        "sklearn": None if sklearn is None else sklearn.__version__,
        "python": sys.version.split()[0],
        "permutation": perms,
        "trainTestSplit": splits,
    }
    print(json.dumps(out, indent=2))


main()
