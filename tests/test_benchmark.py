"""Tests of dlbook.benchmark: timing, FLOP counts, loaders and tables."""

from __future__ import annotations

import pytest
import torch
from helpers import available_devices as device_params
from torch import nn

from dlbook.benchmark import (
    Timing,
    available_devices,
    benchmark_matmul,
    benchmark_training_step,
    benchmark_transfer,
    linear_training_flop,
    make_loader,
    markdown_table,
    matmul_flop,
    measure_memory,
    profile_operations,
    time_function,
)

DEVICES = [pytest.param(d, marks=pytest.mark.cuda) if d == "cuda" else d for d in device_params()]


def test_timing_properties():
    timing = Timing((0.3, 0.1, 0.2, 0.4), "cpu", threads=2, number_per_run=5)
    assert timing.median == pytest.approx(0.25) and timing.best == 0.1
    assert timing.mean == pytest.approx(0.25) and timing.iqr == pytest.approx(0.15)
    assert Timing((0.1,), "cpu", threads=1).iqr == 0.0


def test_available_devices_starts_with_cpu_and_matches_cuda():
    devices = available_devices()
    assert devices[0] == torch.device("cpu")
    assert (torch.device("cuda") in devices) == torch.cuda.is_available()


def test_time_function_warms_up_then_times_blocks_of_calls():
    calls = []
    timing = time_function(lambda: calls.append(1), warmup=3, min_run_time=0.01)
    timed = len(timing.times) * timing.number_per_run
    assert len(calls) >= 3 + timed and timing.number_per_run >= 1
    assert all(t > 0 for t in timing.times) and timing.device == "cpu"


def test_time_function_measures_sleep_and_records_the_threads():
    import time

    before = torch.get_num_threads()
    timing = time_function(lambda: time.sleep(0.01), warmup=0, min_run_time=0.03, threads=1)
    assert 0.009 < timing.median < 0.5
    assert timing.threads == 1 and torch.get_num_threads() == before  # restored
    assert time_function(lambda: None, min_run_time=0.01).threads == before


def test_time_function_runs_with_the_requested_threads():
    seen = []
    time_function(lambda: seen.append(torch.get_num_threads()), min_run_time=0.01, threads=1)
    assert set(seen[1:]) == {1}  # the timed calls (the warm-up runs before the Timer)


def test_time_function_times_at_least_min_blocks_blocks_of_equal_size():
    calls = []
    timing = time_function(lambda: calls.append(1), warmup=0, min_run_time=0.02, min_blocks=7)
    assert len(timing.times) >= 7 and timing.number_per_run > 1  # a fast call: many per block
    assert timing.iqr >= 0 and timing.best <= timing.median
    # Every timed block ran number_per_run calls (the sizing calls come first).
    assert len(calls) >= len(timing.times) * timing.number_per_run


def test_time_function_with_min_blocks_measures_sleep():
    import time

    timing = time_function(lambda: time.sleep(0.005), warmup=0, min_run_time=0.03, min_blocks=5)
    assert len(timing.times) >= 5 and timing.number_per_run <= 2  # blocks of about 6 ms
    assert 0.004 < timing.median < 0.05


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"fn": 3}, TypeError, "fn must be callable"),
        ({"fn": lambda: None, "min_run_time": 0}, ValueError, "min_run_time must be > 0"),
        ({"fn": lambda: None, "threads": 0}, ValueError, "threads must be a positive integer"),
        ({"fn": lambda: None, "warmup": -1}, ValueError, "warmup must be an integer >= 0"),
        ({"fn": lambda: None, "min_blocks": 0}, ValueError, "min_blocks must be a positive"),
        ({"fn": lambda: None, "device": "gpu7"}, ValueError, "device must name a device"),
    ],
)
def test_time_function_errors(kwargs, error, match):
    options = dict(kwargs)  # the parametrize dict is shared by every run of this test
    fn = options.pop("fn")
    with pytest.raises(error, match=match):
        time_function(fn, **options)
    assert "fn" in kwargs


def test_matmul_flop_counts_multiply_adds():
    assert matmul_flop(3) == 54
    assert matmul_flop(2, 3, 4) == 48
    # brute force: count multiplications and additions of a naive product
    n, k, m = 2, 5, 3
    assert matmul_flop(n, k, m) == n * m * (k + k)
    with pytest.raises(ValueError, match="k must be a positive integer"):
        matmul_flop(2, 0)


