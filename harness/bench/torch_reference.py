#!/usr/bin/env python3
"""PyTorch reference for `deno task bench --vs-torch` (tagbench issue #3, "Training throughput").

Builds the synthetic benchmark shapes of harness/bench/shapes.ts with PyTorch's own layers and times full training
steps (forward + CRF negative log-likelihood + backward + optimiser step) on the CPU:

  S1  DATNet-like: dense input 70 -> BiLSTM 2x100 -> linear 9 tags -> CRF NLL, Adam lr 1e-3
  S2  Yang-like:   dense input 210 -> 2-layer BiGRU 2x300 -> linear 17 tags -> CRF NLL, AdaGrad lr 0.01

Batch 32 x 30 tokens (every sentence 30 tokens long), random inputs and tags from a fixed seed; the same batch
is used for every step. The CRF (transitions, start and end scores) is the usual vectorised forward algorithm in
log space; autograd computes its gradient.

Output: one JSON object per shape, one per line, on stdout, with the fields tasks/bench.ts reads:
  {"shape", "impl": "pytorch", "backend": "torch-cpu", "tokens_per_step", "step_ms": [...], "first_step_ms",
   "peak_rss_mb", "threads", "torch_version", "blas"}

Usage: python3 harness/bench/torch_reference.py [--shapes S1,S2] [--steps 5] [--warmup 2] [--threads 2]
Needs torch (Debian: `apt-get install python3-torch libopenblas0-pthread`; without an OpenBLAS package
Debian's torch uses the reference BLAS and is 6-20x slower). Exits with status 3 when torch is missing.
"""

import argparse
import json
import resource
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:  # pragma: no cover - reported to the caller
    print("torch is not installed for " + sys.executable, file=sys.stderr)
    sys.exit(3)

# Mirrors SHAPES in harness/bench/shapes.ts (synthetic shapes only; the DATNet models are tagbench-only).
SHAPES = {
    "S1": dict(input_dim=70, units=100, layers=1, cell="lstm", tags=9, optimizer="adam", lr=1e-3, batch=32, length=30),
    "S2": dict(input_dim=210, units=300, layers=2, cell="gru", tags=17, optimizer="adagrad", lr=0.01, batch=32, length=30),
}


class CRF(nn.Module):
    """Linear-chain CRF with transitions [from, to], start and end scores; mean NLL over the batch."""

    def __init__(self, k):
        super().__init__()
        lim = (6.0 / (2 * k)) ** 0.5
        self.transitions = nn.Parameter(torch.empty(k, k).uniform_(-lim, lim))
        self.start = nn.Parameter(torch.empty(k).uniform_(-lim, lim))
        self.end = nn.Parameter(torch.empty(k).uniform_(-lim, lim))

    def forward(self, emissions, tags, mask):
        # emissions [B, T, K], tags [B, T] long, mask [B, T] float (right-padded 1s)
        B, T, K = emissions.shape
        ar = torch.arange(B)
        gold = self.start[tags[:, 0]] + emissions[ar, 0, tags[:, 0]]
        alpha = self.start.unsqueeze(0) + emissions[:, 0]
        for t in range(1, T):
            m = mask[:, t]
            gold = gold + (self.transitions[tags[:, t - 1], tags[:, t]] + emissions[ar, t, tags[:, t]]) * m
            nxt = torch.logsumexp(alpha.unsqueeze(2) + self.transitions.unsqueeze(0), dim=1) + emissions[:, t]
            alpha = torch.where(m.unsqueeze(1) > 0, nxt, alpha)
        lengths = mask.sum(1).long()
        gold = gold + self.end[tags[ar, lengths - 1]]
        log_z = torch.logsumexp(alpha + self.end.unsqueeze(0), dim=1)
        return (log_z - gold).mean()


class Tagger(nn.Module):
    def __init__(self, s):
        super().__init__()
        rnn = nn.LSTM if s["cell"] == "lstm" else nn.GRU
        self.rnn = rnn(s["input_dim"], s["units"], num_layers=s["layers"], bidirectional=True, batch_first=True)
        self.proj = nn.Linear(2 * s["units"], s["tags"])
        self.crf = CRF(s["tags"])

    def forward(self, x, tags, mask):
        h, _ = self.rnn(x)
        return self.crf(self.proj(h), tags, mask)


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_shape(name, steps, warmup, seed):
    s = SHAPES[name]
    torch.manual_seed(seed)
    model = Tagger(s)
    if s["optimizer"] == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=s["lr"])
    else:
        opt = torch.optim.Adagrad(model.parameters(), lr=s["lr"])
    B, T = s["batch"], s["length"]
    x = torch.randn(B, T, s["input_dim"])
    tags = torch.randint(0, s["tags"], (B, T))
    mask = torch.ones(B, T)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = model(x, tags, mask)
        loss.backward()
        opt.step()
        return float(loss)

    times = []
    first = None
    for i in range(warmup + steps):
        t0 = time.perf_counter()
        step()
        ms = (time.perf_counter() - t0) * 1000.0
        if i == 0:
            first = ms
        if i >= warmup:
            times.append(ms)
    return {
        "shape": name,
        "impl": "pytorch",
        "backend": "torch-cpu",
        "tokens_per_step": B * T,
        "step_ms": times,
        "first_step_ms": first,
        "peak_rss_mb": peak_rss_mb(),
        "threads": torch.get_num_threads(),
        "torch_version": torch.__version__,
        "blas": blas_info(),
    }


def blas_info():
    cfg = torch.__config__.show()
    for part in cfg.replace("\n", ",").split(","):
        if "BLAS_INFO" in part:
            return part[part.index("BLAS_INFO"):].strip()
    return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shapes", default="S1,S2")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for name in [n.strip() for n in args.shapes.split(",") if n.strip()]:
        if name not in SHAPES:
            print(f"unknown shape {name!r}: expected one of {', '.join(SHAPES)}", file=sys.stderr)
            sys.exit(2)
        print(json.dumps(run_shape(name, args.steps, args.warmup, args.seed)), flush=True)


if __name__ == "__main__":
    main()
