"""A regular install carries its flows: built as a wheel and installed into a folder of its
own, `python -m bot check-flows` and the simulator work from any folder, with the installed
copy of dialogs/ (not the checkout's)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_end_to_end import clean_environment

from .conftest import ROOT


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Builds the wheel from a clean copy of the sources (as a fresh clone would: no stale
    build/ folder) and installs it into a target folder, offline."""
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    junk = shutil.ignore_patterns("__pycache__", "*.py[cod]", "*.db*")
    for folder in ("bot", "dialogs"):
        shutil.copytree(ROOT / folder, source / folder, ignore=junk)
    for file in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / file, source / file)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    build = subprocess.run([*pip, "wheel", str(source), "--no-deps", "--no-build-isolation",
                            "--no-index", "-w", str(work / "dist")],
                           capture_output=True, text=True, timeout=600, check=False)
    assert build.returncode == 0, build.stdout + build.stderr
    (wheel,) = (work / "dist").glob("herstelbot-*.whl")
    target = work / "target"
    install = subprocess.run([*pip, "install", "--no-deps", "--no-index", "--target",
                              str(target), str(wheel)],
                             capture_output=True, text=True, timeout=600, check=False)
    assert install.returncode == 0, install.stdout + install.stderr
    return target


def run_installed(target: Path, cwd: Path, *args: str,
                  stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = clean_environment(PYTHONPATH=str(target), DIALOGS_DIR=None)
    return subprocess.run([sys.executable, *args], input=stdin, cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_installed_package_is_used_and_finds_its_own_flows(installed: Path,
                                                                 tmp_path: Path) -> None:
    run = run_installed(installed, tmp_path, "-c", "import bot, bot.paths; "
                        "print(bot.__file__); print(bot.paths.dialogs_dir())")
    assert run.returncode == 0, run.stderr
    module, dialogs = (Path(line) for line in run.stdout.splitlines())
    assert module.is_relative_to(installed) and not module.is_relative_to(ROOT)
    assert dialogs == installed / "bot" / "dialogs"


def test_check_flows_from_another_folder(installed: Path, tmp_path: Path) -> None:
    run = run_installed(installed, tmp_path, "-m", "bot", "check-flows")
    assert run.returncode == 0, run.stderr
    assert "offender v" in run.stdout and "valid" in run.stdout
    assert "Traceback" not in run.stderr


def test_simulate_from_another_folder(installed: Path, tmp_path: Path) -> None:
    typed = "\n".join(["1", "1", "1", "1", "Ik nam de fiets.", "3", "/skip", "1"]) + "\n"
    run = run_installed(installed, tmp_path, "-m", "bot", "simulate", "offender", stdin=typed)
    assert run.returncode == 0, run.stderr
    assert "Erken je jouw aandeel" in run.stdout
    assert "[talk ended; outcome: precondition_not_met]" in run.stdout


def test_the_wheel_holds_every_module_and_flow_file(installed: Path) -> None:
    """The packages are listed in pyproject.toml (dialogs/ is mapped into bot.dialogs): a new
    package under bot/ must be added there, or an installed bot would lack it."""
    def files(root: Path, pattern: str) -> set[str]:
        return {str(p.relative_to(root)) for p in root.rglob(pattern)
                if "__pycache__" not in p.parts}

    missing = files(ROOT / "bot", "*.py") - files(installed / "bot", "*.py")
    assert not missing, f"not in the wheel (add the package to pyproject.toml): {missing}"
    flows = files(ROOT / "dialogs", "*.yaml")
    assert flows and flows == files(installed / "bot" / "dialogs", "*.yaml")
