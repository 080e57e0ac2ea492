"""Tests of dlbook.devices."""

from __future__ import annotations

import json
import os

import pytest
import torch

from dlbook.devices import describe_device, get_device, module_device, module_dtype, synchronize


def test_get_device_returns_an_available_device():
    device = get_device()
    assert isinstance(device, torch.device)
    if torch.cuda.is_available():
        assert device.type == "cuda"
    torch.zeros(1, device=device)  # usable


def test_cpu_is_always_available_and_others_fall_back():
    assert get_device("cpu") == torch.device("cpu")
    if not torch.cuda.is_available():
        assert get_device("cuda") == torch.device("cpu")


def test_get_device_rejects_unknown_kinds():
    with pytest.raises(ValueError, match="prefer must be one of 'cuda', 'mps', 'cpu', got 'tpu'"):
        get_device("tpu")


def test_module_device():
    assert module_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    assert module_device(torch.nn.ReLU()) == torch.device("cpu")
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        module_device(torch.zeros(2))


def test_describe_device_cpu():
    assert describe_device("cpu").startswith("cpu: ")


def test_describe_device_suggests_one_thread_without_changing_it():
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        text = describe_device("cpu")
        first = text.splitlines()[0]
        assert first.startswith("cpu: ") and first.endswith(", 2 PyTorch thread(s)")
        assert f"{os.cpu_count()} logical cores" in first
        assert "torch.set_num_threads(1)" in text.splitlines()[1]
        assert torch.get_num_threads() == 2
        torch.set_num_threads(1)
        assert describe_device("cpu").endswith(", 1 PyTorch thread(s)")
        assert "\n" not in describe_device("cpu")
    finally:
        torch.set_num_threads(before)


def test_module_dtype():
    assert module_dtype(torch.nn.Linear(2, 2)) == torch.float32
    assert module_dtype(torch.nn.Linear(2, 2).double()) == torch.float64
    assert module_dtype(torch.nn.ReLU()) == torch.get_default_dtype()
    assert module_dtype(torch.nn.BatchNorm1d(3).half()) == torch.float16
    with pytest.raises(TypeError, match="module must be a torch.nn.Module"):
        module_dtype("linear")


@pytest.mark.cuda
def test_cuda_placement_and_description():
    device = get_device()
    assert device.type == "cuda"
    model = torch.nn.Linear(3, 2).to(device)
    assert module_device(model).type == "cuda"
    assert describe_device(device).startswith("cuda: ")


def test_environment_lists_versions_and_hardware():
    from dlbook.devices import environment

    info = environment(("numpy", "surely-not-a-package"))
    assert list(info) == [
        "Python",
        "PyTorch",
        "numpy",
        "surely-not-a-package",
        "Operating system",
        "CPU",
        "GPU",
        "PyTorch build",
        "PyTorch CPU threads",
    ]
    assert info["PyTorch"] == torch.__version__
    assert info["surely-not-a-package"] == "not installed"
    assert info["PyTorch CPU threads"] == str(torch.get_num_threads())
    if not torch.cuda.is_available():
        assert info["GPU"] in ("none", "Apple GPU (MPS)")
    if torch.version.cuda is None:
        assert info["PyTorch build"] == "CPU only (no CUDA)"
    else:
        assert info["PyTorch build"] == f"CUDA {torch.version.cuda}"
    with pytest.raises(TypeError, match="packages must be a tuple of distribution names"):
        environment("numpy")


def test_synchronize_cpu_is_a_no_op():
    assert synchronize("cpu") is None
    assert synchronize() is None


def test_machine_info_is_json_ready_and_names_this_machine():
    from dlbook.devices import machine_info

    info = machine_info()
    assert json.loads(json.dumps(info)) == info
    assert info["torch"] == torch.__version__
    assert info["cuda"] == torch.version.cuda
    assert info["logical_cores"] == (os.cpu_count() or 1)
    assert info["torch_threads"] == torch.get_num_threads()
    assert len(info["gpus"]) == (torch.cuda.device_count() if torch.cuda.is_available() else 0)
    assert info["cpu"]


def test_describe_machine_from_stored_info():
    from dlbook.devices import describe_machine

    info = {
        "cpu": "Some CPU",
        "logical_cores": 16,
        "torch_threads": 8,
        "torch": "2.9.0",
        "cuda": "12.8",
        "gpus": [{"name": "Some GPU", "memory_gib": 79.6, "capability": "9.0"}],
    }
    assert describe_machine(info) == (
        "Some CPU (16 logical cores, 8 PyTorch threads); PyTorch 2.9.0, CUDA 12.8"
    )
    assert describe_machine(info, device="cuda") == (
        "Some GPU (80 GiB, compute capability 9.0) with Some CPU (16 logical cores, "
        "8 PyTorch threads); PyTorch 2.9.0, CUDA 12.8"
    )
    assert describe_machine().endswith(
        f"PyTorch {torch.__version__}, "
        + (f"CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build")
    )
    with pytest.raises(ValueError, match="device='cuda' but info lists no GPU"):
        describe_machine({**info, "gpus": []}, device="cuda")
    with pytest.raises(ValueError, match="missing 'cpu'"):
        describe_machine({k: v for k, v in info.items() if k != "cpu"})
    with pytest.raises(TypeError, match="info must be a mapping"):
        describe_machine("a machine")
    with pytest.raises(ValueError, match="device must be one of"):
        describe_machine(info, device="tpu")
