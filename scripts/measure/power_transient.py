#!/usr/bin/env python3
"""Measure how a GEMM's kernel time moves while the GPU's power controller settles.

After --idle seconds with nothing to run, one GEMM (y = F.linear(x, w), fp16, x [m, k], w [n, k])
is launched back to back for about --seconds, with the profiler on: every kernel's start (µs after
the first) and duration go to OUT, and NVML's SM clock and board power, read every millisecond
meanwhile, to OUT's .nvml.csv sibling. A kernel that runs for a few milliseconds after idle meets
a cool, fast chip; one inside a long run meets the clock the power limit allows. That is the
difference between a standalone measurement and a layer amid others (docs/what-if.md,
"Operand data and power"), and its time scale is what this file shows. --data randn or zero-a
(an all-zero x) for each run; both by default, each after its own idle spell.

  python3 scripts/measure/power_transient.py --m 8192 --n 8192 --k 8192 --seconds 1.5 --out transient.csv
  python3 scripts/measure/power_transient.py --dry-run
"""
import argparse
import csv
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_run_args, check_args, comma_choices, GpuSampler, list_or_measure, device_id, import_torch, NvmlReadings, parse_values, profiler_trace  # noqa: E402


def idle_values(text):
    """--idle: seconds, comma-separated (each >= 0)."""
    try:
        values = [float(x) for x in text.split(",") if x.strip() != ""]
    except ValueError:
        values = []
    if not values or min(values) < 0:
        sys.exit(f"--idle = {text!r}: expected seconds >= 0, comma-separated")
    return values


def gap_work(torch, kind):
    """What fills the spell between the settling run and the measured one: `idle` sleeps;
    `copy` keeps the GPU busy for as long with device-to-device copies of 1 GiB (memory-bound
    kernels that draw far less power than the GEMM): does a busy but cool GPU give the clock back?"""
    if kind == "idle":
        return time.sleep
    src = torch.empty(2**30, dtype=torch.uint8, device="cuda")
    dst = torch.empty(2**30, dtype=torch.uint8, device="cuda")

    def copy(seconds):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        dst.copy_(src)
        end.record()
        torch.cuda.synchronize()
        for _ in range(max(0, round(seconds * 1e3 / max(start.elapsed_time(end), 1e-3)) - 1)):
            dst.copy_(src)
        torch.cuda.synchronize()

    return copy


def runs_of(args):
    return [(m, n, k, data, idle) for m in parse_values(args.m, "m") for n in parse_values(args.n, "n")
            for k in parse_values(args.k, "k") for data in args.data.split(",") for idle in idle_values(args.idle)]


