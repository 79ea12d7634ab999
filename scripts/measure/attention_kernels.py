#!/usr/bin/env python3
"""Measure attention forward times on a real GPU, in the measured-data CSV format of
data/measured/flash-attention2-h100.csv (one row per setup, `tilewave validate` simulates each).

The setup of the FlashAttention-2/3 papers by default: batch x sequence = 16k tokens, hidden size
2048 (32 heads of 64 or 16 of 128), sequence 512..16k, causal and not. `--impl flash2` runs PyTorch's
scaled_dot_product_attention restricted to its FlashAttention-2 backend; `--impl standard` the
unfused softmax(Q K^T / sqrt(d)) V of PyTorch ops (what the simulator's "standard" impl models).
Each call is timed alone with CUDA events (median of --reps after --warmup), or with --graph as a
CUDA graph of back-to-back calls (`timing` says which; where the host launches slowly, per-call
events include its launch gap, up to tens of µs in a sandboxed VM); the kernel names of
one call are recorded in a `kernel` column and their durations, as the profiler timed them, in
`kernel_us` (both '; '-separated, launch order): where the time of a multi-kernel call goes.

  python3 scripts/measure/attention_kernels.py --out data/measured/attention-h200.csv --max-seconds 240
  python3 scripts/measure/attention_kernels.py --seq 512,2048 --head-dim 128 --dry-run

Rows are written to OUT.partial as they are measured and renamed to OUT at the end.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_run_args, check_args, GpuSampler, list_or_measure, Rows, device_id, import_torch, kernels_of_one_call, parse_values, time_calls, time_graph  # noqa: E402

COLUMNS = ["device", "op", "impl", "dtype", "m", "n", "k", "batch", "heads", "kv_heads", "seq_q", "seq_kv",
           "head_dim", "causal", "measured_us", "timing", "source", "kernel", "kernel_us", "sm_clock_mhz", "power_w",
           "event_us", "graph_calls"]


def setups(args):
    """(batch, heads, seq, head_dim, causal) in the papers' setup: batch x seq = --tokens, heads x head_dim = --hidden."""
    out = []
    for hd in parse_values(args.head_dim, "head-dim"):
        if args.hidden % hd:
            sys.exit(f"--head-dim = {hd}: expected a divisor of --hidden {args.hidden}")
        for seq in parse_values(args.seq, "seq"):
            batch = max(1, args.tokens // seq)
            for causal in {"both": (False, True), "true": (True,), "false": (False,)}[args.causal]:
                out.append((batch, args.hidden // hd, seq, hd, causal))
    return out


def measure(args, todo):
    torch = import_torch("setups")
    import torch.nn.functional as F

    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    dev = device_id(torch, args.device_id)

    def standard(q, k, v, mask):
        # The unfused ops of the FlashAttention papers' PyTorch baseline: the scale applied to K
        # (no pass over the scores), an additive causal mask (made once per setup, outside the
        # timing), softmax, PV.
        s = q @ (k * q.shape[-1] ** -0.5).transpose(-1, -2)
        if mask is not None:
            s = s + mask
        return torch.softmax(s, dim=-1) @ v

    def flash(q, k, v, causal):
        from torch.nn.attention import SDPBackend, sdpa_kernel

        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            return F.scaled_dot_product_attention(q, k, v, is_causal=causal)

    timing = "CUDA graph of back-to-back calls, per call" if args.graph else "CUDA events"
    source = f"measured: torch {torch.__version__} on {torch.cuda.get_device_name()}, {args.impl}, {timing}, median of {args.reps}"
    sampler = GpuSampler()
    out = Rows(args.out, COLUMNS, args.max_seconds, "setups")
    for batch, heads, seq, hd, causal in todo:
        if out.expired(len(todo)):
            break
        try:
            q, k, v = (torch.randn(batch, heads, seq, hd, dtype=dtype, device="cuda") for _ in range(3))
            if args.impl == "flash2":
                call = lambda: flash(q, k, v, causal)  # noqa: E731
            else:
                mask = torch.full((seq, seq), float("-inf"), dtype=dtype, device="cuda").triu(1) if causal else None
                call = lambda: standard(q, k, v, mask)  # noqa: E731
            for _ in range(args.warmup):
                call()
        except torch.OutOfMemoryError:
            print(f"out of memory: batch {batch} heads {heads} seq {seq} head_dim {hd} ({args.impl}); skipped", file=sys.stderr)
            q = k = v = mask = call = None
            torch.cuda.empty_cache()
            continue
        names, _, durations = kernels_of_one_call(torch, call)
        event_us, clock, power = time_calls(torch, call, args.reps, sampler=sampler)
        us, calls, timing = event_us, "", "events"
        if args.graph:
            us, calls = time_graph(torch, call, args.reps, sum(durations) or event_us)
            timing = "graph"
        out.write([dev, "attention", args.impl, args.dtype, seq, seq, hd, batch, heads, heads, seq, seq, hd,
                   str(causal).lower(), f"{us:.2f}", timing, source, "; ".join(names), "; ".join(f"{d:.2f}" for d in durations),
                   clock, power, f"{event_us:.2f}", calls])
        del q, k, v
    out.close(dev)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--impl", choices=["flash2", "standard"], default="flash2")
    p.add_argument("--seq", default="512,1024,2048,4096,8192,16384", help="sequence lengths (list or start:stop:step)")
    p.add_argument("--head-dim", default="64,128")
    p.add_argument("--causal", choices=["both", "true", "false"], default="both")
    p.add_argument("--tokens", type=int, default=16384, help="batch x sequence")
    p.add_argument("--hidden", type=int, default=2048, help="heads x head dim")
    p.add_argument("--dtype", choices=["fp16", "bf16"], default="bf16")
    p.add_argument("--reps", type=int, default=20)
    p.add_argument("--graph", action="store_true",
                   help="measured_us from a CUDA graph of back-to-back calls (the kernels' time, no launch gaps)")
    add_run_args(p, "attention-measured.csv", "setups")
    args = p.parse_args()
    check_args(args, ("reps", "tokens", "hidden"))
    list_or_measure(args, setups(args), lambda s: f"batch={s[0]} heads={s[1]} seq={s[2]} head_dim={s[3]} causal={str(s[4]).lower()}", "setups", measure)


if __name__ == "__main__":
    main()
