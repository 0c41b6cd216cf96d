"""The deploy recipes: the Dockerfile, the Kubernetes manifests, the GitHub workflow and the
pre-commit hooks. Each is checked against what reads it (the Kubernetes and GitHub
workflow schemas, offline) and against the project: every command they run is a real
command or task, every flag a real flag, every WORKBENCH_ variable a real setting.

The image is built only where a Docker engine answers; the Dockerfile's promises (no dev
dependencies, bytecode compiled, a non-root user, update-db by default) are read from
the file everywhere, and its entry point script is run here.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import subprocess
from functools import cache
from importlib.resources import files
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from common.cli import COMMANDS, build_parser
from common.commands.review import FORMATS
from common.config import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
KUBERNETES_VERSION = "1.33"


def _final_stage(path: Path) -> list[dict]:
    instructions = DockerfileParser(str(path)).structure
    last_from = max(i for i, item in enumerate(instructions) if item["instruction"] == "FROM")
    return instructions[last_from:]


def _all_runs(path: Path) -> list[str]:
    return [i["value"] for i in DockerfileParser(str(path)).structure if i["instruction"] == "RUN"]


def test_dockerfile_image_runs_update_db_as_a_user_without_dev_dependencies():
    dockerfile = DEPLOY / "Dockerfile"
    final = _final_stage(dockerfile)
    [user] = [i["value"] for i in final if i["instruction"] == "USER"]
    assert user.split(":")[0] not in ("", "root", "0")
    assert any(
        f"--uid {user.split(':')[0]}" in i["value"] for i in final if i["instruction"] == "RUN"
    )
    syncs = [run for run in _all_runs(dockerfile) if "uv sync" in run]
    # no dev, docs or bench group in the image: --no-default-groups, not just --no-dev
    assert syncs and all("--no-default-groups" in run and "--locked" in run for run in syncs)
    assert all("--compile-bytecode" in run for run in syncs)
    assert any("compileall" in run and "common/alembic" in run for run in syncs)  # revisions too
    [entrypoint] = [json.loads(i["value"]) for i in final if i["instruction"] == "ENTRYPOINT"]
    [cmd] = [json.loads(i["value"]) for i in final if i["instruction"] == "CMD"]
    assert entrypoint == ["/app/entrypoint.sh"] and cmd == ["update-db"]
    assert cmd[0] in COMMANDS
    assert not any(i["instruction"] == "COPY" and "/uv" in i["value"] for i in final)


def test_dockerfile_matches_the_project_and_its_lock():
    """What the image copies exists, the lock it syncs is current (``--locked`` would fail
    the build otherwise), and its runtime set holds no test tool (pytest is a dev one)."""
    for item in DockerfileParser(str(DEPLOY / "Dockerfile")).structure:
        if item["instruction"] == "COPY" and "--from" not in item["value"]:
            *sources, _ = item["value"].split()
            assert all((ROOT / source).exists() for source in sources), item["value"]
    export = subprocess.run(
        ["uv", "export", "--locked", "--no-default-groups", "--no-hashes", "--no-emit-workspace"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert export.returncode == 0, export.stderr
    runtime = {line.split("==")[0] for line in export.stdout.splitlines() if "==" in line}
    assert "sqlalchemy" in runtime and "alembic" in runtime
    assert not runtime & {"pytest", "pytest-xdist", "pytest-alembic", "coverage"}


def test_entrypoint_refuses_to_run_without_database_url(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [str(DEPLOY / "entrypoint.sh")], env=env, capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: DATABASE_URL is not set, so there is no database to migrate. Fix: pass the "
        "target's URL (docker run -e DATABASE_URL=..., or a Kubernetes Secret)."
    )
    assert not (tmp_path / ".pgdata").exists()


def test_entrypoint_runs_the_workbench_command_it_is_given(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}"}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        [str(DEPLOY / "entrypoint.sh"), "heads"], env=env, capture_output=True, text=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0001_create_tables"


def _docker_answers() -> bool:
    try:
        probe = subprocess.run(["docker", "info"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


@pytest.mark.e2e
@pytest.mark.postgresql
@pytest.mark.skipif(
    not _docker_answers(), reason="no Docker engine answers (`docker info` fails): not built"
)
def test_docker_image_builds_and_migrates(pg_server):
    tag = "workbench-migrations:test"
    build = ["docker", "build", "-f", str(DEPLOY / "Dockerfile"), "-t", tag, str(ROOT)]
    subprocess.run(build, check=True, capture_output=True, timeout=900)
    uid = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "id", tag, "-u"],
        check=True,
        capture_output=True,
        text=True,
    )
    assert uid.stdout.strip() not in ("", "0")
    url = pg_server.create_database()
    try:
        target = url.set(host="127.0.0.1").render_as_string(hide_password=False)
        run = ["docker", "run", "--rm", "--network", "host", "-e", f"DATABASE_URL={target}", tag]
        result = subprocess.run(run, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stderr
        status = subprocess.run([*run, "current"], capture_output=True, text=True, timeout=300)
        assert "0001" in status.stdout
    finally:
        pg_server.drop_database(url)


def _manifests() -> list[tuple[str, dict]]:
    found = []
    for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def _containers(pod_spec: dict) -> list[dict]:
    return pod_spec.get("initContainers", []) + pod_spec["containers"]


def test_kubernetes_manifests_validate_against_the_kubernetes_schema():
    manifests = _manifests()
    kinds = {doc["kind"] for _, doc in manifests}
    assert kinds == {"Job", "Deployment"}
    for name, doc in manifests:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(part) for part in exc.path)
            pytest.fail(f"{name}: {doc['kind']} does not validate at {path}: {exc.message}")


def test_kubernetes_schema_check_catches_a_typo():
    """The validator is not a rubber stamp: a misspelt field fails in strict mode."""
    [job] = [doc for _, doc in _manifests() if doc["kind"] == "Job"]
    job["spec"]["template"]["spec"]["restartPolicy"] = "Sometimes"
    job["spec"]["backofLimit"] = 0
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(job, KUBERNETES_VERSION, strict=True)


def test_kubernetes_migrations_run_update_db_with_real_settings():
    settings = {f"WORKBENCH_{name.upper()}" for name in Settings.model_fields}
    migrating = []
    for _, doc in _manifests():
        pod = doc["spec"]["template"]["spec"]
        if doc["kind"] == "Job":
            assert pod["restartPolicy"] == "Never"
            migrating += pod["containers"]
        else:
            migrating += pod["initContainers"]
        for container in _containers(pod):
            names = {env["name"] for env in container.get("env", [])}
            assert "DATABASE_URL" in names
            assert {n for n in names if n.startswith("WORKBENCH_")} <= settings
        assert pod["securityContext"]["runAsNonRoot"] is True
    assert len(migrating) == 2
    assert all(container["args"] == ["update-db"] for container in migrating)


@cache
def _task_parameters() -> dict[str, set[str]]:
    """Task name (as typed) -> its flags, read from tasks.py (uvx invoke is not imported)."""
    tree = ast.parse((ROOT / "tasks.py").read_text())
    tasks = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and any(
            "task" in ast.unparse(decorator) for decorator in node.decorator_list
        ):
            flags = {f"--{arg.arg.replace('_', '-')}" for arg in node.args.args[1:]}
            tasks[node.name.replace("_", "-")] = flags
    return tasks


def _assert_real_invoke(command: str) -> list[str]:
    words = shlex.split(command.split(">")[0].replace("|| true", ""))
    assert words[:2] == ["uvx", "invoke"], command
    task, args = words[2], words[3:]
    assert task in _task_parameters(), f"{command}: no task {task} in tasks.py"
    flags = [arg for arg in args if arg.startswith("--")]
    assert set(flags) <= _task_parameters()[task], f"{command}: {flags}"
    if "--format" in args:
        assert args[args.index("--format") + 1] in FORMATS
    return [task, *args]


def _workflow() -> dict:
    """The workflow as GitHub reads it (YAML 1.2: PyYAML's 1.1 reads the key ``on`` as True)."""
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "migrations.yml").read_text())
    workflow["on"] = workflow.pop(True)
    return workflow


