"""The GitHub workflows and the lock they install from follow SECURITY.md.

Each rule is a function that returns the problems it finds, checked on the real
files and, to show that it can fail, on small workflows that break it. The zizmor
audit runs too where zizmor is installed (it is in the ``test`` extra and the lock).
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from helpers import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
#: Events whose runs execute code from a pull request (its workflow files included).
UNTRUSTED_EVENTS = {
    "pull_request",
    "pull_request_target",
    "pull_request_review",
    "pull_request_review_comment",
    "issue_comment",
}
#: Labels of GitHub-hosted runners; anything else is taken to be self-hosted.
HOSTED = re.compile(r"^(ubuntu|windows|macos)-[\w.-]+$")
PUBLISHING = {"pages", "id-token"}

Workflow = dict[str, Any]


def load(text: str) -> Workflow:
    data = yaml.safe_load(text)
    assert isinstance(data, dict), "a workflow is a mapping"
    if True in data:  # YAML 1.1 reads the key `on` as the boolean true
        data["on"] = data.pop(True)
    return data


def workflows() -> dict[str, Workflow]:
    files = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
    assert files, f"no workflow in {WORKFLOWS}"
    return {path.name: load(path.read_text(encoding="utf-8")) for path in files}


def triggers(workflow: Workflow) -> set[str]:
    on = workflow.get("on") or {}
    if isinstance(on, str):
        return {on}
    return set(on)


def jobs(workflow: Workflow) -> dict[str, dict[str, Any]]:
    return workflow.get("jobs") or {}


def steps(workflow: Workflow) -> list[tuple[str, dict[str, Any]]]:
    return [(name, step) for name, job in jobs(workflow).items() for step in job.get("steps", [])]


def runner_labels(job: dict[str, Any]) -> list[str]:
    runs_on = job.get("runs-on")
    if runs_on is None:
        return []
    if isinstance(runs_on, dict):
        labels = runs_on.get("labels", [])
        labels = [labels] if isinstance(labels, str) else list(labels)
        return labels + (["group:" + str(runs_on["group"])] if "group" in runs_on else [])
    return [runs_on] if isinstance(runs_on, str) else [str(label) for label in runs_on]


def self_hosted(job: dict[str, Any]) -> bool:
    """Whether the job may run on a machine that is not a fresh GitHub-hosted one."""
    return any(not HOSTED.match(label) for label in runner_labels(job))


# ----------------------------------------------------------------------------- rules


def unpinned_actions(workflow: Workflow) -> list[str]:
    """Every `uses:` of another repository names a full commit SHA."""
    problems = []
    uses = [(name, job["uses"]) for name, job in jobs(workflow).items() if "uses" in job]
    uses += [(name, step["uses"]) for name, step in steps(workflow) if "uses" in step]
    for job, ref in uses:
        if ref.startswith("./"):
            continue  # a workflow or action of this repository, at this same commit
        if ref.startswith("docker://"):
            if "@sha256:" not in ref:
                problems.append(f"job {job}: image {ref} is not pinned by digest")
        elif not SHA_PIN.match(ref):
            problems.append(f"job {job}: {ref} is not pinned to a 40-hex commit SHA")
    return problems


def reachable_triggers(all_workflows: dict[str, Workflow]) -> dict[str, set[str]]:
    """Each workflow's events, a reusable one's including those of its callers."""
    events = {name: triggers(wf) for name, wf in all_workflows.items()}
    changed = True
    while changed:
        changed = False
        for name, wf in all_workflows.items():
            for job in jobs(wf).values():
                ref = job.get("uses", "")
                called = ref.removeprefix("./.github/workflows/")
                if ref.startswith("./") and called in events:
                    before = len(events[called])
                    events[called] |= events[name]
                    changed |= len(events[called]) != before
    return events


def self_hosted_reachable_from_pull_requests(all_workflows: dict[str, Workflow]) -> list[str]:
    """No job on a self-hosted runner runs for an event that carries untrusted code."""
    problems = []
    for name, events in reachable_triggers(all_workflows).items():
        bad = events & UNTRUSTED_EVENTS
        for job_name, job in jobs(all_workflows[name]).items():
            if bad and self_hosted(job):
                problems.append(
                    f"{name}: job {job_name} runs on {runner_labels(job)} and can be "
                    f"triggered by {sorted(bad)}"
                )
    return problems


def permission_problems(name: str, workflow: Workflow) -> list[str]:
    """Top-level permissions everywhere; no write-all; publishing rights on publishing jobs."""
    problems = []
    if "permissions" not in workflow:
        problems.append(f"{name}: no top-level `permissions`")
    scopes: list[tuple[str, Any]] = [("the workflow", workflow.get("permissions"))]
    scopes += [(f"job {job}", spec.get("permissions")) for job, spec in jobs(workflow).items()]
    for where, perms in scopes:
        if isinstance(perms, str) and perms in ("write-all", "read-all"):
            problems.append(f"{name}: {where} has permissions: {perms}")
        if not isinstance(perms, dict):
            continue
        for scope in sorted(PUBLISHING & set(perms)):
            if perms[scope] != "write":
                continue
            publisher = where.startswith("job ") and re.search(r"deploy|publish", where)
            if not publisher:
                problems.append(f"{name}: {where} has {scope}: write (only deploy/publish jobs)")
    return problems


def credential_problems(workflow: Workflow) -> list[str]:
    """Checkouts keep no token in .git/config: no workflow here pushes."""
    return [
        f"job {job}: checkout without persist-credentials: false"
        for job, step in steps(workflow)
        if step.get("uses", "").startswith("actions/checkout@")
        and (step.get("with") or {}).get("persist-credentials") is not False
    ]


# ------------------------------------------------------------------ the real workflows


@pytest.mark.parametrize("name", sorted(workflows()))
def test_every_action_is_pinned_by_commit_sha(name: str) -> None:
    assert unpinned_actions(workflows()[name]) == []


def test_self_hosted_runners_never_run_pull_request_code() -> None:
    all_workflows = workflows()
    assert self_hosted_reachable_from_pull_requests(all_workflows) == []
    gpu = all_workflows["gpu.yml"]
    assert any(self_hosted(job) for job in jobs(gpu).values()), "the GPU job moved?"
    assert triggers(gpu) <= {"push", "merge_group", "workflow_dispatch"}
    assert gpu["on"]["push"]["branches"] == ["main"]


@pytest.mark.parametrize("name", sorted(workflows()))
def test_least_privilege_permissions(name: str) -> None:
    assert permission_problems(name, workflows()[name]) == []


@pytest.mark.parametrize("name", sorted(workflows()))
def test_checkouts_do_not_persist_credentials(name: str) -> None:
    assert credential_problems(workflows()[name]) == []


def test_the_site_is_deployed_only_from_main_after_the_tests() -> None:
    all_workflows = workflows()
    assert "deploy.yml" not in all_workflows, "the standalone deploy could deploy any branch"
    deployers = {
        (name, job_name)
        for name, wf in all_workflows.items()
        for job_name, job in jobs(wf).items()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("actions/deploy-pages@")
    }
    assert deployers == {("ci.yml", "deploy"), ("release.yml", "deploy-site")}
    deploy = jobs(all_workflows["ci.yml"])["deploy"]
    assert set(deploy["needs"]) == {"lint", "unit-tests", "book"}
    assert deploy["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert set(jobs(all_workflows["release.yml"])["deploy-site"]["needs"]) >= {"book"}
    assert triggers(all_workflows["release.yml"]) == {"push"}
    assert all_workflows["release.yml"]["on"]["push"] == {"tags": ["v*.*.*"]}


def test_release_publishes_by_trusted_publishing_only() -> None:
    release = workflows()["release.yml"]
    publish = jobs(release)["publish-pypi"]
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    (step,) = [s for s in publish["steps"] if "gh-action-pypi-publish" in s.get("uses", "")]
    assert "with" not in step or not {"password", "user"} & set(step["with"]), "no stored token"
    writers = {
        job_name
        for job_name, job in jobs(release).items()
        if (job.get("permissions") or {}).get("contents") == "write"
    }
    assert writers == {"github-release"}


# ------------------------------------------------------- the rules can fail (self-tests)

BAD_GPU = """
name: GPU
on:
  pull_request:
  push: {branches: [main]}
