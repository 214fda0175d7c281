"""nplib.device.usage: the time-and-memory line the notebooks print at their end."""

import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from nplib import device
from nplib.device import usage

LINE = re.compile(
    r"wall time (\d+\.\d) s, peak memory (\d+\.\d\d) GB \(process RSS\)"
    r"(, CUDA peak (\d+\.\d\d) GB)?"
)


def _status_kb(field: str) -> int:
    # a field of /proc/self/status such as "VmHWM:  123456 kB"
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def test_usage_format_and_wall_time():
    t0 = time.perf_counter() - 2.5  # as if the run had started 2.5 s ago
    line = usage(t0)
    match = LINE.fullmatch(line)
    assert match, line
    assert 2.5 <= float(match[1]) < 60.0
    assert (match[3] is not None) == torch.cuda.is_available()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_usage_peak_memory_is_the_process_peak():
    block = np.ones(50_000_000 // 8)  # 50 MB touched: resident now, so in the peak
    current_gb = _status_kb("VmRSS") * 1024 / 1e9
    line = usage(time.perf_counter())
    peak_gb = float(LINE.fullmatch(line)[2])
    assert block.sum() > 0
    # at least what is resident now (a Python with torch and numpy: well over 0.05 GB) ...
    assert peak_gb >= max(0.05, current_gb - 0.01), (line, current_gb)
    # ... and the kernel's own peak (VmHWM), so the unit is right (ru_maxrss is in kB here)
    assert abs(peak_gb - _status_kb("VmHWM") * 1024 / 1e9) < 0.02, line
    assert peak_gb < 4096  # not bytes read as kilobytes


def test_usage_reports_cuda_peak_when_cuda_is_there(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "max_memory_allocated", lambda *a, **k: 2_500_000_000)
    line = usage(time.perf_counter())
    assert line.endswith(", CUDA peak 2.50 GB"), line


def test_usage_without_resource(monkeypatch):
    monkeypatch.setattr(device, "resource", None)
    assert device.peak_rss_bytes() is None
    assert "peak memory n/a" in usage(time.perf_counter())


def test_fast_bfloat16_follows_the_cpu_instructions(monkeypatch):
    cpu = torch.device("cpu")
    cases = ((False, False, False), (True, False, True), (False, True, True))
    for avx512_bf16, amx, native in cases:
        monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda v=avx512_bf16: v)
        monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda v=amx: v)
        assert device.has_fast_bfloat16(cpu) is native
    assert device.has_fast_bfloat16(torch.device("mps")) is False  # never chosen there
