"""What the measurement harnesses share: value lists, the GPU's preset id, kernel names from the
profiler, per-call timing with CUDA events, and a CSV written aside and renamed when done."""
import csv
import json
import os
import statistics
import sys
import tempfile
import threading
import time

# GPU names as torch reports them -> tilewave preset ids (first match wins).
DEVICE_IDS = [
    ("H200", "h200"),
    ("H100", "h100-80gb"),
    ("A100", "a100-80gb"),
    ("A40", "a40"),
    ("B200", "b200"),
    ("RTX 4070", "rtx-4070"),
]


def parse_values(text, name):
    """'1,16,64', '64:1024:64' (start:stop:step, stop included) or a mix: a sorted list of ints >= 1."""
    values = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            if ":" in part:
                start, stop, step = (int(x) for x in part.split(":"))
                if step < 1 or stop < start:
                    raise ValueError
                values.update(range(start, stop + 1, step))
            else:
                values.add(int(part))
        except ValueError:
            sys.exit(f"--{name} = {text!r}: expected integers or start:stop:step ranges, comma-separated")
    if not values or min(values) < 1:
        sys.exit(f"--{name} = {text!r}: expected at least one integer >= 1")
    return sorted(values)


def comma_choices(text, flag, allowed):
    """A comma-separated list of values from `allowed`, or exit with a line naming the flag."""
    values = [x.strip() for x in text.split(",") if x.strip() != ""]
    if not values or any(v not in allowed for v in values):
        sys.exit(f"--{flag} = {text!r}: expected {', '.join(allowed)} or {','.join(allowed)}")
    return values


def check_args(args, positive):
    """Exit with a line naming the flag when one of `positive` (attribute names) is below 1, or
    --warmup / --max-seconds is negative."""
    for name in positive:
        if getattr(args, name) < 1:
            sys.exit(f"--{name.replace('_', '-')} = {getattr(args, name)}: expected an integer >= 1")
    if args.warmup < 0 or args.max_seconds < 0:
        sys.exit("--warmup and --max-seconds: expected numbers >= 0")


def add_run_args(p, out, noun, warmup=3):
    """The options every harness takes: warm-up calls, the preset id, a time budget, the output
    file and --dry-run (check_args and list_or_measure read them)."""
    p.add_argument("--warmup", type=int, default=warmup)
    p.add_argument("--device-id", help="tilewave preset id (default: from the GPU's name)")
    p.add_argument("--max-seconds", type=float, default=0, help="stop measuring after this long, keeping the rows so far")
    p.add_argument("--out", default=out)
    p.add_argument("--dry-run", action="store_true", help=f"print the {noun} and exit (no GPU needed)")


def list_or_measure(args, todo, describe, noun, measure):
    """With --dry-run, print each item of `todo` (describe(item)) and the count on stderr, no GPU
    needed; otherwise measure them."""
    if args.dry_run:
        for item in todo:
            print(describe(item))
        print(f"{len(todo)} {noun}", file=sys.stderr)
        return
    measure(args, todo)


def import_torch(what):
    """PyTorch with a CUDA device, or exit with a line saying what is missing."""
    try:
        import torch
    except ImportError:
        sys.exit(f"PyTorch is not installed: measuring needs PyTorch with CUDA (--dry-run lists the {what} without it)")
    if not torch.cuda.is_available():
        sys.exit("no CUDA device visible to PyTorch")
    return torch


def device_id(torch, override):
    if override:
        return override
    name = torch.cuda.get_device_name()
    for key, preset in DEVICE_IDS:
        if key in name:
            return preset
    sys.exit(f"GPU {name!r} has no tilewave preset id: pass --device-id")


def kernels_from_trace(trace):
    """From a profiler's Chrome trace: the kernels' names in launch order, the grid "x,y,z" of the
    first kernel that is not a reduction (a GEMM's main kernel), and each kernel's duration (µs)."""
    events = trace.get("traceEvents", []) if isinstance(trace, dict) else trace
    kernels = sorted((e for e in events if e.get("cat") == "kernel"), key=lambda e: e.get("ts", 0))
    names = [e.get("name", "") for e in kernels]
    grid = ""
    for e in kernels:
        g = (e.get("args") or {}).get("grid")
        if g and "reduce" not in e.get("name", "").lower():
            grid = ",".join(str(x) for x in g)
            break
    return names, grid, [float(e.get("dur", 0)) for e in kernels]


def profiler_trace(torch, fn):
    """torch.profiler's Chrome trace (a dict) of fn() and the GPU work it queued."""
    from torch.profiler import ProfilerActivity, profile

    torch.cuda.synchronize()  # earlier calls' kernels must not land in this profile
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        torch.cuda.synchronize()
    fd, path = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    try:
        prof.export_chrome_trace(path)
        with open(path) as f:
            return json.load(f)
    finally:
        os.unlink(path)


