"""The installer's scripts: the bundle's install.sh in a throw-away home, and the spec."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALLER = ROOT / "installer"


def _fake_bundle(tmp_path: Path) -> Path:
    """A bundle folder as build_bundle.sh lays it out, with a stand-in executable."""
    folder = tmp_path / "opt" / "trinity"
    folder.mkdir(parents=True)
    shutil.copy(INSTALLER / "bundle_install.sh", folder / "install.sh")
    shutil.copy(ROOT / "resources" / "icons" / "trinity.svg", folder / "trinity.svg")
    (folder / "trinity").write_text("#!/bin/sh\necho trinity 0.1.0\n")
    (folder / "trinity").chmod(0o755)
    return folder


def _run(folder: Path, home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {"HOME": str(home), "PATH": os.environ["PATH"]}
    return subprocess.run(["bash", str(folder / "install.sh"), *args], env=env,
                          capture_output=True, text=True, timeout=60)


def test_install_puts_the_bundle_in_the_menu_and_on_the_path(tmp_path):
    folder, home = _fake_bundle(tmp_path), tmp_path / "home"
    done = _run(folder, home)
    assert done.returncode == 0, done.stderr
    entry = (home / ".local/share/applications/trinity.desktop").read_text()
    assert f"Exec={folder}/trinity %F\n" in entry and "Icon=trinity\n" in entry
    assert (home / ".local/share/icons/hicolor/scalable/apps/trinity.svg").is_file()
    link = home / ".local/bin/trinity"
    assert link.resolve() == folder / "trinity"
    assert subprocess.run([str(link)], capture_output=True, text=True).stdout == "trinity 0.1.0\n"
    assert "applications menu" in done.stdout

    done = _run(folder, home, "--uninstall")
    assert done.returncode == 0, done.stderr
    assert not (home / ".local/share/applications/trinity.desktop").exists()
    assert not link.exists() and (folder / "trinity").is_file()


def test_desktop_entries_are_well_formed():
    for text in ((INSTALLER / "trinity.desktop").read_text(),
                 (INSTALLER / "bundle_install.sh").read_text()):
        assert "[Desktop Entry]" in text and "Type=Application" in text
        assert "Icon=trinity" in text and "%F" in text


def test_scripts_parse():
    for script in ("build_bundle.sh", "bundle_install.sh", "setup.sh"):
        done = subprocess.run(["bash", "-n", str(INSTALLER / script)], capture_output=True,
                              text=True)
        assert done.returncode == 0, done.stderr


def test_spec_collects_the_bundle_entry_and_the_shipped_data():
    spec = (INSTALLER / "trinity.spec").read_text()
    compile(spec, "trinity.spec", "exec")
    assert '"trinity_gui" / "bundle.py"' in spec
    assert '(str(root / "resources"), "resources")' in spec
