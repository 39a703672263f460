"""FDS as a second engine: namelist parser, input writer (against the shared inputs),
input importer, device reader (against the shared real FDS outputs) and runner."""

import stat
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from processes import gone_within

from engine.cone.fds import (
    FdsNotFoundError,
    FdsRunError,
    FuelSurrogate,
    Namelist,
    NamelistError,
    find_fds,
    parse_namelists,
    read_devc_csv,
    read_fds_devc,
    run_fds,
    scenario_from_fds,
    write_fds_input,
)
from engine.cone.material import Component, ConeMaterial, Reaction
from engine.cone.scenario import BlanketBacking, ConeScenario
from engine.cone.umd import load_umd_materials
from engine.jobs import Cancelled, CancelToken

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FDS_CASES = DATA / "fds"
UMD_CSV = DATA / "properties" / "pyrolysis_properties_umd.csv"
needs_fds_cases = pytest.mark.skipif(
    not FDS_CASES.is_dir(), reason=f"shared FDS runs not found at {FDS_CASES}"
)
needs_umd = pytest.mark.skipif(
    not UMD_CSV.is_file(), reason=f"UMD property sets not found at {UMD_CSV}"
)

MMA = FuelSurrogate("MMA", carbon=5, hydrogen=8, oxygen=2, soot_yield=0.02)
# FDS adjusts the heat of reaction with the fuel gas's c_p (ADJUST_H defaults to true).
PMMA = ConeMaterial(
    "PMMA",
    (Component("PMMA", 1200.0, 0.2, 1600.0, 0.85, 2700.0),),
    (Reaction(A=8.5e12, E=1.88e5, n=1.0, heat_of_reaction=8.7e5, source=0),),
    2.4e7,
    gas_specific_heat=MMA.specific_heat,
)
README_TABLE = {"PMMA_50_flame": (38.5, 1259.8), "PMMA_50_noflame": (38.6, 790.1)}


def _shared_scenario(case: str) -> ConeScenario:
    """The ConeScenario behind each shared FDS case (../shared/data/fds/README.md)."""
    return ConeScenario(
        PMMA,
        heat_flux_kw_m2=50.0,
        thickness_mm=6.0,
        flame_flux_kw_m2=20.0 if case == "PMMA_50_flame" else 0.0,
        duration_s=1500.0,
        output_interval_s=0.5,
    )


def _assert_same_records(ours: list[Namelist], theirs: list[Namelist]) -> None:
    """Same records in the same order, same keys, strings equal, numbers equal to 1e-9."""
    assert [r.group for r in ours] == [r.group for r in theirs]
    for a, b in zip(ours, theirs, strict=True):
        where = f"&{a.group} (our line {a.line}, their line {b.line})"
        assert set(a.fields) == set(b.fields), where
        for key, values in b.fields.items():
            mine = a.fields[key]
            assert len(mine) == len(values), f"{where} {key}"
            for x, y in zip(mine, values, strict=True):
                if isinstance(y, bool | str):
                    assert x == y, f"{where} {key}: {x!r} != {y!r}"
                else:
                    assert x == pytest.approx(y, rel=1e-9, abs=1e-12), f"{where} {key}"


# -- namelist parser ----------------------------------------------------------------


def test_parser_reads_fortran_namelist_syntax():
    text = """Free text before the first record is a comment.
&HEAD CHID='a/b', TITLE="it's" /  comment after the slash & more
&MATL ID='X'
      A(1)=1.5D3, E( 1 )=2E5
      SPEC_ID(1,1)='GAS' NU_SPEC(1,1)=1.
      FLAGS=T,.FALSE.,.TRUE. XB=3*0.5 /
&RAMP ID='R', T=0, F=1 /
&RAMP ID='R', T=10, F=2 /
"""
    head, matl, r1, r2 = parse_namelists(text)
    assert head.group == "HEAD" and head.line == 2
    assert head.get("CHID") == "a/b" and head.get("TITLE") == "it's"
    assert matl.fields["A(1)"] == (1500.0,) and matl.fields["E(1)"] == (2e5,)
    assert matl.get("SPEC_ID(1,1)") == "GAS" and matl.number("NU_SPEC(1,1)") == 1.0
    assert matl.fields["FLAGS"] == (True, False, True)
    assert matl.fields["XB"] == (0.5, 0.5, 0.5)
    assert (r1.get("ID"), r1.number("T"), r2.number("F")) == ("R", 0.0, 2.0)


