#!/usr/bin/env python3
"""Measure GEMM kernel times on a real GPU, with the kernels the library ran.

Writes the measured-data CSV that `tilewave validate` reads (the format of
shared/data/measured/gemm-vidur.csv) plus `kernel`, the names of the kernels one call launched
('; '-separated, in launch order), `grid`, the main kernel's grid "x,y,z", and `sm_clock_mhz` and
`power_w`, read through NVML while the timed calls ran; `event_us` (each call between its own CUDA
events, launch included), `kernel_us` (one call's kernels as the profiler timed them) and, with
--graph, `graph_calls` (calls per CUDA graph; measured_us is then the graph's per-call time and
`timing` is `graph`, else `events`: validate adds the launch overhead to event-timed rows only), and `kernels_us`, each
kernel's profiled duration in launch order (a split-K GEMM's main kernel and its reduction apart). validate reads the tile (and a split-K
count) from the names, so such rows validate kernel time apart from kernel choice
(devices/validation/kernel-names.ts). With --shapes, each row's source ends with the source of the
shape it re-measures (`validate --by layer` then groups the new rows by layer too).

The method follows the Vidur profiles behind gemm-vidur.csv, so both can be compared row by row:
y = torch.nn.functional.linear(x, w), x [m, k], w [n, k] (row-major, the layout of nn.Linear), fp16
or bf16, each call timed alone with a pair of CUDA events (launch and event overhead included),
median of --reps calls after --warmup calls, no L2 flush between calls (--flush-l2 to flush).

  python3 scripts/measure/gemm_kernels.py --shapes ../shared/data/measured/gemm-vidur.csv \\
      --from-device h100-80gb --every 4 --out data/measured/gemm-h200.csv --max-seconds 420
  python3 scripts/measure/gemm_kernels.py --m 1:4096:64 --n 8192 --k 8192 --out sweep.csv
  python3 scripts/measure/gemm_kernels.py --m 128,256 --n 4096 --k 4096 --dry-run   # shapes only

Needs PyTorch with CUDA (torch.profiler for the kernel names). Rows are written to OUT.partial as
they are measured and renamed to OUT at the end (also when --max-seconds stops early).
"""
import argparse
import csv
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_run_args, check_args, GpuSampler, list_or_measure, Rows, device_id, import_torch, kernels_from_trace, kernels_of_one_call, parse_values, time_calls, time_graph  # noqa: E402

COLUMNS = ["device", "op", "dtype", "m", "n", "k", "measured_us", "timing", "source", "kernel", "grid", "sm_clock_mhz", "power_w",
           "event_us", "kernel_us", "graph_calls", "kernels_us", "a_zero_fraction", "preheat_ms"]


def load_shapes(args):
    """(m, n, k, source) tuples, deduplicated, in file or grid order."""
    shapes = []
    if args.shapes:
        try:
            with open(args.shapes, newline="") as f:
                rows = list(csv.DictReader(f))
        except OSError as e:
            sys.exit(f"--shapes {args.shapes!r}: {e.strerror}")
        for col in ("m", "n", "k"):
            if rows and col not in rows[0]:
                sys.exit(f"--shapes {args.shapes!r}: missing column {col!r}")
        seen = set()
        for r in rows:
            if args.from_device and r.get("device") != args.from_device:
                continue
            if r.get("op", "gemm") != "gemm":
                continue
            key = (int(r["m"]), int(r["n"]), int(r["k"]))
            if key in seen:
                continue
            seen.add(key)
            shapes.append((*key, r.get("source", "")))
        if not shapes:
            sys.exit(f"--shapes {args.shapes!r}: no gemm rows" + (f" of device {args.from_device!r}" if args.from_device else ""))
    else:
        if not args.m or not (args.nk or (args.n and args.k)):
            sys.exit("expected --shapes FILE, or --m with --n and --k (or --nk)")
        if args.nk:
            pairs = []
            for part in args.nk.split(","):
                shape, _, label = part.strip().partition("=")
                try:
                    n, k = (int(x) for x in shape.split("x"))
                    if n < 1 or k < 1:
                        raise ValueError
                except ValueError:
                    sys.exit(f"--nk = {args.nk!r}: expected weight shapes NxK or NxK=layer (positive integers), comma-separated")
                pairs.append((n, k, f"layer:{label}" if label else ""))
        else:
            pairs = [(n, k, "") for n in parse_values(args.n, "n") for k in parse_values(args.k, "k")]
        # Weight shape by weight shape, m inside: --every then samples m within each shape.
        for n, k, label in pairs:
            for m in parse_values(args.m, "m"):
                shapes.append((m, n, k, label))
        return coarse_first(shapes[:: args.every])
    return shapes[:: args.every]


