"""The method owner's tools: rehearse a flow in the terminal; diagrams that cannot drift."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bot.diagram import current_section, readme_section
from bot.flows import FlowRegistry
from tests.test_end_to_end import clean_environment

from .conftest import ROOT


def test_the_readme_shows_exactly_the_flows_in_dialogs(flows: FlowRegistry) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert current_section(readme) == readme_section(flows), (
        "README's flow diagrams differ from dialogs/: run python -m bot diagrams --write README.md")
    assert 'responsibility_explain -->|"responsibility = no"| s_responsibility_confirm' in (
        readme.replace("s_responsibility_explain", "responsibility_explain"))


def test_a_method_owner_rehearses_the_no_branch_in_the_terminal() -> None:
    typed = "\n".join(["1", "1", "1", "1", "Ik nam de fiets.", "3", "/skip", "1"]) + "\n"
    run = subprocess.run([sys.executable, "-m", "bot", "simulate", "offender"], input=typed,
                         capture_output=True, text=True, cwd=ROOT, timeout=60, check=True)
    assert "Erken je jouw aandeel" in run.stdout
    assert "[event: ended precondition_not_met]" in run.stdout
    assert "[talk ended; outcome: precondition_not_met]" in run.stdout


def test_check_flows_reports_every_flow_valid() -> None:
    run = subprocess.run([sys.executable, "-m", "bot", "check-flows"], capture_output=True,
                         text=True, cwd=ROOT, timeout=60, check=True)
    assert "offender v2:" in run.stdout and "valid" in run.stdout


def test_the_tools_find_the_flows_from_any_folder(tmp_path: Path) -> None:
    env = clean_environment(DIALOGS_DIR=None)
    run = subprocess.run([sys.executable, "-m", "bot", "check-flows"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=60, check=True)
    assert "offender v" in run.stdout


def test_dialogs_dir_overrides_where_the_flows_come_from(tmp_path: Path) -> None:
    own = tmp_path / "dialogs"
    shutil.copytree(ROOT / "dialogs", own)
    (own / "supporter.flow.yaml").unlink()
    (own / "archive" / "supporter.v1.flow.yaml").unlink()
    env = clean_environment(DIALOGS_DIR=str(own))
    run = subprocess.run([sys.executable, "-m", "bot", "check-flows"], capture_output=True,
                         text=True, cwd=tmp_path, env=env, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "offender v" in run.stdout and "\nsupporter v" not in "\n" + run.stdout
