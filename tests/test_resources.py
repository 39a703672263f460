"""Shipped data are found the same way from a checkout, a wheel and a bundle."""

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from engine import resources

ROOT = Path(__file__).resolve().parents[1]


def test_locator_finds_the_group_library():
    assert resources.resource_path("gc", "groups.csv").is_file()


def test_missing_file_is_one_sentence():
    with pytest.raises(resources.ResourceError, match="reinstall Trinity"):
        resources.resource_path("gc", "no-such-table.csv")


def test_environment_variable_and_bundle_take_precedence(tmp_path, monkeypatch):
    (tmp_path / "gc").mkdir()
    resources.resources_root.cache_clear()
    try:
        monkeypatch.setenv("TRINITY_RESOURCES", str(tmp_path))
        assert resources.resources_root() == tmp_path
        resources.resources_root.cache_clear()
        monkeypatch.delenv("TRINITY_RESOURCES")
        bundle = tmp_path / "bundle"
        (bundle / "resources" / "gc").mkdir(parents=True)
        monkeypatch.setattr(sys, "_MEIPASS", str(bundle), raising=False)
        assert resources.resources_root() == bundle / "resources"
    finally:
        resources.resources_root.cache_clear()


def test_packages_listed_in_pyproject_match_the_source_tree():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for top in ("engine", "trinity_gui")
        for p in (ROOT / top).rglob("__init__.py")
    }
    data = {
        ".".join(("trinity_resources", *d.relative_to(ROOT / "resources").parts))
        for d in [ROOT / "resources", *(ROOT / "resources").rglob("*")]
        if d.is_dir() and "__pycache__" not in d.parts
    }
    assert on_disk | data == listed


def test_wheel_carries_resources_and_finds_them(tmp_path):
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )
    assert build.returncode == 0, build.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "trinity_resources/gc/groups.csv" in names
    assert "trinity_resources/data/cone/tests.csv" in names
    assert "engine/cli.py" in names
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    probe = subprocess.run(
        [sys.executable, "-c",
         "from engine.resources import resources_root; print(resources_root())"],
        capture_output=True, text=True, cwd=tmp_path, env={"PYTHONPATH": str(site)},
    )
    assert probe.returncode == 0, probe.stderr
    assert Path(probe.stdout.strip()) == site / "trinity_resources"