def kernels_of_one_call(torch, fn):
    """Names of the kernels one call launches, in launch order, the main kernel's grid, and each
    one's duration in µs (one call's GPU time as the profiler saw it)."""
    return kernels_from_trace(profiler_trace(torch, fn))


class NvmlReadings:
    """While its with-block runs, a thread reads `sampler` (GpuSampler) every millisecond:
    `readings` holds (time.monotonic(), SM clock MHz, power W) tuples."""

    def __init__(self, sampler):
        self.sampler, self.readings = sampler, []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.loop)

    def loop(self):
        while not self.done.is_set():
            r = self.sampler.sample()
            if r is None:
                return
            self.readings.append((time.monotonic(), *r))
            time.sleep(0.001)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        return False

    def medians(self):
        """Median SM clock and power as CSV cells ('' without readings)."""
        if not self.readings:
            return "", ""
        return (f"{statistics.median(r[1] for r in self.readings):.0f}", f"{statistics.median(r[2] for r in self.readings):.0f}")


def time_graph(torch, call, reps, per_call_us, target_us=2000.0, before=None):
    """Per-call GPU time (µs) without launch overhead. Enough calls to last about `target_us` (from
    the estimate `per_call_us`, 50 at most) are captured in one CUDA graph; the median of `reps`
    replays, each between CUDA events, is divided by their count (`before` runs ahead of the first,
    in the same stream: a heater). Where the host launches slower
    than the GPU runs (small kernels, a sandboxed driver), per-call events time the host; the graph
    times the GPU. Returns (µs, calls)."""
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):  # capture needs the library's workspaces made outside it
        for _ in range(3):
            call()
    torch.cuda.current_stream().wait_stream(side)
    torch.cuda.synchronize()
    calls = max(1, min(50, round(target_us / max(per_call_us, 1.0))))
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        for _ in range(calls):
            call()
    graph.replay()
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    if before is not None:
        before()
    for i in range(reps):
        starts[i].record()
        graph.replay()
        ends[i].record()
    torch.cuda.synchronize()
    us = statistics.median(s.elapsed_time(e) * 1000.0 for s, e in zip(starts, ends)) / calls
    del graph
    return us, calls


class GpuSampler:
    """The SM clock (MHz) and board power (W) read through NVML (nvidia-ml-py) while kernels run;
    no readings where NVML is missing."""

    def __init__(self):
        try:
            import pynvml

            pynvml.nvmlInit()
            self.nvml, self.handle = pynvml, pynvml.nvmlDeviceGetHandleByIndex(0)
        except Exception:  # no NVML: the columns stay empty
            self.nvml = None

    def sample(self):
        if self.nvml is None:
            return None
        try:
            return (self.nvml.nvmlDeviceGetClockInfo(self.handle, self.nvml.NVML_CLOCK_SM),
                    self.nvml.nvmlDeviceGetPowerUsage(self.handle) / 1000.0)
        except Exception:
            return None


def time_calls(torch, call, reps, before=None, sampler=None):
    """Median time of `reps` calls, each between its own pair of CUDA events (launch included);
    `before` runs ahead of each call, outside its events (an L2 flush). While the GPU works through
    them, `sampler` is read as often as it answers: the median SM clock and power, or '' for none."""
    starts = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    ends = [torch.cuda.Event(enable_timing=True) for _ in range(reps)]
    for i in range(reps):
        if before is not None:
            before()
        starts[i].record()
        call()
        ends[i].record()
    readings = []
    while sampler is not None and not ends[-1].query():
        r = sampler.sample()
        if r is None:
            break
        readings.append(r)
        time.sleep(0.0002)
    torch.cuda.synchronize()
    us = statistics.median(s.elapsed_time(e) * 1000.0 for s, e in zip(starts, ends))
    clock = f"{statistics.median(r[0] for r in readings):.0f}" if readings else ""
    power = f"{statistics.median(r[1] for r in readings):.0f}" if readings else ""
    return us, clock, power


class Rows:
    """CSV rows written to OUT.partial as they come (a stopped run keeps them), renamed to OUT on
    close; `expired()` is true once --max-seconds have passed."""

    def __init__(self, out, columns, max_seconds, what):
        self.out, self.max_seconds, self.what = out, max_seconds, what
        self.partial = out + ".partial"
        self.file = open(self.partial, "w", newline="")
        self.writer = csv.writer(self.file)
        self.writer.writerow(columns)
        self.t0 = time.monotonic()
        self.count = 0

    def expired(self, total):
        if self.max_seconds and time.monotonic() - self.t0 > self.max_seconds:
            print(f"--max-seconds {self.max_seconds} reached after {self.count} of {total} {self.what}", file=sys.stderr)
            return True
        return False

    def write(self, row):
        self.writer.writerow(row)
        self.file.flush()
        self.count += 1

    def close(self, device):
        self.file.close()
        os.replace(self.partial, self.out)
        print(f"{self.count} {self.what} on {device} in {time.monotonic() - self.t0:.1f} s -> {self.out}", file=sys.stderr)