def test_parser_names_the_line_of_an_unclosed_record():
    with pytest.raises(NamelistError, match="line 2: &SURF is not closed"):
        parse_namelists("&HEAD CHID='x' /\n&SURF ID='S', THICKNESS=0.01\n")


# -- writer -----------------------------------------------------------------------


@needs_fds_cases
@pytest.mark.parametrize("case", sorted(README_TABLE))
def test_writer_reproduces_the_shared_input_record_by_record(case):
    """HEAD, MESH, TIME, MISC, DUMP, REAC, MATL, SURF, VENTs, DEVCs, CTRL, RAMPs, TAIL:
    the same records in the same order with the same fields and values."""
    theirs = (FDS_CASES / case / f"{case}.fds").read_text(encoding="utf-8")
    ours = write_fds_input(_shared_scenario(case), case, fuel=MMA)
    _assert_same_records(parse_namelists(ours), parse_namelists(theirs))


@needs_fds_cases
@pytest.mark.parametrize("case", sorted(README_TABLE))
def test_shared_inputs_read_back_as_their_scenarios(case):
    text = (FDS_CASES / case / f"{case}.fds").read_text(encoding="utf-8")
    _assert_same_scenario(scenario_from_fds(text), _shared_scenario(case))


def _assert_same_scenario(got: ConeScenario, want: ConeScenario) -> None:
    """Field by field, floats to 1e-9 (FDS inputs carry kJ, so values pass through /1e3)."""

    def close(a, b, where):
        if isinstance(b, ConeMaterial | Component | Reaction | BlanketBacking | ConeScenario):
            for name in b.__dataclass_fields__:
                close(getattr(a, name), getattr(b, name), f"{where}.{name}")
        elif isinstance(b, tuple):
            assert len(a) == len(b), where
            for i, (x, y) in enumerate(zip(a, b, strict=True)):
                close(x, y, f"{where}[{i}]")
        elif isinstance(b, float | int) and not isinstance(b, bool):
            assert a == pytest.approx(b, rel=1e-9), where
        else:
            assert a == b, where

    close(got, want, "scenario")


@needs_umd
def test_multistep_material_is_written_as_a_chain_of_matls():
    pet = load_umd_materials(UMD_CSV)["PET"]
    scenario = ConeScenario(pet, heat_flux_kw_m2=50.0, thickness_mm=6.7, duration_s=600.0)
    records = parse_namelists(write_fds_input(scenario, "PET_50"))
    matls = [r for r in records if r.group == "MATL"]
    assert [m.get("ID") for m in matls] == ["PET", "PET_melt", "PET_int", "PET_char"]
    for m, nxt, reaction in zip(matls, matls[1:], pet.reactions, strict=False):
        assert m.get("N_REACTIONS") == 1
        assert m.get("MATL_ID(1,1)") == nxt.get("ID")
        assert m.number("NU_SPEC(1,1)") + m.number("NU_MATL(1,1)") == pytest.approx(1.0)
        assert m.number("A(1)") == pytest.approx(reaction.A)
        assert m.number("HEAT_OF_REACTION(1)") == pytest.approx(reaction.heat_of_reaction / 1e3)
    assert "N_REACTIONS" not in matls[-1]
    ramps = [
        r
        for r in records
        if r.group == "RAMP" and r.get("ID") == matls[0].get("SPECIFIC_HEAT_RAMP")
    ]
    assert [(r.number("T"), r.number("F")) for r in ramps] == [(27.0, 1.12), (457.0, 3.12)]
    assert [r.get("MATL_ID") for r in records if r.group == "SURF"] == ["PET"]
    _assert_same_scenario(scenario_from_fds(write_fds_input(scenario, "PET_50")), scenario)


def test_nth_order_reaction_writes_n_s():
    material = ConeMaterial(
        "X",
        (Component("X", 1000.0, 0.2, 1500.0, 0.9),),
        (Reaction(A=1e10, E=1.5e5, n=1.5, heat_of_reaction=5e5, source=0),),
        2e7,
    )
    scenario = ConeScenario(material, 35.0, 3.0, duration_s=300.0)
    (matl,) = [r for r in parse_namelists(write_fds_input(scenario, "X")) if r.group == "MATL"]
    assert matl.number("N_S(1)") == 1.5
    assert "ABSORPTION_COEFFICIENT" not in matl  # opaque: FDS absorbs at the surface
    _assert_same_scenario(scenario_from_fds(write_fds_input(scenario, "X")), scenario)


