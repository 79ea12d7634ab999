#!/usr/bin/env python3
"""Measure decode attention on a real GPU: one new token per sequence attending to its KV cache,
in the measured-data CSV format of data/measured/decode-attention-vidur-a100.csv (`tilewave
validate` simulates each row as the split-KV kernel).

PyTorch's scaled_dot_product_attention restricted to its FlashAttention backend, q [batch, heads,
1, head_dim] against K and V [batch, kv_heads, seq_kv, head_dim] (grouped-query attention with
enable_gqa), contiguous caches (no paging). Decode kernels run for microseconds, so each setup is
timed as a CUDA graph of back-to-back calls (`timing` = graph: the kernels' own time), beside the
kernel names and each kernel's profiled duration (`kernel_us`).

  python3 scripts/measure/decode_attention.py --out decode-attention.csv --max-seconds 60
  python3 scripts/measure/decode_attention.py --batch 1,16 --seq-kv 512,4096 --dry-run

Rows are written to OUT.partial as they are measured and renamed to OUT at the end.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import add_run_args, check_args, list_or_measure, Rows, device_id, import_torch, kernels_of_one_call, parse_values, time_graph  # noqa: E402

COLUMNS = ["device", "op", "impl", "dtype", "batch", "heads", "kv_heads", "seq_q", "seq_kv", "head_dim", "causal",
           "measured_us", "timing", "source", "kernel", "kernel_us", "graph_calls"]


def setups(args):
    """(batch, seq_kv) pairs, batch outer."""
    return [(b, s) for b in parse_values(args.batch, "batch") for s in parse_values(args.seq_kv, "seq-kv")]


def measure(args, todo):
    torch = import_torch("setups")
    import torch.nn.functional as F
    from torch.nn.attention import SDPBackend, sdpa_kernel

    dtype = {"fp16": torch.float16, "bf16": torch.bfloat16}[args.dtype]
    dev = device_id(torch, args.device_id)
    source = (f"measured: torch {torch.__version__} on {torch.cuda.get_device_name()}, SDPA flash backend, "
              f"contiguous KV, CUDA graph of back-to-back calls, per call, median of {args.reps}")
    out = Rows(args.out, COLUMNS, args.max_seconds, "setups")
    for batch, seq_kv in todo:
        if out.expired(len(todo)):
            break
        try:
            q = torch.randn(batch, args.heads, 1, args.head_dim, dtype=dtype, device="cuda")
            k, v = (torch.randn(batch, args.kv_heads, seq_kv, args.head_dim, dtype=dtype, device="cuda") for _ in range(2))

            def call():
                with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
                    return F.scaled_dot_product_attention(q, k, v, enable_gqa=args.kv_heads != args.heads)

            for _ in range(args.warmup):
                call()
        except torch.OutOfMemoryError:
            print(f"out of memory: batch {batch} seq_kv {seq_kv}; skipped", file=sys.stderr)
            q = k = v = None
            torch.cuda.empty_cache()
            continue
        names, _, durations = kernels_of_one_call(torch, call)
        us, calls = time_graph(torch, call, args.reps, sum(durations) or 10.0)
        out.write([dev, "attention", "split-kv", args.dtype, batch, args.heads, args.kv_heads, 1, seq_kv, args.head_dim,
                   "false", f"{us:.2f}", "graph", source, "; ".join(names), "; ".join(f"{d:.2f}" for d in durations), calls])
        del q, k, v
    out.close(dev)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--batch", default="1,4,16,64,128", help="sequences (list or start:stop:step)")
    p.add_argument("--seq-kv", default="128,512,1024,2048,4096,8192", help="cached tokens per sequence")
    p.add_argument("--heads", type=int, default=32, help="query heads (Llama-2-70B on 2 GPUs: 32 of 64)")
    p.add_argument("--kv-heads", type=int, default=4)
    p.add_argument("--head-dim", type=int, default=128)
    p.add_argument("--dtype", choices=["fp16", "bf16"], default="fp16")
    p.add_argument("--reps", type=int, default=10)
    add_run_args(p, "decode-attention-measured.csv", "setups")
    args = p.parse_args()
    check_args(args, ("reps", "heads", "kv_heads", "head_dim"))
    if args.heads % args.kv_heads:
        sys.exit(f"--kv-heads = {args.kv_heads}: expected a divisor of --heads {args.heads}")
    list_or_measure(args, setups(args), lambda s: f"batch={s[0]} seq_kv={s[1]}", "setups", measure)


if __name__ == "__main__":
    main()