permissions: {contents: read}
jobs:
  cuda:
    if: github.event.pull_request.head.repo.full_name == github.repository
    runs-on: [self-hosted, linux, gpu]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@0123456789abcdef0123456789abcdef01234567 # v5
      - run: nvidia-smi
"""


def test_the_rules_catch_a_tag_pin_and_a_pull_request_on_a_gpu_runner() -> None:
    bad = load(BAD_GPU)
    assert unpinned_actions(bad) == [
        "job cuda: actions/checkout@v4 is not pinned to a 40-hex commit SHA"
    ]
    [problem] = self_hosted_reachable_from_pull_requests({"gpu.yml": bad})
    assert "['pull_request']" in problem
    assert credential_problems(bad) == ["job cuda: checkout without persist-credentials: false"]


def test_the_rules_follow_reusable_workflows_and_catch_broad_permissions() -> None:
    caller = load(
        "on: {pull_request_target: {}}\npermissions: write-all\n"
        "jobs:\n  build: {uses: ./.github/workflows/gpu.yml}\n"
        "  lint: {runs-on: ubuntu-latest, permissions: {pages: write}, steps: []}\n"
    )
    called = load("on: {workflow_call: {}}\njobs:\n  t: {runs-on: {group: gpus}, steps: []}\n")
    assert self_hosted_reachable_from_pull_requests({"ci.yml": caller, "gpu.yml": called})
    assert permission_problems("ci.yml", caller) == [
        "ci.yml: the workflow has permissions: write-all",
        "ci.yml: job lint has pages: write (only deploy/publish jobs)",
    ]
    assert permission_problems("x.yml", load("on: push\njobs: {}\n")) == [
        "x.yml: no top-level `permissions`"
    ]


# ------------------------------------------------------------------------------ zizmor


def zizmor() -> str | None:
    beside = Path(sys.executable).with_name("zizmor")
    return str(beside) if beside.exists() else shutil.which("zizmor")


def medium_or_worse(*paths: Path) -> list[str]:
    exe = zizmor()
    if exe is None:
        pytest.skip("zizmor is not installed (it is in the test extra: make install)")
    result = subprocess.run(
        [exe, "--offline", "--no-progress", "--format", "json", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        findings = json.loads(result.stdout)
    except ValueError:
        pytest.fail(f"zizmor gave no JSON (exit {result.returncode}): {result.stderr[-2000:]}")
    return [
        f"{f['determinations']['severity']} {f['ident']}: {f['desc']} ({where(f)})"
        for f in findings
        if f["determinations"]["severity"] in ("Medium", "High")
    ]


def where(finding: dict[str, Any]) -> str:
    location = finding["locations"][0]
    key = location["symbolic"]["key"]
    path = key.get("Local", {}).get("verbatim_path", key) if isinstance(key, dict) else key
    row = location.get("concrete", {}).get("location", {}).get("start_point", {}).get("row")
    return f"{path}:{row + 1}" if isinstance(row, int) else str(path)


def test_zizmor_finds_nothing_of_medium_or_high_severity() -> None:
    assert medium_or_worse(ROOT / ".github") == []


def test_zizmor_would_catch_an_unpinned_action(tmp_path: Path) -> None:
    workflow = tmp_path / ".github" / "workflows" / "bad.yml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(BAD_GPU, encoding="utf-8")
    assert any("unpinned-uses" in finding for finding in medium_or_worse(workflow))


# ------------------------------------------------------ the lock the workflows install


def load_script(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_locked_package_carries_hashes_and_constraints_match() -> None:
    lockfile = load_script(ROOT / "requirements" / "lockfile.py")
    text = lockfile.LOCK.read_text(encoding="utf-8")
    entries = lockfile.entries(text)
    assert len(entries) > 100
    for name, version, lines in entries:
        assert any("--hash=sha256:" in line for line in lines), f"{name}=={version} has no hash"
    versions = {name: version for name, version, _ in entries}
    assert versions["torch"].endswith("+cpu"), "the lock holds the CPU build of torch"
    assert {"pip", "setuptools", "wheel", "zizmor"} <= set(versions)
    assert "dlbook" not in versions, "dlbook is installed from the checkout, not the lock"
    constraints = (ROOT / "requirements" / "constraints.txt").read_text(encoding="utf-8")
    assert constraints == lockfile.constraints(text), "constraints.txt is stale: make lock"
    picked = lockfile.pick(text, ["torch"])
    assert picked.startswith(f"torch=={versions['torch']} \\\n") and "#" not in picked
    assert "torch==" not in lockfile.pick(text, ["torch"], exclude=True)
    with pytest.raises(SystemExit, match="not in lock.txt: no-such-package"):
        lockfile.pick(text, ["no-such-package"])


def test_ci_installs_torch_from_the_pytorch_index_alone() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in WORKFLOWS.glob("*.yml"))
    assert "PIP_EXTRA_INDEX_URL" not in text and "--extra-index-url" not in text
    for line in text.splitlines():
        if "download.pytorch.org" in line:
            assert "--no-deps" in line and "torch==" in line, line
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--require-hashes --no-deps $(TORCH_SOURCE) -r $(VENV)/lock-torch.txt" in makefile
    assert "--require-hashes --index-url $(PYPI_INDEX) -r $(LOCK)" in makefile


def test_binder_takes_the_locked_versions_and_only_torch_from_the_pytorch_server() -> None:
    lines = [
        line.split("#", 1)[0].strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8").splitlines()
    ]
    lines = [line for line in lines if line]
    assert "-c ../requirements/constraints.txt" in lines
    assert not any("index-url" in line for line in lines), "an index would serve every package"
    assert "--find-links https://download.pytorch.org/whl/cpu/torch/" in lines
    lockfile = load_script(ROOT / "requirements" / "lockfile.py")
    versions = {n: v for n, v, _ in lockfile.entries(lockfile.LOCK.read_text(encoding="utf-8"))}
    assert f"torch=={versions['torch']}" in lines


# ------------------------------------------------------------------ the canary's summary


def test_canary_summary_names_the_broken_chapters(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    canary = load_script(ROOT / ".ci" / "canary_report.py")
    report = {
        "chapters": {
            "mlp": {"ok": True, "seconds": 3.0, "error": ""},
            "softmax": {"ok": False, "seconds": 4.5, "error": "ValueError: ~~~ boom"},
        },
        "versions": {"torch": "9.0"},
    }
    (tmp_path / "newest.json").write_text(json.dumps(report), encoding="utf-8")
    good = {"chapters": {"mlp": {"ok": True, "seconds": 1.0, "error": ""}}, "versions": {}}
    (tmp_path / "colab.json").write_text(json.dumps(good), encoding="utf-8")
    out = tmp_path / "body.md"
    args = [f"Newest={tmp_path / 'newest.json'}", f"Colab={tmp_path / 'colab.json'}"]
    assert canary.main(["--out", str(out), *args]) == 0
    assert capsys.readouterr().out == "broken=1\n"
    body = out.read_text(encoding="utf-8")
    assert "Newest: 1 of 2 chapters broke" in body and "<code>softmax</code>" in body
    assert "<code>mlp</code>" not in body and "Colab: 0 of 1 chapters broke" in body
    assert "~~~ boom" not in body, "an error cannot close the code fence"
    text, broken = canary.section("Colab", canary.load(tmp_path / "missing.json"))
    assert broken and "no report" in text
