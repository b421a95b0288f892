"""Writes numpy_random.json: reference draws of numpy's legacy RandomState for numpy_random_test.ts.

Run from this folder with the numpy whose output is recorded (2.4.6 when written):
    python3 numpy_random_fixture.py > numpy_random.json
A vector is stored as its first 50 entries joined by "," plus the sha256 of the whole vector joined by ","
(decimal integers, no spaces). Doubles are stored as the sha256 of their little-endian float64 bytes plus the
first values as JSON numbers (shortest round-trip repr, so they parse to the exact doubles).
"""

import hashlib
import json
import sys

import numpy as np

SEEDS = [13, 0, 1, 12345, 2**32 - 1]
SMALL_N = [1, 2, 3, 4, 5, 7, 8, 9, 10, 15, 16, 17, 100, 127, 128, 129, 1000, 1023, 1024, 1025,
           4095, 4096, 4097, 8323, 8936, 18453, 65535, 65536, 65537, 131071, 131072, 131073,
           262143, 262144, 262145, 300000]
LARGE_N = [2**31 - 1, 2**31, 2**31 + 1, 2**32 - 1, 2**32, 2**32 + 1, 2**33 - 1, 2**40 + 3, 10**15, 2**53]
# Yang et al. label-rate cases: (what, N). N = sentences their readers see in train(+dev).
YANG = [
    ("CoNLL-2003 en eng.train+eng.testa, DOCSTART pseudo-sentences counted (14041+946 + 3250+216)", 18453),
    ("CoNLL-2000 train.txt (chunking trains on train only)", 8936),
    ("CoNLL-2002 es esp.train (Spanish NER trains on train only)", 8323),
    ("Ritter 2011 POS, tagbench split v1 train+dev (631+78)", 709),
    ("Ritter 2011 NER, tagbench split v1 train+dev (1916+239)", 2155),
    ("PTB WSJ NLTK sample, tagbench split v1 train+dev (3132+391)", 3523),
]
RATES = [0.001, 0.01, 0.1]


def vec(v):
    s = ",".join(str(int(x)) for x in v)
    return {"k": len(v), "first50": ",".join(str(int(x)) for x in v[:50]), "sha256": hashlib.sha256(s.encode()).hexdigest()}


def main():
    choice = []
    for seed in SEEDS:
        for n in SMALL_N:
            k = 1000 if n != 18453 else 20000
            v = np.random.RandomState(seed).choice(n, k)
            assert (v == np.random.RandomState(seed).randint(0, n, size=k)).all()
            choice.append({"seed": seed, "n": n, **vec(v)})
    for seed in [13, 0]:
        for n in LARGE_N:
            v = np.random.RandomState(seed).choice(n, 200)
            choice.append({"seed": seed, "n": n, **vec(v)})
    yang = []
    for what, n in YANG:
        prev = None
        for rate in RATES:
            k = int(rate * n)
            np.random.seed(13)
            v = np.random.choice(n, k)
            if prev is not None:
                assert (v[: len(prev)] == prev).all(), "nested prefixes"
            prev = v
            yang.append({"what": what, "n": n, "rate": rate, "distinct": len(set(v.tolist())), **vec(v)})
    doubles = []
    for seed in [13, 0, 2**32 - 1]:
        d = np.random.RandomState(seed).random_sample(1000)
        doubles.append({
            "seed": seed,
            "size": 1000,
            "first10": [float(x) for x in d[:10]],
            "sha256": hashlib.sha256(d.astype("<f8").tobytes()).hexdigest(),
        })
    rs = np.random.RandomState(13)
    mixed = [
        {"call": "randint", "args": [0, 1000, 5], "out": rs.randint(0, 1000, size=5).tolist()},
        {"call": "randomSample", "args": [3], "out": rs.random_sample(3).tolist()},
        {"call": "choice", "args": [1, 4], "out": rs.choice(1, 4).tolist()},
        {"call": "choice", "args": [7, 5], "out": rs.choice(7, 5).tolist()},
        {"call": "randint", "args": [5, 2**32 + 5, 3], "out": rs.randint(5, 2**32 + 5, size=3).tolist()},
        {"call": "randint", "args": [-10, 10, 4], "out": rs.randint(-10, 10, size=4).tolist()},
        {"call": "choice", "args": [0, 0], "out": rs.choice(0, 0).tolist()},
        {"call": "randint", "args": [0, 2**32, 3], "out": rs.randint(0, 2**32, size=3).tolist()},
        {"call": "randomSample", "args": [2], "out": rs.random_sample(2).tolist()},
    ]
    out = {
        "generator": "numpy_random_fixture.py",
        "numpy": np.__version__,
        "python": sys.version.split()[0],
        "choice": choice,
        "yang": yang,
        "randomSample": doubles,
        "sequence": mixed,
    }
    print(json.dumps(out, indent=2))


main()