def test_blanket_backing_is_an_inert_second_layer():
    blanket = BlanketBacking(thickness_mm=20.0, density=100.0, conductivity=0.05)
    scenario = ConeScenario(PMMA, 50.0, 6.0, backing="blanket", blanket=blanket, duration_s=900.0)
    records = parse_namelists(write_fds_input(scenario, "PMMA_blanket", fuel=MMA))
    (surf,) = [r for r in records if r.group == "SURF"]
    assert surf.get("MATL_ID(1,1)") == "PMMA" and surf.get("MATL_ID(2,1)") == "BLANKET"
    assert surf.fields["THICKNESS(1:2)"] == (0.006, 0.02)
    assert surf.get("BACKING") == "INSULATED"
    (matl,) = [r for r in records if r.group == "MATL" and r.get("ID") == "BLANKET"]
    assert (matl.number("DENSITY"), matl.number("SPECIFIC_HEAT")) == (100.0, 1.0)
    assert "N_REACTIONS" not in matl
    (tint,) = [r for r in records if r.group == "DEVC" and r.get("ID") == "TINT"]
    assert tint.number("DEPTH") == -0.02
    _assert_same_scenario(
        scenario_from_fds(write_fds_input(scenario, "PMMA_blanket", fuel=MMA)), scenario
    )


def test_temperature_ignition_latches_on_wall_temperature():
    scenario = ConeScenario(
        PMMA, 50.0, 6.0, ignition="temperature", ignition_temperature_c=300.0, duration_s=600.0
    )
    records = parse_namelists(write_fds_input(scenario, "PMMA_tig", fuel=MMA))
    (ign,) = [r for r in records if r.group == "DEVC" and r.get("ID") == "IGN"]
    assert (ign.get("QUANTITY"), ign.number("SETPOINT")) == ("WALL TEMPERATURE", 300.0)
    _assert_same_scenario(
        scenario_from_fds(write_fds_input(scenario, "PMMA_tig", fuel=MMA)), scenario
    )


def test_a_scenario_without_cone_flux_never_reaches_the_writer():
    """FDS ramps the flame flux on EXTERNAL_FLUX, which must be above 0."""
    with pytest.raises(ValueError, match="heat_flux_kw_m2 0 kW/m² is outside"):
        write_fds_input(ConeScenario(PMMA, 0.0, 6.0), "PMMA_0")


# -- device reader ----------------------------------------------------------------------


@needs_fds_cases
@pytest.mark.parametrize("case", sorted(README_TABLE))
def test_reader_gives_the_readme_ignition_time_and_peak(case):
    result = read_fds_devc(FDS_CASES / case / f"{case}_devc.csv", _shared_scenario(case))
    tig, phrr = README_TABLE[case]
    assert result.ok and result.ignited
    assert round(result.tig_s, 1) == tig
    assert result.metrics.tig_s == result.tig_s
    assert round(result.metrics.phrr_kw_m2, 1) == phrr


@needs_fds_cases
@pytest.mark.parametrize("case", sorted(README_TABLE))
def test_reader_curves_match_the_tidy_timeseries(case):
    result = read_fds_devc(FDS_CASES / case / f"{case}_devc.csv", _shared_scenario(case))
    tidy = pd.read_csv(FDS_CASES / case / f"{case}_timeseries.csv")
    t = result.time_s
    assert np.allclose(np.diff(t), 0.5) and t[0] == 0.0 and t[-1] == tidy.time_s.iloc[-1]

    def tidy_on_grid(column: str) -> np.ndarray:
        return np.interp(t, tidy.time_s, tidy[column])

    after = t >= result.tig_s
    assert np.allclose(result.hrr_kw_m2[after], tidy_on_grid("hrrpua_kw_m2")[after])
    assert not result.hrr_kw_m2[~after].any()
    assert np.allclose(result.mlr_g_m2s, tidy_on_grid("mlr_kg_m2_s") * 1e3)
    assert np.allclose(result.surface_temp_c, tidy_on_grid("surface_temp_c"))
    assert np.allclose(result.back_temp_c, tidy_on_grid("back_temp_c"))
    assert np.allclose(result.mass_kg_m2, tidy_on_grid("areal_mass_kg_m2"))
    assert np.isnan(result.stored_heat_kj_m2).all()