def measure(args, runs):
    torch = import_torch("runs")
    import torch.nn.functional as F

    dev = device_id(torch, args.device_id)
    sampler = GpuSampler()
    kernels_out = open(args.out, "w", newline="")
    nvml_out = open(os.path.splitext(args.out)[0] + ".nvml.csv", "w", newline="")
    kw, nw = csv.writer(kernels_out), csv.writer(nvml_out)
    kw.writerow(["device", "m", "n", "k", "data", "settle_s", "idle_s", "gap_work", "gap_us", "phase", "index", "start_us", "kernel_us", "kernel"])
    nw.writerow(["device", "m", "n", "k", "data", "settle_s", "idle_s", "gap_work", "t_ms", "sm_clock_mhz", "power_w"])
    for m, n, k, data, idle in runs:
        if args.op == "attention":  # m: sequence length, n: heads, k: head dim; 4 sequences, causal
            q, kk, v = (torch.randn(4, n, m, k, dtype=torch.bfloat16, device="cuda") for _ in range(3))
            call = lambda: F.scaled_dot_product_attention(q, kk, v, is_causal=True)  # noqa: E731
        else:
            x = (torch.zeros if data == "zero-a" else torch.randn)(m, k, dtype=torch.float16, device="cuda")
            w = torch.randn(n, k, dtype=torch.float16, device="cuda")
            w *= k ** -0.5
            call = lambda: F.linear(x, w)  # noqa: E731
        call()  # library workspaces and kernel selection outside the timed run
        torch.cuda.synchronize()
        # A first call's time sets how many calls fill --seconds.
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        call()
        end.record()
        torch.cuda.synchronize()
        calls = max(10, min(args.max_calls, round(args.seconds * 1e3 / max(start.elapsed_time(end), 1e-3))))
        # With --settle, first run long enough to settle at the power limit. The profiler records
        # from before it, so the idle spell between the two is read off the kernels' own times
        # (gap_us), not the host's sleep: the profiler's start, seconds on its first use, falls
        # before everything recorded.
        settle_calls = max(1, round(calls * args.settle / args.seconds)) if args.settle > 0 else 0
        marks = {}
        fill_gap = gap_work(torch, args.gap_work)

        def body():
            with NvmlReadings(sampler) as nvml:
                for _ in range(settle_calls):
                    call()
                torch.cuda.synchronize()
                fill_gap(idle)
                marks["run"] = time.monotonic()  # t_ms 0: the run's first launch
                for _ in range(calls):
                    call()
                torch.cuda.synchronize()
            marks["readings"] = nvml.readings

        trace = profiler_trace(torch, body)
        t_run, readings = marks["run"], marks["readings"]
        events = trace.get("traceEvents", []) if isinstance(trace, dict) else trace
        kernels = sorted((e for e in events if e.get("cat") == "kernel"), key=lambda e: e.get("ts", 0))
        # Kernels per call (a split-K GEMM launches a reduction too): the settle calls' come first.
        per_call = len(kernels) // (settle_calls + calls) if kernels and len(kernels) % (settle_calls + calls) == 0 else 1
        split = min(len(kernels), settle_calls * per_call)
        first = kernels[split]["ts"] if split < len(kernels) else 0
        gap = ""
        if 0 < split < len(kernels):
            last = kernels[split - 1]
            gap = f"{first - (last['ts'] + float(last.get('dur', 0))):.1f}"
        for i, e in enumerate(kernels):
            kw.writerow([dev, m, n, k, data if args.op == "gemm" else "attention", f"{args.settle:g}", f"{idle:g}", args.gap_work, gap, "settle" if i < split else "run", i - split,
                         f"{e['ts'] - first:.1f}", f"{float(e.get('dur', 0)):.2f}", e.get("name", "")])
        for r in readings:
            nw.writerow([dev, m, n, k, data, f"{args.settle:g}", f"{idle:g}", args.gap_work, f"{(r[0] - t_run) * 1e3:.1f}", r[1], f"{r[2]:.0f}"])
        print(f"m={m} n={n} k={k} {data} {args.gap_work} {idle:g} s (gap {gap or '?'} us between the kernels): {len(kernels)} kernels, {len(readings)} NVML readings", file=sys.stderr)
        del call
    kernels_out.close()
    nvml_out.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--m", default="8192")
    p.add_argument("--n", default="8192")
    p.add_argument("--k", default="8192")
    p.add_argument("--data", default="randn,zero-a", help="randn, zero-a or both, comma-separated")
    p.add_argument("--seconds", type=float, default=1.5, help="about how long each run lasts")
    p.add_argument("--idle", default="3", help="seconds of idle before each run; several, comma-separated, make a run each")
    p.add_argument("--settle", type=float, default=0,
                   help="seconds of the same GEMM before the idle spell (0: none): how much of the boost an idle spell gives back")
    p.add_argument("--op", choices=["gemm", "attention"], default="gemm",
                   help="gemm: F.linear, x [m, k], w [n, k]; attention: causal scaled_dot_product_attention, 4 sequences of m tokens, n heads of dim k (bf16)")
    p.add_argument("--gap-work", choices=["idle", "copy"], default="idle",
                   help="between the settling run and the measured one: idle, or device-to-device copies for as long")
    p.add_argument("--max-calls", type=int, default=20000)
    add_run_args(p, "power-transient.csv", "runs", warmup=1)
    args = p.parse_args()
    check_args(args, ("max_calls",))
    comma_choices(args.data, "data", ("randn", "zero-a"))
    if args.seconds <= 0 or args.settle < 0:
        sys.exit("--seconds: expected a number > 0; --settle: expected a number >= 0")
    list_or_measure(args, runs_of(args), lambda r: f"m={r[0]} n={r[1]} k={r[2]} {r[3]} idle {r[4]:g} s", "runs", measure)


if __name__ == "__main__":
    main()