def coarse_first(shapes):
    """Reorder a grid so that a run stopped early (--max-seconds) still covers every weight shape:
    each shape's first m, then every 64th, 32nd, ... m of every shape (a stable sort on how many
    times two divides the m's index within its weight shape)."""
    index, seen = [], {}
    for m, n, k, _ in shapes:
        j = seen.get((n, k), 0)
        seen[(n, k)] = j + 1
        index.append(j)

    def level(j):
        return 64 if j == 0 else min(64, (j & -j).bit_length() - 1)

    order = sorted(range(len(shapes)), key=lambda i: -level(index[i]))
    return [shapes[i] for i in order]


def self_test():
    """Checks that need no GPU (run by the test suite)."""
    assert parse_values("1,16,64:192:64", "m") == [1, 16, 64, 128, 192]
    trace = {"traceEvents": [
        {"cat": "cpu_op", "name": "aten::linear", "ts": 1},
        {"cat": "kernel", "name": "void splitKreduce_kernel<32, 16, int, float, __half>(cublasSplitKParams<float>)", "ts": 30, "args": {"grid": [64, 1, 1]}},
        {"cat": "kernel", "name": "ampere_fp16_s16816gemm_fp16_128x64_ldg8_f2f_stages_64x4_tn", "ts": 10, "args": {"grid": [22, 3, 2]}},
    ]}
    names, grid, _ = kernels_from_trace(trace)
    assert names[0].startswith("ampere_") and names[1].startswith("void splitKreduce"), names
    assert grid == "22,3,2", grid
    trace["traceEvents"][1]["dur"], trace["traceEvents"][2]["dur"] = 2.5, 40
    assert kernels_from_trace(trace)[2] == [40, 2.5]  # launch order
    assert kernels_from_trace([]) == ([], "", [])
    print("self-test passed")


def heater(torch, F, ms):
    """A function that queues about `ms` of an 8192^3 random fp16 GEMM (1.2-1.8 ms a call on an
    H100/H200) ahead of the timed calls, in the same stream, so they meet the clock a long run
    settles at rather than whatever the previous shape left (docs/calibration.md, "Power state and
    run length")."""
    x = torch.randn(8192, 8192, dtype=torch.float16, device="cuda")
    w = torch.randn(8192, 8192, dtype=torch.float16, device="cuda")
    calls = max(1, round(ms / 1.5))

    def heat():
        for _ in range(calls):
            F.linear(x, w)

    return heat