@needs_fds_cases
def test_reader_ignition_agrees_with_the_fds_latch():
    """TIME_FROZEN stops at the solver step where IGN tripped: within one DT (0.05 s)."""
    path = FDS_CASES / "PMMA_50_flame" / "PMMA_50_flame_devc.csv"
    latched = read_devc_csv(path).columns["TIME_FROZEN"][-1]
    tig = read_fds_devc(path, _shared_scenario("PMMA_50_flame")).tig_s
    assert latched - 0.05 <= tig <= latched


# -- runner --------------------------------------------------------------------------


def _no_fds_anywhere(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("TRINITY_FDS", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))


def test_run_fds_without_fds_says_so_in_one_sentence(monkeypatch, tmp_path):
    _no_fds_anywhere(monkeypatch, tmp_path)
    assert find_fds() is None
    with pytest.raises(FdsNotFoundError) as caught:
        run_fds(_shared_scenario("PMMA_50_flame"), workdir=tmp_path / "run")
    message = str(caught.value)
    assert message.endswith(".") and ". " not in message and "\n" not in message
    assert "TRINITY_FDS" in message and "PATH" in message
    assert not (tmp_path / "run").exists()


def test_a_configured_fds_that_does_not_exist_is_reported_not_replaced(monkeypatch, tmp_path):
    fake = _fake_fds(tmp_path / "bin", "")
    monkeypatch.setenv("PATH", str(fake.parent))
    monkeypatch.setenv("TRINITY_FDS", str(tmp_path / "nowhere" / "fds"))
    assert find_fds() is None
    assert find_fds(fake) == fake.resolve()
    with pytest.raises(FdsNotFoundError, match="nowhere"):
        run_fds(_shared_scenario("PMMA_50_flame"), workdir=tmp_path / "run")
    monkeypatch.delenv("TRINITY_FDS")
    assert find_fds() == fake.resolve()


