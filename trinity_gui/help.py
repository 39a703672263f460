"""The built-in guide (Help → Guide, F1): what each tab is for, the methods behind the
numbers, and how far to trust an interval.

A scientist deciding between polymers needs to know what a number is before trusting
it, and the README is not at hand on a lab workstation running the bundle. The text is
kept short and says only what README.md says; it is plain HTML so that a
`QTextBrowser` shows it without any other resource.
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

GUIDE_HTML = """
<h2>Trinity: a guide</h2>
<p>Trinity predicts how a polymer burns in a cone calorimeter (ISO 5660) from its repeat
unit: the heat release rate (HRR) curve, the time to ignition (t_ig), the peak heat
release rate (pHRR) and the total heat released (THR), each with an interval, at the
heat flux and thickness you choose.</p>

<h3>The polymer (left)</h3>
<p>Paste a repeat-unit SMILES with two <code>*</code> attachment points (polystyrene is
<code>*CC(*)c1ccccc1</code>), pick a shipped or recent polymer, or <b>Draw…</b> it.
Copolymers and blends join units with <code>.</code>. Every tab shows this polymer.</p>

<h3>The tabs</h3>
<dl>
<dt><b>Properties</b></dt>
<dd>The material properties estimated by group contribution, with units, the method
behind each number and the groups found; select a group to light its atoms.</dd>
<dt><b>Cone test</b></dt>
<dd>The simulated HRR curve (recomputed as you change heat flux, thickness, backing or
flame flux), the prediction with its interval band, and every measured curve of the same
polymer at that condition; a metrics table and exports (PNG, SVG, CSV). <b>Pin</b>
keeps the curves shown so that other polymers can be drawn over them, each in its own
colour.</dd>
<dt><b>Data</b></dt>
<dd>Experimental tests, shipped and imported: drop CSV tables or the cone's own export
files anywhere on the window; the import report gives every rejected row with its line
and reason. Double-click a test to open it in the Cone test.</dd>
<dt><b>Training</b></dt>
<dd>Generate synthetic data, train phase 1 and phase 2, evaluate and export to ONNX,
as jobs (listed in the Jobs dock below).</dd>
<dt><b>Models</b></dt>
<dd>The shipped model and every trained or loaded one; choose the one predictions use,
and predict a CSV of candidates ranked by pHRR, t_ig or THR. Double-click a ranked row
to open it in the Cone test.</dd>
<dt><b>Design</b></dt>
<dd>Searches the hypothetical polymers the generator can build from catalogued monomers
(about 1.5 million repeat units) for candidates that meet fire targets you set
(t<sub>ig</sub> at least, pHRR or THR at most, at one heat flux and thickness), within
constraints: substructures a candidate must or must not contain (SMARTS), the elements
allowed, similarity to a starting polymer, the repeat unit's molar mass. The guided
search mutates the best candidates found so far (one monomer swapped at a time) and
keeps drawing some at random; screening only draws at random. The plot fills in as it
runs: grey predicted, green meeting every target, red the Pareto front (the candidates
no other beats on every target). The ranked candidates are then predicted in full, with
their interval, the physics' own numbers, their GC properties, the nearest tested
polymer and the monomers they are built from. Click a point or double-click a row to
open it in the Cone test; each design is saved in the workspace's <i>designs</i> folder
and resumes if stopped.</dd>
</dl>

<h3>The methods</h3>
<ol>
<li><b>Group contribution → material properties.</b> The properties a fire model needs
(density, specific heat, heat of combustion, decomposition, char yield and the rest) are
estimated from the groups of the repeat unit; a few are class defaults or the project's
own fits, and the Properties tab names the method behind each.</li>
<li><b>The reduced-order cone model → HRR curve.</b> A model of the burning solid in the
spirit of the solid phase of Fire Dynamics Simulator (FDS): 1-D heat conduction with
pyrolysis and char, in-depth radiation, re-radiation and a flame heat flux after
ignition; HRR follows from the mass loss rate and the heat of combustion.</li>
<li><b>The two-phase learnt model.</b> A chemical language model pretrained on tens of
thousands of simulated cone tests of hypothetical polymers (phase 1), then finetuned on
real cone tests (phase 2).</li>
</ol>
<p>A model file says, per target, which method predicts it: a learnt method (the
two-phase ensemble, or a learnt correction of the physics) predicts a target only if it
beat the physics on polymers held out of its training. In the shipped model the learnt
ensemble lost on every target, so it predicts t_ig, pHRR and THR with the calibrated
physics: group contribution and the cone model, with intervals calibrated as below.</p>

<h3>What the interval means</h3>
<p>The band and the low–high values are an <b>80&nbsp;% interval</b> (unless the model
says another level), calibrated on held-out polymers: each tested polymer in turn was
left out, predicted, and its error measured (leave one polymer out). So for a new
polymer, about 8 in 10 measured values should fall inside the interval; the interval is
wide where the physics is poorly known.</p>
<p>An <b>extrapolation</b> flag means the heat flux, thickness or chemistry is far from
what the model learnt from (the shipped model: 10–100 kW/m², 1–50 mm, and chemistry
similar to a tested polymer). The prediction is still made, but its interval is less
trustworthy there.</p>
"""


class GuideDialog(QDialog):
    """The guide in a window of its own, left open beside the main window while the user
    works (not modal)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Trinity guide")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(True)
        self.browser.setHtml(GUIDE_HTML)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(640, 720)
