#!/usr/bin/env python3
"""Print what PyTorch reports about the GPU, as JSON, beside the preset fields it checks
(sm.count, l2.sizeBytes, memory.capacityBytes, ...): a preset's datasheet numbers against the part.

  python3 scripts/measure/device_properties.py > gpu-properties.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import import_torch  # noqa: E402

# torch.cuda.get_device_properties field -> the preset field it corresponds to.
FIELDS = {
    "name": "name",
    "multi_processor_count": "sm.count",
    "L2_cache_size": "l2.sizeBytes",
    "total_memory": "memory.capacityBytes",
    "shared_memory_per_multiprocessor": "sm.sharedMemoryBytesPerSm",
    "shared_memory_per_block_optin": "sm.maxSharedMemoryBytesPerBlock",
    "regs_per_multiprocessor": "sm.registersPerSm",
    "max_threads_per_multi_processor": "sm.maxThreadsPerSm",
    "major": None,
    "minor": None,
}


def main():
    torch = import_torch("properties")
    props = torch.cuda.get_device_properties(0)
    out = {"torch": torch.__version__, "cuda": torch.version.cuda, "properties": {}}
    for field, preset in FIELDS.items():
        if hasattr(props, field):
            out["properties"][field] = {"value": getattr(props, field), "preset": preset}
    json.dump(out, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