def _fake_fds(folder: Path, body: str) -> Path:
    """A Python script standing in for FDS (no PATH needed); sys.argv[1] is CHID.fds and
    it runs in the work folder, like FDS."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "fds"
    header = f"#!{sys.executable}\nimport shutil, sys, time\nchid = sys.argv[1][:-4]\n"
    script.write_text(header + body + "\n", encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


@needs_fds_cases
def test_run_fds_writes_runs_and_reads_back(monkeypatch, tmp_path):
    source = FDS_CASES / "PMMA_50_flame" / "PMMA_50_flame_devc.csv"
    fake = _fake_fds(tmp_path / "bin", f"shutil.copy({str(source)!r}, chid + '_devc.csv')")
    _no_fds_anywhere(monkeypatch, tmp_path)
    monkeypatch.setenv("TRINITY_FDS", str(fake))
    scenario = _shared_scenario("PMMA_50_flame")
    result = run_fds(scenario, workdir=tmp_path / "run", chid="case", fuel=MMA)
    written = (tmp_path / "run" / "case.fds").read_text(encoding="utf-8")
    assert written == write_fds_input(scenario, "case", fuel=MMA)
    assert result.scenario is scenario
    assert round(result.tig_s, 1) == 38.5 and round(result.metrics.phrr_kw_m2, 1) == 1259.8


def test_run_fds_failure_quotes_fds_and_names_the_log(tmp_path):
    body = "print('Time Step: 1', flush=True)\nsys.exit('ERROR: MATL X not found')"
    fake = _fake_fds(tmp_path / "bin", body)
    with pytest.raises(FdsRunError) as caught:
        run_fds(
            _shared_scenario("PMMA_50_flame"),
            workdir=tmp_path / "run",
            fds=fake,
            chid="c",
            fuel=MMA,
        )
    message = str(caught.value)
    assert "ERROR: MATL X not found" in message and "exit status 1" in message
    assert str(tmp_path / "run" / "c.log") in message and "\n" not in message


def test_run_fds_stops_a_run_that_outlives_its_timeout(tmp_path):
    fake = _fake_fds(tmp_path / "bin", "time.sleep(5)")
    with pytest.raises(FdsRunError, match=r"did not finish within 0\.2 s"):
        run_fds(
            _shared_scenario("PMMA_50_noflame"), workdir=tmp_path, fds=fake, timeout_s=0.2, fuel=MMA
        )


def test_run_fds_stops_fds_itself_on_timeout(tmp_path):
    fake = _fake_fds(tmp_path / "bin", _SAYS_PID + "time.sleep(60)")
    with pytest.raises(FdsRunError, match=r"did not finish within 2 s"):
        run_fds(_shared_scenario("PMMA_50_noflame"), workdir=tmp_path, fds=fake, timeout_s=2,
                fuel=MMA)
    assert gone_within(_pid_of(tmp_path), 5)


# FDS runs for minutes: it must stop when its job is cancelled or dies.

_SAYS_PID = (
    "import os\n"
    "open('fds.pid.tmp', 'w').write(str(os.getpid()))\n"
    "os.replace('fds.pid.tmp', 'fds.pid')\n"
)


def _pid_of(workdir: Path, timeout_s: float = 30.0) -> int:
    """The pid the fake FDS wrote in its work folder, once it has started."""
    deadline = time.monotonic() + timeout_s
    while not (workdir / "fds.pid").exists():
        assert time.monotonic() < deadline, "the fake FDS did not start"
        time.sleep(0.02)
    return int((workdir / "fds.pid").read_text())


def test_cancelling_the_job_stops_fds(tmp_path):
    fake = _fake_fds(tmp_path / "bin", _SAYS_PID + "time.sleep(60)")
    token = CancelToken()
    outcome = []

    def run() -> None:
        try:
            run_fds(_shared_scenario("PMMA_50_noflame"), workdir=tmp_path / "run", fds=fake,
                    fuel=MMA, cancel=token)
        except Exception as exc:  # what the test checks
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    pid = _pid_of(tmp_path / "run")
    cancelled_at = time.monotonic()
    token.cancel()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert time.monotonic() - cancelled_at < 5
    assert len(outcome) == 1 and isinstance(outcome[0], Cancelled), outcome
    assert str(tmp_path / "run") in str(outcome[0])
    assert gone_within(pid, 5)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL of the parent is POSIX")
def test_fds_dies_with_the_process_that_runs_it(tmp_path):
    """A job process killed hard (the window's job killed, `kill -9` of the command) runs
    no cleanup of its own; FDS must not run on for minutes holding a core."""
    fake = _fake_fds(tmp_path / "bin", _SAYS_PID + "time.sleep(60)")
    script = (
        "import sys\n"
        f"sys.path[:0] = {[str(Path(__file__).parent), *map(str, Path(__file__).parents[1:3])]!r}\n"
        "from test_fds import MMA, _shared_scenario\n"
        "from engine.cone.fds import run_fds\n"
        f"run_fds(_shared_scenario('PMMA_50_noflame'), workdir={str(tmp_path / 'run')!r},\n"
        f"        fds={str(fake)!r}, fuel=MMA)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        pid = _pid_of(tmp_path / "run", timeout_s=60)
    finally:
        parent.kill()
        parent.wait()
    assert gone_within(pid, 5)


def test_an_fds_that_cannot_start_says_so(tmp_path):
    fake = tmp_path / "bin" / "fds"
    fake.parent.mkdir()
    fake.write_text("this is not a program\n")  # no #! line: the system cannot run it
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(FdsRunError, match=r"could not start \(Exec format error\)\.$"):
        run_fds(_shared_scenario("PMMA_50_noflame"), workdir=tmp_path / "run", fds=fake,
                fuel=MMA)


def test_constant_heat_of_reaction_is_written_as_adjust_h_false():
    plain = ConeMaterial("PMMA", PMMA.components, PMMA.reactions, PMMA.heat_of_combustion)
    scenario = ConeScenario(plain, heat_flux_kw_m2=50.0, thickness_mm=6.0)
    matl = next(
        r for r in parse_namelists(write_fds_input(scenario, "c", fuel=MMA)) if r.group == "MATL"
    )
    assert matl.get("ADJUST_H") is False
    assert scenario_from_fds(write_fds_input(scenario, "c", fuel=MMA)).material == plain


def test_a_gas_specific_heat_fds_would_not_use_is_refused():
    scenario = ConeScenario(PMMA, heat_flux_kw_m2=50.0, thickness_mm=6.0)
    with pytest.raises(ValueError, match="specific heat"):
        write_fds_input(scenario, "c")  # default CH2 fuel: another c_p than MMA's
    shifted = ConeMaterial(
        "P",
        PMMA.components,
        (replace(PMMA.reactions[0], reference_temperature=300.0),),
        PMMA.heat_of_combustion,
        gas_specific_heat=MMA.specific_heat,
    )
    with pytest.raises(ValueError, match="REFERENCE_TEMPERATURE"):
        write_fds_input(
            ConeScenario(shifted, heat_flux_kw_m2=50.0, thickness_mm=6.0), "c", fuel=MMA
        )