def measure(args, shapes):
    torch = import_torch("shapes")
    import torch.nn.functional as F

    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    dev = device_id(torch, args.device_id)
    timing = "CUDA graph of back-to-back calls, per call" if args.graph else "CUDA events"
    source = (
        f"measured: torch {torch.__version__} on {torch.cuda.get_device_name()}, F.linear, "
        f"{timing}, median of {args.reps}{', L2 flushed' if args.flush_l2 else ''}, {args.data} data"
        f"{f', after {args.preheat_ms:g} ms of a heater GEMM' if args.preheat_ms else ''}"
    )
    heat = heater(torch, F, args.preheat_ms) if args.preheat_ms else None
    flush = torch.empty(256 * 2**20, dtype=torch.uint8, device="cuda") if args.flush_l2 else None
    sampler = GpuSampler()
    out = Rows(args.out, COLUMNS, args.max_seconds, "shapes")
    for m, n, k, shape_source in shapes:
        if out.expired(len(shapes)):
            break
        # randn: nn.Linear-like random data; zero-a: an all-zero input against random weights (what a
        # gated MLP's down-projection sees under Vidur's dummy weights); zeros: both operands zero.
        x = (torch.randn if args.data == "randn" else torch.zeros)(m, k, dtype=dtype, device="cuda")
        wt = (torch.zeros if args.data == "zeros" else torch.randn)(n, k, dtype=dtype, device="cuda")
        if args.data != "zeros":
            wt *= k ** -0.5  # nn.Linear-like scale: outputs stay O(1)
        call = lambda: F.linear(x, wt)  # noqa: E731
        for _ in range(args.warmup):
            call()
        names, grid, durations = kernels_of_one_call(torch, call)
        kernel_us = sum(durations)
        if heat is not None:
            heat()
        event_us, clock, power = time_calls(torch, call, args.reps, before=flush.zero_ if flush is not None else None, sampler=sampler)
        us, calls, timing = event_us, "", "events"
        if args.graph:
            try:
                us, calls = time_graph(torch, call, args.reps, kernel_us or event_us, before=heat)
                timing = "graph"
            except RuntimeError as e:  # this row keeps its event time; graph_calls stays empty
                print(f"m={m} n={n} k={k}: CUDA graph failed ({e}); event time kept", file=sys.stderr)
        row_source = f"{source}; shape of {shape_source}" if shape_source else source
        out.write([dev, "gemm", args.dtype, m, n, k, f"{us:.2f}", timing, row_source, "; ".join(names), grid, clock, power,
                   f"{event_us:.2f}", f"{kernel_us:.2f}", calls, "; ".join(f"{d:.2f}" for d in durations),
                   0 if args.data == "randn" else 1, f"{args.preheat_ms:g}"])
        del x, wt
    out.close(dev)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--shapes", help="measured-data CSV whose m, n, k to measure (deduplicated)")
    p.add_argument("--from-device", help="with --shapes: only the rows of this device id")
    p.add_argument("--m", help="m values: 1,16,64 or start:stop:step (with --n and --k)")
    p.add_argument("--n")
    p.add_argument("--k")
    p.add_argument("--nk", help="weight shapes instead of --n x --k: 8192x8192,4096x11008, each optionally =layer (with --m)")
    p.add_argument("--every", type=int, default=1, help="every n-th shape (a deterministic sample)")
    p.add_argument("--dtype", choices=["fp16", "bf16"], default="fp16")
    p.add_argument("--data", choices=["randn", "zero-a", "zeros"], default="randn",
                   help="operand data (power depends on it): random, an all-zero A (input), or both operands zero; "
                        "column a_zero_fraction says which A ran")
    p.add_argument("--reps", type=int, default=30)
    p.add_argument("--flush-l2", action="store_true", help="overwrite 256 MB before each call")
    p.add_argument("--preheat-ms", type=float, default=0,
                   help="queue about this many ms of a large GEMM before each shape's timed calls (the settled power state)")
    p.add_argument("--graph", action="store_true",
                   help="measured_us from a CUDA graph of back-to-back calls (GPU time, no launch overhead)")
    add_run_args(p, "gemm-measured.csv", "shapes", warmup=5)
    p.add_argument("--self-test", action="store_true", help="check the parts that need no GPU and exit")
    args = p.parse_args()
    if args.self_test:
        self_test()
        return
    check_args(args, ("every", "reps"))
    if args.preheat_ms < 0:
        sys.exit(f"--preheat-ms = {args.preheat_ms:g}: expected a number of milliseconds >= 0")
    list_or_measure(args, load_shapes(args), lambda s: f"{s[0]},{s[1]},{s[2]}", "shapes", measure)


if __name__ == "__main__":
    main()