def test_linear_training_flop():
    model = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 3))
    # the first layer: forward and weight gradient; the second also its input gradient
    assert linear_training_flop(model, 4) == (4 * 200 + 6 * 60) * 4
    assert linear_training_flop(nn.Linear(10, 20), 4) == 4 * 200 * 4
    with pytest.raises(ValueError, match=r"at least one nn\.Linear"):
        linear_training_flop(nn.ReLU(), 4)
    with pytest.raises(TypeError, match="model must be"):
        linear_training_flop("mlp", 4)


@pytest.mark.parametrize("sizes", [[784, 256, 256, 10], [20, 32, 3], [5, 7]])
def test_linear_training_flop_is_what_the_flop_counter_counts(sizes):
    # PyTorch's own count of one training step (the TrainingStep that dl.train takes)
    from torch.utils.flop_counter import FlopCounterMode

    from dlbook.models import mlp
    from dlbook.training import TrainingStep

    model = mlp(sizes, seed=0)
    step = TrainingStep(model, torch.optim.SGD(model.parameters(), lr=1e-3))
    X, y = torch.randn(64, sizes[0]), torch.randint(0, sizes[-1], (64,))
    with FlopCounterMode(display=False) as counter:
        step(X, y)
    assert linear_training_flop(model, 64) == counter.get_total_flops()
    # the old count, 6 x weights x batch, is too high by the first layer's input gradient
    weights = sum(m.weight.numel() for m in model.modules() if isinstance(m, nn.Linear))
    assert 6 * weights * 64 > counter.get_total_flops()


@pytest.mark.parametrize("device", DEVICES)
def test_benchmark_matmul_rows(device):
    rows = benchmark_matmul([16, 32], device=device, min_run_time=0.01, warmup=1)
    assert [r["size"] for r in rows] == [16, 32]
    for row in rows:
        assert row["device"] == torch.device(device).type and row["dtype"] == "float32"
        assert row["flop_per_s"] == pytest.approx(matmul_flop(row["size"]) / row["seconds"])


def test_benchmark_matmul_errors():
    with pytest.raises(TypeError, match="sizes must be a non-empty sequence"):
        benchmark_matmul([])
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        benchmark_matmul([8], dtype=torch.int32)


@pytest.mark.parametrize("device", DEVICES)
def test_benchmark_training_step_leaves_model_alone(device):
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    before = [p.detach().clone() for p in model.parameters()]
    row = benchmark_training_step(model, batch_size=8, device=device, min_run_time=0.01, warmup=1)
    assert row["device"] == torch.device(device).type and row["batch_size"] == 8
    assert row["samples_per_s"] == pytest.approx(8 / row["seconds"])
    assert row["flop_per_s"] == pytest.approx(linear_training_flop(model, 8) / row["seconds"])
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_benchmark_training_step_bfloat16_on_cpu():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    row = benchmark_training_step(
        model, batch_size=8, autocast_dtype=torch.bfloat16, min_run_time=0.01, warmup=0
    )
    assert row["precision"] == "bfloat16"


def test_benchmark_training_step_errors():
    with pytest.raises(ValueError, match=r"nn\.Linear"):
        benchmark_training_step(nn.ReLU())
    with pytest.raises(TypeError, match="dtype must be a floating-point"):
        benchmark_training_step(nn.Linear(2, 2), autocast_dtype="half")


def test_make_loader_batches_and_shuffles_reproducibly():
    X, y = torch.arange(20.0).reshape(10, 2), torch.arange(10)
    loader = make_loader(X, y, batch_size=4)
    assert [len(b) for b, _ in loader] == [4, 4, 2]
    assert loader.pin_memory == torch.cuda.is_available()
    first = [yb.tolist() for _, yb in make_loader(X, y, batch_size=5, shuffle=True, seed=0)]
    second = [yb.tolist() for _, yb in make_loader(X, y, batch_size=5, shuffle=True, seed=0)]
    assert first == second and sorted(v for batch in first for v in batch) == list(range(10))
    for xb, yb in make_loader(X, y, batch_size=3, shuffle=True, seed=1):
        assert torch.equal(xb[:, 0], 2 * yb.float())  # rows stay aligned


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without a GPU")
def test_make_loader_refuses_pinning_without_cuda():
    with pytest.raises(ValueError, match="pin_memory=True needs a CUDA device"):
        make_loader(torch.zeros(4, 2), torch.zeros(4), pin_memory=True)