def test_workflow_validates_against_the_github_workflow_schema():
    schema_file = files("check_jsonschema.builtin_schemas.vendor").joinpath("github-workflows.json")
    schema = json.loads(schema_file.read_text())
    workflow = _workflow()
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(workflow)]
    assert not errors, errors
    del workflow["jobs"]["check"]["runs-on"]
    assert list(jsonschema.Draft7Validator(schema).iter_errors(workflow))  # it does check


def test_workflow_runs_check_and_the_static_review_on_pull_requests():
    workflow = _workflow()
    assert "pull_request" in workflow["on"]
    runs = {
        job: [_assert_real_invoke(step["run"]) for step in spec["steps"] if "run" in step]
        for job, spec in workflow["jobs"].items()
    }
    review = runs["review"][0]
    assert review[:2] == ["review", "--static"]
    assert review[review.index("--since") + 1] == "origin/${GITHUB_BASE_REF}"
    assert review[review.index("--format") + 1] == "github"
    assert ["check"] in runs["check"]
    checkout = workflow["jobs"]["review"]["steps"][0]
    assert checkout["with"]["fetch-depth"] == 0  # --since needs the base branch
    assert "services" not in workflow["jobs"]["review"]  # no database for the review
    assert workflow["jobs"]["check"]["env"]["DATABASE_URL"].startswith("postgresql://")


def test_pre_commit_hooks_name_real_commands():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = {hook["id"]: hook for repo in config["repos"] for hook in repo["hooks"]}
    assert set(hooks) == {"migration-check", "migration-review"}
    for hook in hooks.values():
        words = shlex.split(hook["entry"])
        assert words[words.index("-m") + 1] == "common"
        command = words[words.index("-m") + 2 :]
        assert command[0] in COMMANDS
        build_parser().parse_args(command)  # argparse exits on an unknown flag
        assert hook["pass_filenames"] is False and hook["language"] == "system"
    assert shlex.split(hooks["migration-check"]["entry"])[-1] == "check"
    assert re.search(hooks["migration-check"]["files"], "common/src/common/models/db_models.py")
    revision = "common/alembic/versions/0001_create_tables.py"
    assert (ROOT / revision).is_file() and re.search(hooks["migration-review"]["files"], revision)
