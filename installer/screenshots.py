"""Screenshots of the real desktop window, for the README and the product card.

    python installer/screenshots.py [--out docs/screenshots] [--size 1440x900]
        [--polymer PMMA] [--timeout 180]

Starts `trinity_gui.app.MainWindow` on a throw-away workspace, settings and recent list
in a temporary folder (the user's own files are never touched), picks a shipped polymer
and walks through the views as a user would, saving one PNG per view with
``QWidget.grab()``:

1. ``properties.png``  the polymer with the Properties tab, one group selected so its
   atoms light up on the structure;
2. ``cone.png``        the Cone test tab once the simulated curve has arrived, with the
   shipped experimental curves of that polymer;
3. ``data.png``        the Data tab after importing a small CSV with one bad row, the
   import report showing why that row was rejected;
4. ``training.png``    the Training tab;
5. ``models.png``      the Models tab;
6. ``sketcher.png``    the structure sketcher with the polymer loaded.

Without a ``DISPLAY`` the script runs itself again under ``xvfb-run`` (package ``xvfb``,
plus ``xauth``), so the window is drawn by the X11 platform plugin with the system's
fonts, as on a desktop. With neither it falls back to Qt's offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SCREEN = "-screen 0 1920x1200x24"
#: Groups worth lighting up on the structure (the first found is selected, else the first).
HIGHLIGHT = ("ester", "carbonate", "amide", "ether", "aromatic_CH")
#: A small test table with one row the importer must reject (a flux it cannot take).
TABLE = """Material,SMILES,Heat flux (kW/m2),Thickness (mm),TTI (s),PHRR (kW/m2),THR (MJ/m2)
Lab PMMA,*CC(*)(C)C(=O)OC,35,6,95,640,115
Lab PMMA,*CC(*)(C)C(=O)OC,50,6,42,830,112
Lab PMMA,*CC(*)(C)C(=O)OC,75,6,17,1150,110
Lab PMMA,*CC(*)(C)C(=O)OC,500,6,2,2000,110
"""


def _under_xvfb() -> None:
    """Run this script again under xvfb-run when there is no display to draw on."""
    if os.environ.get("DISPLAY") or os.environ.get("TRINITY_SCREENSHOTS_NO_XVFB"):
        return
    xvfb = shutil.which("xvfb-run")
    if xvfb is None:
        print("No DISPLAY and no xvfb-run: using Qt's offscreen platform (fonts may differ).",
              file=sys.stderr)
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        return
    os.environ["TRINITY_SCREENSHOTS_NO_XVFB"] = "1"  # no second round if Xvfb fails
    command = [xvfb, "-a", "-s", SCREEN, sys.executable, *sys.argv]
    os.execv(xvfb, command)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help="folder for the PNG files")
    parser.add_argument("--size", default="1440x900", help="window size, WIDTHxHEIGHT")
    parser.add_argument("--polymer", default="PMMA", help="a polymer of the shipped picker")
    parser.add_argument("--timeout", type=float, default=180.0,
                        help="seconds to wait for the cone simulation")
    args = parser.parse_args()
    _under_xvfb()
    width, height = (int(v) for v in args.size.lower().split("x"))

    from PySide6.QtCore import QCoreApplication, Qt
    from PySide6.QtWidgets import QApplication

    from engine.workspace import Settings
    from trinity_gui.app import MainWindow
    from trinity_gui.context import AppContext

    app = QApplication.instance() or QApplication([sys.argv[0]])
    app.setApplicationName("Trinity")
    args.out.mkdir(parents=True, exist_ok=True)

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            QCoreApplication.processEvents()
            time.sleep(0.01)

    def wait_for(condition, what: str, timeout: float) -> None:
        end = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > end:
                sys.exit(f"Timed out after {timeout:g} s waiting for {what}.")
            settle(0.05)

    def save(widget, name: str) -> None:
        settle()
        path = args.out / name
        if not widget.grab().save(str(path), "PNG"):
            sys.exit(f"Could not write {path}.")
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    with tempfile.TemporaryDirectory(prefix="trinity-screenshots-") as tmp:
        folder = Path(tmp)
        context = AppContext(Settings(workspace=folder / "workspace"),
                             settings_file=folder / "settings.json")
        window = MainWindow(context, folder / "recent.json")
        window.resize(width, height)
        window.show()
        window.raise_()
        settle(1.0)

        # 1. The polymer from the shipped picker, its properties, one group lit up.
        picker = window.polymer_input.picker
        index = picker.findText(args.polymer, Qt.MatchFlag.MatchFixedString)
        if index < 0:
            names = ", ".join(picker.itemText(i) for i in range(picker.count()))
            sys.exit(f"{args.polymer} is not in the shipped picker ({names}).")
        picker.setCurrentIndex(index)
        picker.activated.emit(index)
        properties = window.properties_view
        wait_for(lambda: properties.properties() is not None, "the properties", 30)
        window.tabs.setCurrentWidget(properties)
        groups = properties.groups
        names = [groups.item(r, 0).text() for r in range(groups.rowCount())]
        groups.selectRow(next((r for r, n in enumerate(names) if n in HIGHLIGHT), 0))
        wait_for(lambda: bool(window.polymer_input.highlight()), "the highlighted group", 10)
        save(window, "properties.png")

        # 2. The cone test: wait for the simulated curve of this polymer.
        cone = window.cone_view
        window.tabs.setCurrentWidget(cone)

        def simulated() -> bool:
            shown = cone.comparison
            return (shown is not None and shown.simulated is not None
                    and cone.polymer is window.polymer_input.polymer())

        wait_for(simulated, "the cone simulation", args.timeout)
        save(window, "cone.png")

        # 3. Data: a small import, one row rejected, the rejected line selected.
        table = folder / "lab_pmma.csv"
        table.write_text(TABLE, encoding="utf-8")
        data = window.data_view
        window.tabs.setCurrentWidget(data)
        (outcome,) = data.import_files([table])
        if outcome.report is None or not outcome.report.rejected:
            sys.exit(f"The example import should have rejected a row: {outcome}")
        top = data.report.topLevelItem(0)
        rejected = next(top.child(i) for i in range(top.childCount())
                        if top.child(i).text(1).startswith("rejected"))
        data.report.setCurrentItem(rejected)
        data.text_filter.setText("PMMA")
        save(window, "data.png")

        # 4-5. Training and models.
        window.tabs.setCurrentWidget(window.training_view)
        save(window, "training.png")
        window.tabs.setCurrentWidget(window.models_view)
        save(window, "models.png")

        # 6. The sketcher, with the polymer loaded.
        window.tabs.setCurrentWidget(properties)
        groups.clearSelection()
        dialog = window.polymer_input.open_sketcher()
        settle(1.0)
        save(dialog, "sketcher.png")
        dialog.reject()

        # 7. Design: a short guided search, its Pareto plot and ranked candidates.
        design = window.design_view
        window.tabs.setCurrentWidget(design)
        design.exclude.setText("[F,Cl,Br]")
        design.budget.setValue(1500)
        design.n.setValue(20)
        job = design.start(folder / "design")
        if job is None:
            sys.exit(f"The design did not start: {context.last_error}")
        wait_for(lambda: job.state in ("finished", "failed", "cancelled"), "the design",
                 args.timeout)
        if job.state != "finished":
            sys.exit(f"The design ended {job.state}: {job.message}")
        wait_for(lambda: design.table.rowCount() > 0, "the ranked candidates", 10)
        save(window, "design.png")

        context.jobs.shutdown(30_000)
        cone.close()
        window.close()
        settle(0.2)


if __name__ == "__main__":
    main()