def test_make_loader_errors():
    with pytest.raises(ValueError, match="same number of samples"):
        make_loader(torch.zeros(4, 2), torch.zeros(3))
    with pytest.raises(TypeError, match="pin_memory must be a bool"):
        make_loader(torch.zeros(4, 2), torch.zeros(4), pin_memory="yes")


def test_benchmark_transfer_needs_cuda():
    with pytest.raises(ValueError, match="must be a CUDA device"):
        benchmark_transfer(1.0, device="cpu")
    with pytest.raises(ValueError, match="megabytes must be a positive number"):
        benchmark_transfer(-1.0)


def test_markdown_table():
    table = markdown_table([{"a": 1, "b": 0.25}, {"a": 2, "b": 0.5}], {"A": "{a}", "B": "{b:.1f}"})
    assert table.splitlines() == ["| A | B |", "|---|---|", "| 1 | 0.2 |", "| 2 | 0.5 |"]
    with pytest.raises(ValueError, match=r"rows\[0\] has no key 'c'"):
        markdown_table([{"a": 1}], {"C": "{c}"})
    with pytest.raises(TypeError, match="columns must be a non-empty mapping"):
        markdown_table([], {})
    captioned = markdown_table([{"a": 1}], {"A": "{a}"}, caption="*Measured on X.*")
    assert captioned.splitlines() == ["*Measured on X.*", "", "| A |", "|---|", "| 1 |"]
    with pytest.raises(TypeError, match="caption must be a string or None"):
        markdown_table([{"a": 1}], {"A": "{a}"}, caption=3)


def test_measure_memory_needs_cuda():
    with pytest.raises(ValueError, match="must be a CUDA device to measure memory"):
        measure_memory(lambda: None, device="cpu")
    with pytest.raises(TypeError, match="fn must be callable"):
        measure_memory(3)


def test_benchmark_training_step_compiled_flag():
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    row = benchmark_training_step(model, batch_size=8, min_run_time=0.01)
    assert row["compiled"] is False
    with pytest.raises(TypeError, match="compiled must be a bool"):
        benchmark_training_step(model, compiled="yes")


# ------------------------------------------------------------------ CUDA paths


@pytest.mark.cuda
def test_time_function_on_cuda_uses_events_and_waits(cuda_device):
    A = torch.randn(2048, 2048, device=cuda_device)
    timing = time_function(lambda: A @ A, device=cuda_device, min_run_time=0.01)
    assert timing.device == "cuda" and len(timing.times) == 3
    # 2 * 2048**3 FLOP cannot take less than a microsecond on any GPU: the events waited
    assert timing.best > 1e-6


@pytest.mark.cuda
def test_benchmark_matmul_cuda_result_matches_cpu(cuda_device):
    rows = benchmark_matmul([256], device=cuda_device, min_run_time=0.01)
    assert rows[0]["device"] == "cuda" and rows[0]["flop_per_s"] > 0
    g = torch.Generator().manual_seed(0)
    A, B = torch.randn(64, 64, generator=g), torch.randn(64, 64, generator=g)
    with torch.no_grad():
        on_gpu = (A.to(cuda_device) @ B.to(cuda_device)).cpu()
    torch.testing.assert_close(on_gpu, A @ B, rtol=1e-2, atol=1e-2)  # TF32 may be on


@pytest.mark.cuda
@pytest.mark.parametrize("dtype", [None, torch.float16, torch.bfloat16])
def test_benchmark_training_step_on_cuda(cuda_device, dtype):
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    row = benchmark_training_step(
        model, batch_size=64, device=cuda_device, autocast_dtype=dtype, min_run_time=0.01
    )
    assert row["device"] == "cuda" and row["samples_per_s"] > 0
    assert next(model.parameters()).device.type == "cpu"  # the original stays put


