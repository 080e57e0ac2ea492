"""Tests of dlbook.demos.gpu_benchmark: the recording script, its JSON and the loader."""

from __future__ import annotations

import json

import pytest
import torch

from dlbook.demos.gpu_benchmark import (
    RECORDED,
    SCHEMA,
    load_recorded,
    main,
    record,
    recorded_tables,
)

MACHINE = {
    "cpu": "Test CPU",
    "logical_cores": 8,
    "torch_threads": 4,
    "torch": "2.9.0",
    "cuda": "12.8",
    "gpus": [{"name": "Test GPU", "memory_gib": 80.0, "capability": "9.0"}],
    "platform": "Linux",
    "python": "3.11.7",
    "driver": "570.1",
}


def small_recording(created: str = "2026-01-02T03:04:05+00:00") -> dict:
    """A recording as the script writes it, with made-up (clearly fake) numbers."""
    return {
        "schema": SCHEMA,
        "created": created,
        "command": "python -m dlbook.demos.gpu_benchmark --out x.json",
        "dlbook": {"version": "0.1.0", "commit": None},
        "machine": MACHINE,
        "device": "cuda",
        "float32_matmul_precision": "highest",
        "matmul": [
            {
                "device": "cuda",
                "dtype": "float32",
                "size": 1024,
                "seconds": 1e-3,
                "flop_per_s": 2 * 1024**3 / 1e-3,
                "threads": 4,
            },
        ],
        "training_step": [
            {
                "device": "cuda",
                "precision": "float32",
                "compiled": False,
                "batch_size": 256,
                "seconds": 2e-4,
                "samples_per_s": 256 / 2e-4,
                "flop_per_s": 1e12,
                "threads": 4,
            },
            {
                "device": "cuda",
                "precision": "float32",
                "compiled": True,
                "batch_size": 256,
                "seconds": 1e-4,
                "samples_per_s": 256 / 1e-4,
                "flop_per_s": 2e12,
                "threads": 4,
            },
            {
                "device": "cpu",
                "precision": "float32",
                "compiled": False,
                "batch_size": 256,
                "seconds": 2e-3,
                "samples_per_s": 256 / 2e-3,
                "flop_per_s": 1e11,
                "threads": 4,
            },
        ],
        "memory": [{"precision": "float32", "batch_size": 256, "peak_bytes": 3 * 2**20}],
        "transfer": [],
    }


def test_the_loader_reads_recordings_oldest_first(tmp_path):
    (tmp_path / "b.json").write_text(json.dumps(small_recording("2026-03-01T00:00:00+00:00")))
    (tmp_path / "a.json").write_text(json.dumps(small_recording("2026-04-01T00:00:00+00:00")))
    (tmp_path / "notes.txt").write_text("not a recording")
    runs = load_recorded(tmp_path)
    assert [run["created"][:7] for run in runs] == ["2026-03", "2026-04"]
    assert runs[0]["path"].endswith("b.json")
    assert load_recorded(tmp_path / "missing") == []


def test_the_tables_name_the_machine_and_the_date(tmp_path):
    (tmp_path / "run.json").write_text(json.dumps(small_recording()))
    (run,) = load_recorded(tmp_path)
    text = recorded_tables(run)
    caption = (
        "(cuda: Test GPU (80 GiB, compute capability 9.0) with Test CPU (8 logical cores, "
        "4 PyTorch threads); PyTorch 2.9.0, CUDA 12.8, driver 570.1; recorded 2026-01-02)."
    )
    assert text.count(caption) == 2  # one caption per table
    assert "| cuda | float32 | 1024 | 1.000 | 2.147 |" in text  # 2 n^3 FLOP in 1 ms
    assert "| cuda | 256 | float32 | 0.200 | 1,280,000 | 1000.0 | 3.0 |" in text
    assert "| cuda | 256 | float32, compiled | 0.100 | 2,560,000 | 2000.0 |  |" in text
    assert "| cpu | 256 | float32 | 2.000 | 128,000 | 100.0 |  |" in text  # no GPU memory
    with pytest.raises(TypeError, match="run must be a recording"):
        recorded_tables({"schema": 1})


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda r: r.pop("machine"), r"missing \['machine'\]"),
        (lambda r: r.update(schema=99), "has schema 99, expected 1"),
        (lambda r: r["machine"].pop("cpu"), "missing 'cpu'"),
        (lambda r: r["machine"].update(gpus=[]), "info lists no GPU"),
    ],
)
def test_the_loader_rejects_incomplete_recordings(tmp_path, change, match):
    run = small_recording()
    run["machine"] = dict(run["machine"])
    change(run)
    (tmp_path / "bad.json").write_text(json.dumps(run))
    with pytest.raises(ValueError, match=match):
        load_recorded(tmp_path)


def test_the_loader_rejects_files_that_are_not_json(tmp_path):
    (tmp_path / "broken.json").write_text("{")
    with pytest.raises(ValueError, match="broken.json is not a readable JSON recording"):
        load_recorded(tmp_path)
    (tmp_path / "broken.json").write_text("[1, 2]")
    with pytest.raises(ValueError, match="must hold a JSON object, got list"):
        load_recorded(tmp_path)


def test_the_recordings_shipped_with_dlbook_load():
    assert RECORDED.is_dir()
    for run in load_recorded():
        assert run["device"] == "cuda"  # only GPU runs are committed
        assert recorded_tables(run)


def test_the_script_writes_a_recording_the_loader_reads(tmp_path, capsys):
    out = tmp_path / "cpu.json"
    main(["--out", str(out), "--device", "cpu", "--quick", "--no-compile"])
    assert "wrote" in capsys.readouterr().out
    (run,) = load_recorded(tmp_path)
    assert run["device"] == "cpu" and run["machine"]["torch"] == torch.__version__
    assert {r["precision"] for r in run["training_step"]} == {"float32", "bfloat16"}
    assert run["memory"] == [] and run["transfer"] == []  # CUDA-only measurements
    assert "Recorded matrix products" in recorded_tables(run)


def test_the_script_refuses_a_missing_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="CUDA is not available here"):
        record("cuda")


def test_a_gpu_recording_has_cpu_rows_beside_it():
    # What record() adds to a CUDA recording: the same measurements on the CPU.
    from dlbook.demos.gpu_benchmark import _cpu_rows

    matmul, steps = _cpu_rows(quick=True, min_run_time=0.01)
    assert {(r["device"], r["size"]) for r in matmul} == {("cpu", 64), ("cpu", 128)}
    assert [(r["device"], r["precision"]) for r in steps] == [
        ("cpu", "float32"),
        ("cpu", "bfloat16"),
    ]


@pytest.mark.cuda
def test_a_quick_recording_on_cuda(cuda_device, tmp_path):
    run = record(cuda_device, quick=True, compile=False, min_run_time=0.01)
    assert run["machine"]["gpus"] and run["device"] == "cuda"
    assert {r["dtype"] for r in run["matmul"]} >= {"float32", "float16"}
    # the CPU of the same machine, for the comparison
    assert {r["device"] for r in run["matmul"]} == {"cuda", "cpu"}
    assert {r["device"] for r in run["training_step"]} == {"cuda", "cpu"}
    assert [m["precision"] for m in run["memory"]] == ["float32", "float16"]
    assert all(m["peak_bytes"] > 0 for m in run["memory"])
    assert [t["pinned"] for t in run["transfer"]] == [False, True]
    (tmp_path / "gpu.json").write_text(json.dumps(run))
    (loaded,) = load_recorded(tmp_path)
    assert "compute capability" in recorded_tables(loaded)
