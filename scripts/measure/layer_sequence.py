#!/usr/bin/env python3
"""Measure a transformer block's linear layers back to back, the way Vidur's MLP profiles were taken.

Each run builds one model's layers at one tensor-parallel degree and token count m: the QKV
projection, the attention output projection, the gated MLP's merged up-projection and its
down-projection (y = F.linear(x, w), fp16, weights nn.Linear-like random), runs --blocks blocks of
them back to back with the profiler on, and writes each layer's median kernel duration over the
blocks. The down-projection's input is all zeros (--down-input zero: what a gated MLP computes
from Vidur's dummy weights) or random (randn), so a pair of runs shows what zeros save *amid*
power-hungry neighbours, beside the standalone rows of gemm_kernels.py --data zero-a
(docs/calibration.md, "How gemm-vidur.csv was measured").

Rows are in the measured-data CSV format (`tilewave validate` reads them): timing `graph` (kernel
durations have no launch in them), `a_zero_fraction` 1 on zero-input rows, plus `model`, `tp`,
`blocks`, `warmup` (blocks run before them), `kernel`, `kernels_us` and `sm_clock_mhz` / `power_w` (NVML, median while the blocks ran).

  python3 scripts/measure/layer_sequence.py --models llama-2-7b,llama-3-70b --tp 1,2,4,8 \\
      --m 2048,4096 --out layer-sequence.csv
  python3 scripts/measure/layer_sequence.py --dry-run     # the runs only, no GPU needed
"""
import argparse
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_run_args, check_args, comma_choices, GpuSampler, kernels_from_trace, kernels_of_one_call, list_or_measure, NvmlReadings, parse_values, profiler_trace, Rows, device_id, import_torch  # noqa: E402

# hidden, MLP intermediate, query heads, key/value heads, head dim (the models' published configs).
MODELS = {
    "llama-2-7b": (4096, 11008, 32, 32, 128),
    "llama-3-8b": (4096, 14336, 32, 8, 128),
    "codellama-34b": (8192, 22016, 64, 8, 128),
    "llama-3-70b": (8192, 28672, 64, 8, 128),
}

COLUMNS = ["device", "op", "dtype", "m", "n", "k", "measured_us", "timing", "source", "layer", "model", "tp", "blocks", "warmup",
           "kernel", "kernels_us", "sm_clock_mhz", "power_w", "a_zero_fraction"]


def layers_of(model, tp):
    """(layer, n, k) of one block's linear layers at tensor-parallel degree tp, in run order."""
    hidden, inter, heads, kv_heads, head_dim = MODELS[model]
    return [
        ("attn_pre_proj", (heads + 2 * kv_heads) * head_dim // tp, hidden),
        ("attn_post_proj", hidden, heads * head_dim // tp),
        ("mlp_up_proj", 2 * inter // tp, hidden),
        ("mlp_down_proj", hidden, inter // tp),
    ]


def runs_of(args):
    models = [s.strip() for s in args.models.split(",") if s.strip()]
    for name in models:
        if name not in MODELS:
            sys.exit(f"--models: {name!r} is not one of {', '.join(MODELS)}")
    return [(model, tp, m, data) for model in models for tp in parse_values(args.tp, "tp")
            for m in parse_values(args.m, "m") for data in args.down_input.split(",")]


def profile_blocks(torch, block, blocks):
    """Kernel names and durations (µs) of `blocks` calls of `block`, in launch order."""
    def run():
        for _ in range(blocks):
            block()

    names, _, durations = kernels_from_trace(profiler_trace(torch, run))
    return names, durations


def measure(args, runs):
    torch = import_torch("runs")
    import torch.nn.functional as F

    dev = device_id(torch, args.device_id)
    source = (f"measured: torch {torch.__version__} on {torch.cuda.get_device_name()}, F.linear, kernel durations "
              f"(torch.profiler) of {args.blocks} blocks back to back, median per layer")
    sampler = GpuSampler()
    out = Rows(args.out, COLUMNS, args.max_seconds, "runs")
    for model, tp, m, data in runs:
        if out.expired(len(runs)):
            break
        calls = []
        for layer, n, k in layers_of(model, tp):
            zero = layer == "mlp_down_proj" and data == "zero"
            x = (torch.zeros if zero else torch.randn)(m, k, dtype=torch.float16, device="cuda")
            w = torch.randn(n, k, dtype=torch.float16, device="cuda")
            w *= k ** -0.5
            calls.append((layer, n, k, zero, (lambda x=x, w=w: F.linear(x, w))))
        # Each layer's kernel count (a split-K GEMM launches a reduction too) splits the sequence.
        counts = []
        for *_, call in calls:
            for _ in range(args.warmup):
                call()
            counts.append(len(kernels_of_one_call(torch, call)[0]))

        def block():
            for *_, call in calls:
                call()

        for _ in range(args.warmup):
            block()
        with NvmlReadings(sampler) as nvml:
            names, durations = profile_blocks(torch, block, args.blocks)
        clock, power = nvml.medians()
        if len(names) != args.blocks * sum(counts):
            print(f"{model} tp {tp} m {m}: {len(names)} kernels, expected {args.blocks} x {sum(counts)}; run skipped", file=sys.stderr)
            continue
        per_layer = [[] for _ in calls]
        i = 0
        for _ in range(args.blocks):
            for j, c in enumerate(counts):
                per_layer[j].append(sum(durations[i:i + c]))
                i += c
        for j, (layer, n, k, zero, _) in enumerate(calls):
            us = statistics.median(per_layer[j])
            kernel = "; ".join(names[sum(counts[:j]):sum(counts[:j + 1])])
            out.write([dev, "gemm", "fp16", m, n, k, f"{us:.2f}", "graph", f"{source}; {model} tp {tp}, down-projection input {data}",
                       layer, model, tp, args.blocks, args.warmup, kernel, "; ".join(f"{d:.2f}" for d in per_layer[j]), clock, power,
                       1 if zero else 0])
        del calls
    out.close(dev)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", default="llama-2-7b,llama-3-70b", help=f"comma-separated: {', '.join(MODELS)}")
    p.add_argument("--tp", default="1,2,4,8", help="tensor-parallel degrees")
    p.add_argument("--m", default="2048,4096", help="token counts")
    p.add_argument("--down-input", default="zero,randn", help="the down-projection's input: zero, randn or both")
    p.add_argument("--blocks", type=int, default=20, help="blocks back to back (Vidur's profiles: 20)")
    add_run_args(p, "layer-sequence.csv", "runs", warmup=2)
    args = p.parse_args()
    check_args(args, ("blocks",))
    comma_choices(args.down_input, "down-input", ("zero", "randn"))
    list_or_measure(args, runs_of(args), lambda r: f"{r[0]} tp {r[1]} m {r[2]} down {r[3]}", "runs", measure)


if __name__ == "__main__":
    main()