@pytest.mark.cuda
def test_pinned_loader_and_non_blocking_copy(cuda_device):
    X, y = torch.randn(32, 4), torch.arange(32)
    loader = make_loader(X, y, batch_size=8)
    assert loader.pin_memory
    seen = []
    for xb, _ in loader:
        assert xb.is_pinned()
        xb = xb.to(cuda_device, non_blocking=True)
        seen.append(xb.cpu())  # .cpu() waits for the copy
    torch.testing.assert_close(torch.cat(seen), X)
    rows = benchmark_transfer(8.0, device=cuda_device, min_run_time=0.01)
    assert [r["pinned"] for r in rows] == [False, True]
    assert all(r["bytes_per_s"] > 0 for r in rows)


def test_benchmark_training_step_times_the_step_of_dl_train(monkeypatch):
    import dlbook.benchmark
    from dlbook.training import TrainingStep

    built = []

    class Recording(TrainingStep):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            built.append(self)

    monkeypatch.setattr(dlbook.benchmark, "TrainingStep", Recording)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 4))
    row = benchmark_training_step(model, batch_size=8, min_run_time=0.01)
    assert len(built) == 1 and built[0].loss.name == "cross_entropy"
    assert row["threads"] == torch.get_num_threads()
    with pytest.raises(ValueError, match="autocast_dtype must be torch.bfloat16 or torch.float16"):
        benchmark_training_step(model, autocast_dtype=torch.float64)


@pytest.mark.cuda
def test_measure_memory_counts_the_saved_activations(cuda_device):
    # Written against the CPU count: with autograd on, a forward pass keeps the activations
    # that dl.demos.pitfalls.saved_tensor_bytes counts (less the input, allocated before).
    import dlbook as dl

    model = dl.mlp([2, 512, 512, 2], seed=0).to(cuda_device).eval()
    X = torch.randn(1024, 2, device=cuda_device)
    saved = dl.demos.pitfalls.saved_tensor_bytes(model, X)
    with_graph = measure_memory(lambda: model(X), device=cuda_device)
    with torch.no_grad():
        without = measure_memory(lambda: model(X), device=cuda_device)
    kept = with_graph.kept - without.kept
    assert kept == pytest.approx(saved - X.numel() * 4, rel=0.05)
    assert with_graph.peak >= with_graph.kept >= without.kept >= 1024 * 2 * 4
    assert without.peak < with_graph.peak


@pytest.mark.cuda
def test_compiled_training_step_on_cuda(cuda_device):
    model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    row = benchmark_training_step(
        model, batch_size=64, device=cuda_device, compiled=True, warmup=3, min_run_time=0.01
    )
    assert row["compiled"] is True and row["samples_per_s"] > 0


def test_profile_operations_counts_the_calls_and_sums_to_one(capfd):
    A = torch.randn(32, 32)
    rows = profile_operations(lambda: torch.relu(A @ A), calls=4, warmup=1)
    by_name = {row["name"]: row for row in rows}
    assert by_name["aten::mm"]["calls"] == 4 and by_name["aten::relu"]["calls"] == 4
    assert sum(row["cpu_share"] for row in rows) == pytest.approx(1.0)
    assert [row["self_cpu_s"] for row in rows] == sorted(
        (row["self_cpu_s"] for row in rows), reverse=True
    )
    assert all(row["self_device_s"] == 0 for row in rows)  # the CPU has no kernels
    assert capfd.readouterr().err == ""  # the profiler's log lines are silenced
    import os

    os.write(2, b"after\n")  # and the error output works again afterwards
    assert capfd.readouterr().err == "after\n"


def test_profile_operations_errors():
    with pytest.raises(TypeError, match="fn must be callable"):
        profile_operations(3)
    with pytest.raises(ValueError, match="calls must be a positive integer"):
        profile_operations(lambda: None, calls=0)


@pytest.mark.cuda
def test_profile_operations_times_the_kernels_on_cuda(cuda_device):
    A = torch.randn(256, 256, device=cuda_device)
    rows = profile_operations(lambda: A @ A, calls=3, device=cuda_device)
    mm = next(row for row in rows if row["name"] == "aten::mm")
    assert mm["calls"] == 3
    assert sum(row["self_device_s"] for row in rows) > 0  # the GPU's kernels are counted
