"""The Python peers of the benchmark: a line-protocol server that times dropout forward on float32.

The main worker (bench/pairs.ts) runs `python3 bench/peers.py --rate 0.5 --seed 42` and times
each peer in turns with native, the other side of each ratio. On start the server prints one JSON
line: the interpreter, and NumPy's and PyTorch's versions or why they did not import -- a library
that does not import is a result, not an error. Then, for each request line on stdin,
{"peer": "numpy" | "torch", "n": 100000, "ms": 200}, it prints one reply line,
{"peer", "n", "calls", "samplesNs"}: the calls per sample and the nanoseconds per call of each
sample. It exits at EOF.

The timing rule is pairs.ts's, line for line: the first request for a (peer, n) prepares its arrays
and warms up, untimed, with batches of 1, 2, 4, ... calls until a batch lasts 1 ms -- that batch is
one sample from then on; a request takes samples until `ms` have passed and at least 3 are in.

NumPy runs the issue's formula `x * (rng.random(n) >= p) / q` as written -- the draw is float64,
the product float32 -- because the project's goals were set against it; PyTorch runs
`F.dropout(x, p, training=True)` after `torch.set_num_threads(1)`, the issue's "1 thread" row.
"""

from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time
from typing import Any, Callable

SAMPLE_NS = 1_000_000
MIN_SAMPLES = 3


def load(name: str) -> tuple[Any, dict[str, str]]:
    """The module and its version, or None and why it did not import (any error: torch can fail with OSError)."""
    try:
        module = importlib.import_module(name)
    except Exception as error:
        return None, {"error": f"{type(error).__name__}: {error}"}
    return module, {"version": module.__version__}


def numpy_forward(np: Any, rate: float, seed: int) -> Callable[[int], Callable[[], Any]]:
    """The call of the issue's formula on n elements, for each n."""
    rng = np.random.default_rng(seed)
    q = 1 - rate

    def prepare(n: int) -> Callable[[], Any]:
        # the values of makeFixture (workloads.ts): they do not change the work
        x = (np.arange(n) % 1000 / 500 - 1).astype(np.float32)
        return lambda: x * (rng.random(n) >= rate) / q

    return prepare


def torch_forward(torch: Any, rate: float, seed: int) -> Callable[[int], Callable[[], Any]]:
    """The call of F.dropout on 1 thread on n elements, for each n."""
    torch.set_num_threads(1)
    torch.manual_seed(seed)
    dropout = torch.nn.functional.dropout

    def prepare(n: int) -> Callable[[], Any]:
        x = (torch.arange(n) % 1000 / 500 - 1).to(torch.float32)
        return lambda: dropout(x, rate, training=True)

    return prepare


def batch_size(call: Callable[[], Any]) -> int:
    """Warm-up, untimed: batches of 1, 2, 4, ... calls until one lasts SAMPLE_NS; returns its size."""
    calls = 1
    while True:
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        if time.perf_counter_ns() - start >= SAMPLE_NS:
            return calls
        calls *= 2


def take_samples(call: Callable[[], Any], calls: int, ms: float) -> list[float]:
    """Samples of `calls` calls until `ms` have passed and MIN_SAMPLES are in: nanoseconds per call of each."""
    samples: list[float] = []
    started = time.perf_counter_ns()
    while len(samples) < MIN_SAMPLES or time.perf_counter_ns() - started < ms * 1e6:
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        samples.append((time.perf_counter_ns() - start) / calls)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seed", type=int, required=True)
    args = parser.parse_args()

    # the replies own stdout: anything a library prints goes to stderr instead
    replies = sys.stdout
    sys.stdout = sys.stderr

    def reply(message: dict[str, Any]) -> None:
        replies.write(json.dumps(message) + "\n")
        replies.flush()

    np, numpy_library = load("numpy")
    torch, torch_library = load("torch")
    reply(
        {
            "interpreter": {
                "executable": sys.executable,
                "implementation": platform.python_implementation(),
                "version": platform.python_version(),
            },
            "numpy": numpy_library,
            "torch": torch_library,
        }
    )
    forwards = {
        peer: forward(module, args.rate, args.seed)
        for peer, module, forward in (("numpy", np, numpy_forward), ("torch", torch, torch_forward))
        if module is not None
    }

    # per peer, the n it last timed, its call and batch: requests go size by size, so older arrays are let go
    prepared: dict[str, tuple[int, Callable[[], Any], int]] = {}
    for line in sys.stdin:
        request = json.loads(line)
        peer, n = request["peer"], request["n"]
        if peer not in prepared or prepared[peer][0] != n:
            call = forwards[peer](n)
            prepared[peer] = (n, call, batch_size(call))
        _, call, calls = prepared[peer]
        reply({"peer": peer, "n": n, "calls": calls, "samplesNs": take_samples(call, calls, request["ms"])})


if __name__ == "__main__":
    main()
