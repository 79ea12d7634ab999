#!/usr/bin/env bash
# One device session's measurements, as one call: GEMMs of LLM layer shapes (the weight shapes of
# gemm-vidur.csv, so rows compare one to one), a row-alignment sweep, then attention (prefill and
# decode), then the GEMMs again on an all-zero input, a block's layers back to back and one GEMM's
# power transient, within BUDGET_S seconds, into $OUT
# (or out/measure). Each harness stops at its share of the budget and keeps what it measured; one that
# fails is logged and the others still run (the exit status is then 1).
#   bash scripts/measure/run-all.sh                 # on the GPU machine
#   BUDGET_S=300 EVERY=8 bash scripts/measure/run-all.sh
#   PACK=1 bash scripts/measure/run-all.sh          # one measure.tgz in $OUT (the device tool returns 8 files)
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-out/measure}
budget=${BUDGET_S:-420}
every=${EVERY:-4}
mkdir -p "$out"
export PYTHONUNBUFFERED=1
failed=0
step() { "$@" || { echo "FAILED ($?): $*" >&2; failed=1; }; }

# Weight shapes (n x k) of the QKV (attn_pre_proj), attention-output (attn_post_proj), MLP-up and
# MLP-down layers of Llama-2-7B/70B, CodeLlama-34B, Llama-3-8B/70B and a 2560-wide model, at
# tensor-parallel degrees 1 to 8, each with its layer (so `validate --by layer` groups the rows).
nk=1280x8192=attn_pre_proj,1536x4096=attn_pre_proj,2560x2560=attn_post_proj,2560x8192=attn_pre_proj,2560x10240=mlp_down_proj,2752x4096=mlp_up_proj,3072x4096=attn_pre_proj,4096x512=attn_post_proj,4096x1024=attn_post_proj,4096x1376=mlp_down_proj,4096x2048=attn_post_proj,4096x2752=mlp_down_proj,4096x4096=attn_post_proj,4096x5504=mlp_down_proj,4096x11008=mlp_down_proj,5120x8192=attn_pre_proj,5504x4096=mlp_up_proj,5504x8192=mlp_up_proj,6144x4096=attn_pre_proj,7168x8192=mlp_up_proj,7680x2560=attn_pre_proj,8192x1024=attn_post_proj,8192x2048=attn_post_proj,8192x2752=mlp_down_proj,8192x3584=mlp_down_proj,8192x4096=attn_post_proj,8192x5504=mlp_down_proj,8192x7168=mlp_down_proj,8192x8192=attn_post_proj,8192x11008=mlp_down_proj,8192x14336=mlp_down_proj,8192x22016=mlp_down_proj,8192x28672=mlp_down_proj,10240x2560=mlp_up_proj,10240x8192=attn_pre_proj,11008x4096=mlp_up_proj,11008x8192=mlp_up_proj,12288x4096=attn_pre_proj,14336x8192=mlp_up_proj,22016x4096=mlp_up_proj,22016x8192=mlp_up_proj,28672x8192=mlp_up_proj,44032x8192=mlp_up_proj,57344x8192=mlp_up_proj
# Token counts as in gemm-vidur.csv: 1, 2, 4, every 8 to 1024, every 16 to 2048, every 32 to 4096.
m=1,2,4,8:1024:8,1040:2048:16,2080:4096:32

nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,clocks.max.mem,power.limit,driver_version --format=csv > "$out/gpu.csv" 2>&1 || true
step python3 scripts/measure/device_properties.py > "$out/gpu-properties.json"
small=$((budget / 20 > 5 ? budget / 20 : 5))
# GEMMs are timed as CUDA graphs of back-to-back calls (--graph): under a sandboxed driver the host
# launches slower than small kernels run, and per-call events would time the host.
step python3 scripts/measure/gemm_kernels.py --graph --reps 10 --m "$m" --nk "$nk" --every "$every" --out "$out/gemm.csv" --max-seconds $((budget * 3 / 4 - 4 * small))
# Row alignment (docs/what-if.md, "Misaligned rows"): k = 8185..8200 (2- to 16-byte rows) and
# GPT-2's vocabulary against its padded size, each beside its aligned neighbours.
step python3 scripts/measure/gemm_kernels.py --graph --reps 10 --m 4096 --n 8192 --k 8185:8200:1 --out "$out/gemm-alignment.csv" --max-seconds "$small"
step python3 scripts/measure/gemm_kernels.py --graph --reps 10 --m 2048 --nk 50257x2560=lm_head,50304x2560=lm_head --out "$out/gemm-vocab.csv" --max-seconds "$small"
step python3 scripts/measure/attention_kernels.py --graph --out "$out/attention.csv" --max-seconds $((budget / 8))
# Decode attention (one token per sequence against its KV cache), graph-timed.
step python3 scripts/measure/decode_attention.py --out "$out/decode-attention.csv" --max-seconds "$small"
# The unfused softmax(QK^T)V of PyTorch ops, the simulator's "standard" attention.
step python3 scripts/measure/attention_kernels.py --graph --impl standard --out "$out/attention-standard.csv" --max-seconds $((budget / 8))
# Operand data and power: the weight shapes at power-limited sizes with an all-zero input (what
# efficiency.zeroOperandPowerShare is fitted to; the same shapes at random data are in gemm.csv).
step python3 scripts/measure/gemm_kernels.py --graph --reps 10 --m 512,1024,2048,4096 --nk "$nk" --data zero-a --out "$out/gemm-zero-a.csv" --max-seconds "$small"
# A block's linear layers back to back, 20 blocks, as Vidur's profiles ran them: the down-projection
# on zeros and on random data, amid its neighbours (data/measured/layer-sequence-h200.csv).
step python3 scripts/measure/layer_sequence.py --models llama-2-7b,llama-3-8b,codellama-34b,llama-3-70b --m 1024,2048,4096 --out "$out/layer-sequence.csv" --max-seconds "$small"
# The power controller's time scale: one GEMM back to back for ~1.5 s after IDLE_S seconds idle,
# random and zero-A data (power-transient.csv and its .nvml.csv).
step python3 scripts/measure/power_transient.py --idle "${IDLE_S:-3}" --out "$out/power-transient.csv"
# The device tool returns at most 8 files: PACK=1 leaves one archive of them all instead.
if [ "${PACK:-0}" = 1 ]; then
  tar -C "$out" -czf /tmp/measure.tgz . && rm -f "$out"/* && mv /tmp/measure.tgz "$out/measure.tgz"
fi
ls -l "$out"
exit $failed
