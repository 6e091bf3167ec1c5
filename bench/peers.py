"""The Python peers of the benchmark: dropout forward on float32, timed in this process.

Run by the benchmark's driver (dropout.bench.ts, through python.ts) as `python3 bench/peers.py`,
with a JSON request on stdin -- {"rate": 0.5, "seed": 42, "sizes": [1000, ...], "budget":
{"minSamples", "minTimeMs", "maxTimeMs", "maxCallMs"}} -- it writes one JSON object on stdout:
the interpreter, NumPy's and PyTorch's versions (or why they did not import) and a row per library
and size. Progress goes to stderr. A library that does not import is a result, not an error.

NumPy runs the issue's formula `x * (rng.random(n) >= p) / q` as written -- the draw is float64,
the product float32 -- because the project's goals were set against it; PyTorch runs
`F.dropout(x, p, training=True)` after `torch.set_num_threads(1)`, the issue's "1 thread" row.
"""

from __future__ import annotations

import importlib
import json
import math
import platform
import sys
import time
from typing import Any, Callable

# mitata's defaults, which time the Node rows (measure.ts): a warm-up call, up to two more while
# calls are under 0.5 ms; calls of at most 65.536 us are timed in batches of 4096; with more than
# 12 samples, the 2 fastest and 2 slowest are dropped before taking percentiles.
WARMUP_THRESHOLD_NS = 500_000
WARMUP_SAMPLES = 2
BATCH_THRESHOLD_NS = 65_536
BATCH_CALLS = 4096
TRIM_ABOVE_SAMPLES = 12


def log(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def format_count(n: float) -> str:
    """1000 -> 1e3, 16000000 -> 1.6e7, as format.ts writes sizes."""
    mantissa, exponent = f"{n:.6e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def format_seconds(ms: float) -> str:
    return f"{ms / 1000:.1f} s" if ms >= 1000 else f"{ms:.0f} ms"


def load(name: str) -> tuple[Any, dict[str, str]]:
    """The module and its version, or None and why it did not import (any error: torch can fail with OSError)."""
    try:
        module = importlib.import_module(name)
    except Exception as error:
        return None, {"error": f"{type(error).__name__}: {error}"}
    return module, {"version": module.__version__}


def describe(name: str, library: dict[str, str]) -> str:
    return f"{name} {library['version']}" if "version" in library else f"{name} not measured: {library['error']}"


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


def time_call(call: Callable[[], Any], budget: dict[str, float], estimate: tuple[float, int] | None) -> dict[str, Any]:
    """
    Times `call` as measure.ts's timeCall does: skipped when a call takes longer than maxCallMs
    (`estimate`, milliseconds extrapolated from a smaller n, says so without calling it), else
    p25/p50/p75 in nanoseconds per call.
    """
    if estimate is None:
        start = time.perf_counter_ns()
        call()
        call_ms = (time.perf_counter_ns() - start) / 1e6
        how = "one call measured"
    else:
        call_ms, from_n = estimate
        how = f"extrapolated from n = {format_count(from_n)}"
    if call_ms > budget["maxCallMs"]:
        return {
            "skipped": f"a call takes ≈{format_seconds(call_ms)} ({how}), over the {format_seconds(budget['maxCallMs'])} limit"
        }
    max_samples = max(budget["minSamples"], math.floor(budget["maxTimeMs"] / max(call_ms, 1e-6)))

    start = time.perf_counter_ns()
    call()
    batch = False
    if time.perf_counter_ns() - start <= WARMUP_THRESHOLD_NS:
        for _ in range(WARMUP_SAMPLES):
            start = time.perf_counter_ns()
            call()
            batch = time.perf_counter_ns() - start <= BATCH_THRESHOLD_NS
            if batch:
                break
    calls = BATCH_CALLS if batch else 1

    samples: list[float] = []
    spent_ns = 0
    while len(samples) < max_samples and (len(samples) < budget["minSamples"] or spent_ns < budget["minTimeMs"] * 1e6):
        start = time.perf_counter_ns()
        for _ in range(calls):
            call()
        elapsed = time.perf_counter_ns() - start
        spent_ns += elapsed
        samples.append(elapsed / calls)
    samples.sort()
    if len(samples) > TRIM_ABOVE_SAMPLES:
        samples = samples[2:-2]

    def percentile(q: float) -> float:
        return samples[int(q * (len(samples) - 1))]

    return {
        "p50Ns": percentile(0.5),
        "p25Ns": percentile(0.25),
        "p75Ns": percentile(0.75),
        "samples": len(samples),
        "iterations": len(samples) * calls,
    }


def main() -> None:
    request = json.load(sys.stdin)
    rate, seed, budget = request["rate"], request["seed"], request["budget"]
    np, numpy_library = load("numpy")
    torch, torch_library = load("torch")
    peers = [
        (kind, forward(module, rate, seed))
        for kind, module, forward in (("numpy", np, numpy_forward), ("torch", torch, torch_forward))
        if module is not None
    ]
    log(f"[python] Python {platform.python_version()}; {describe('NumPy', numpy_library)}; {describe('PyTorch', torch_library)}")

    rows = []
    last_calls: dict[str, tuple[float, int]] = {}
    for n in request["sizes"]:
        for kind, prepare in peers:
            last = last_calls.get(kind)
            estimate = None if last is None else (last[0] * n / last[1], last[1])
            outcome = time_call(prepare(n), budget, estimate)
            label = f"[python] float32 n={format_count(n)} forward {kind}"
            if "skipped" in outcome:
                log(f"{label}: skipped, {outcome['skipped']}")
            else:
                last_calls[kind] = (outcome["p50Ns"] / 1e6, n)
                log(
                    f"{label}: {n * 1e3 / outcome['p50Ns']:.3g} M/s "
                    f"(p50 {outcome['p50Ns'] / 1e6:.3f} ms, {outcome['samples']} samples)"
                )
            rows.append({"kind": kind, "n": n, **outcome})

    json.dump(
        {
            "python": {
                "executable": sys.executable,
                "implementation": platform.python_implementation(),
                "version": platform.python_version(),
            },
            "numpy": numpy_library,
            "torch": torch_library,
            "rows": rows,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
