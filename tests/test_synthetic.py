"""Synthetic data generation: rows, failures kept, resume after cancel or kill, Dask."""

import math
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from processes import gone_within

from engine.jobs import Cancelled, CancelToken
from engine.synthetic import (
    STATUS_FAILED,
    STATUS_OK,
    STATUS_REJECTED,
    SyntheticConfig,
    SyntheticError,
    check_result,
    generate_synthetic,
    load_synthetic,
    simulate_chunk,
)

SMALL = SyntheticConfig(n_polymers=6, seed=11, heat_fluxes_kw_m2=(50.0, 75.0),
                        thicknesses_mm=(3.0,), duration_s=600.0, chunk_size=2)
KEY = ["polymer_id", "heat_flux_kw_m2", "thickness_mm"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    out = tmp_path_factory.mktemp("reference")
    generate_synthetic(SMALL, out, workers=1)
    return load_synthetic(out)


def test_one_row_per_polymer_flux_and_thickness(reference):
    frame, grid = reference
    assert len(frame) == 6 * 2 and not frame.duplicated(KEY).any()
    assert grid[0] == 0 and grid[-1] == 600 and len(grid) == 121
    assert all(len(c) == len(grid) for c in frame.hrr_curve_kw_m2)
    ok = frame[frame.status == STATUS_OK]
    assert len(ok) >= 10
    assert (ok.phrr_kw_m2 > 0).all() and (ok.density_kg_m3 > 500).all()
    # A hotter cone ignites the same polymer sooner.
    wide = ok.pivot_table(index="polymer_id", columns="heat_flux_kw_m2", values="tig_s")
    assert (wide[75.0] < wide[50.0]).all()


def _same_rows(a, b):
    cols = [*KEY, "smiles", "status", "tig_s", "phrr_kw_m2", "thr_mj_m2"]
    assert a[cols].reset_index(drop=True).equals(b[cols].reset_index(drop=True))
    assert all(np.array_equal(x, y) for x, y in zip(a.hrr_curve_kw_m2, b.hrr_curve_kw_m2,
                                                     strict=True))


def test_cancel_then_resume_loses_and_repeats_nothing(tmp_path, reference):
    token = CancelToken()

    def cancel_after_first(progress):
        if progress.done >= 1:
            token.cancel()

    with pytest.raises(Cancelled):
        generate_synthetic(SMALL, tmp_path, workers=1, progress=cancel_after_first, cancel=token)
    assert 1 <= len(list(tmp_path.glob("part-*.parquet"))) < SMALL.n_chunks
    summary = generate_synthetic(SMALL, tmp_path, workers=1)
    assert summary.chunks_resumed >= 1 and summary.rows == 12
    _same_rows(load_synthetic(tmp_path)[0], reference[0])


def test_resume_after_a_real_kill(tmp_path, reference):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "engine.cli", "generate", "--n", "6", "--seed", "11",
           "--flux", "50,75", "--thickness", "3", "--chunk-size", "2", "--workers", "1",
           "--out", str(out)]
    # The CLI's default duration is the config default; match the reference's settings.
    config = replace(SMALL, duration_s=900.0)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not list(out.glob("part-*.parquet")) and time.time() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    before = len(list(out.glob("part-*.parquet")))
    assert before >= 1
    (out / "part-99999.parquet.tmp").write_bytes(b"half-written")  # debris of a kill
    summary = generate_synthetic(config, out, workers=1)
    assert summary.chunks_resumed == before and summary.rows == 12
    frame = load_synthetic(out)[0]
    assert not frame.duplicated(KEY).any() and not list(out.glob("*.tmp"))
    # Same seed, same polymers and conditions as the reference (which ran 600 s).
    assert frame.smiles.tolist() == reference[0].smiles.tolist()


def test_two_local_workers_give_the_same_rows(tmp_path, reference):
    generate_synthetic(SMALL, tmp_path, workers=2)
    _same_rows(load_synthetic(tmp_path)[0], reference[0])


def test_dask_cluster_on_loopback_gives_the_same_rows(tmp_path, reference):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False,
                                  protocol="tcp", host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1")
        generate_synthetic(SMALL, tmp_path, scheduler=cluster.scheduler_address)
    _same_rows(load_synthetic(tmp_path)[0], reference[0])


def test_unknown_scheduler_is_one_sentence(tmp_path):
    with pytest.raises(SyntheticError, match="No Dask scheduler"):
        generate_synthetic(SMALL, tmp_path, scheduler="tcp://127.0.0.1:1")


def test_failed_polymers_are_recorded_not_dropped():
    frame = simulate_chunk(SMALL, [(0, "*CC*", "test"), (1, "*CC(=S)C*", "test")])
    assert len(frame) == 4
    bad = frame[frame.polymer_id == 1]
    assert (bad.status == STATUS_FAILED).all() and bad.reason.str.contains("cover").all()
    assert (frame[frame.polymer_id == 0].status == STATUS_OK).all()


def _fake(hrr, *, ok=True, ignited=True, flux=50.0, tig=10.0):
    metrics = SimpleNamespace(tig_s=tig, phrr_kw_m2=float(np.nanmax(hrr)), thr_mj_m2=1.0)
    return SimpleNamespace(ok=ok, message="solver diverged" if not ok else "",
                           hrr_kw_m2=np.asarray(hrr, float), metrics=metrics, ignited=ignited,
                           scenario=SimpleNamespace(heat_flux_kw_m2=flux))


@pytest.mark.parametrize(
    ("result", "hydrocarbon", "status", "reason"),
    [
        (_fake([0, 100, 0]), True, STATUS_OK, ""),
        (_fake([0, 100, 0], ok=False), True, STATUS_FAILED, "diverged"),
        (_fake([0, np.nan, 0]), True, STATUS_REJECTED, "NaN"),
        (_fake([0, 100, -5]), False, STATUS_REJECTED, "negative"),
        (_fake([0, 0, 0], ignited=False, flux=75.0), True, STATUS_REJECTED, "75"),
        (_fake([0, 0, 0], ignited=False, flux=75.0), False, STATUS_OK, ""),
        (_fake([0, 100, 0], tig=float("nan")), False, STATUS_REJECTED, "finite"),
    ],
)
def test_impossible_results_are_caught(result, hydrocarbon, status, reason):
    got_status, got_reason = check_result(result, hydrocarbon=hydrocarbon)
    assert got_status == status and reason in got_reason


def test_bad_folders_and_settings(tmp_path):
    generate_synthetic(replace(SMALL, n_polymers=2), tmp_path / "a", workers=1)
    with pytest.raises(SyntheticError, match="other settings"):
        generate_synthetic(replace(SMALL, n_polymers=2, seed=12), tmp_path / "a", workers=1)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("mine")
    with pytest.raises(SyntheticError, match="not empty"):
        generate_synthetic(SMALL, tmp_path / "b", workers=1)
    with pytest.raises(SyntheticError, match="not a Trinity synthetic data set"):
        load_synthetic(tmp_path / "b")
    (tmp_path / "a" / "manifest.json").write_text("{broken")
    with pytest.raises(SyntheticError, match="damaged"):
        generate_synthetic(replace(SMALL, n_polymers=2), tmp_path / "a", workers=1)
    with pytest.raises(SyntheticError, match="positive integer"):
        SyntheticConfig(n_polymers=0)
    with pytest.raises(SyntheticError, match="Heat flux -1 kW/m² is outside"):
        SyntheticConfig(n_polymers=3, heat_fluxes_kw_m2=(50.0, -1.0))
    with pytest.raises(SyntheticError, match="at least one"):
        SyntheticConfig(n_polymers=3, thicknesses_mm=())


@pytest.mark.parametrize(
    ("settings", "sentence"),
    [
        ({"heat_fluxes_kw_m2": (50.0, 1000.0)},
         "Heat flux 1000 kW/m² is outside the accepted range, more than 0 and at most "
         "200 kW/m²: "),
        ({"thicknesses_mm": (3.0, 150.0)},
         "Thickness 150 mm is outside the accepted range, more than 0 and at most 100 mm: "),
        ({"thicknesses_mm": (0.0,)},
         "Thickness 0 mm is outside the accepted range, more than 0 and at most 100 mm."),
        ({"flame_flux_kw_m2": 150.0},
         "Flame heat flux 150 kW/m² is outside the accepted range, 0–100 kW/m²: "),
        ({"heat_fluxes_kw_m2": (math.nan,)}, "Heat flux is nan; give a finite number in kW/m²."),
    ],
)
def test_impossible_conditions_are_refused_before_anything_runs(settings, sentence):
    """Every condition of the grid would otherwise become a whole column of failed rows,
    found only after the run: the ranges are those ConeScenario accepts
    (engine/quantities.py), said in one sentence."""
    with pytest.raises(SyntheticError) as error:
        SyntheticConfig(n_polymers=1, **settings)
    assert str(error.value).startswith(sentence)
    assert "\n" not in str(error.value) and str(error.value).endswith(".")


def test_the_command_refuses_an_impossible_flux_before_writing(tmp_path, capsys):
    from engine.cli import main

    out = tmp_path / "set"
    assert main(["generate", "--n", "1", "--out", str(out), "--flux", "50,1000"]) == 2
    assert not out.exists()
    said = capsys.readouterr()
    assert "1000 kW/m² is outside the accepted range" in said.out + said.err


# Robustness: a solver that raises, damaged parts, leftovers of a crash --------------------


def _crash_on(monkeypatch, fragment, flux):
    """Make the solver's batch function raise, as a solver bug would, for every batch that
    holds the scenario of the polymer whose name holds ``fragment`` at ``flux``."""
    from engine.cone import solver

    real = solver.simulate

    def simulate(scenarios, **settings):
        if any(fragment in s.material.name and s.heat_flux_kw_m2 == flux for s in scenarios):
            raise ZeroDivisionError("float division by zero")
        return real(scenarios, **settings)

    monkeypatch.setattr(solver, "simulate", simulate)


def test_a_row_that_crashes_the_solver_is_recorded_and_the_chunk_goes_on(monkeypatch):
    _crash_on(monkeypatch, "c1ccccc1", 75.0)
    frame = simulate_chunk(SMALL, [(0, "*CC*", "test"), (1, "*CC(*)c1ccccc1", "test")])
    assert len(frame) == 4
    crashed = frame[(frame.polymer_id == 1) & (frame.heat_flux_kw_m2 == 75.0)]
    assert crashed.status.tolist() == [STATUS_FAILED]
    assert crashed.reason.iloc[0] == (
        "the solver crashed (ZeroDivisionError: float division by zero)"
    )
    rest = frame.drop(crashed.index)
    assert (rest.status == STATUS_OK).all() and rest.phrr_kw_m2.notna().all()


def test_a_crashing_row_does_not_end_the_run(monkeypatch, tmp_path, reference):
    _crash_on(monkeypatch, "C", 75.0)  # every polymer at 75 kW/m²
    summary = generate_synthetic(SMALL, tmp_path, workers=1)
    assert summary.rows == 12 and summary.rows_by_status[STATUS_FAILED] >= 6
    frame, expected = load_synthetic(tmp_path)[0], reference[0]
    assert frame.smiles.tolist() == expected.smiles.tolist()
    hot = frame.heat_flux_kw_m2 == 75.0
    assert (frame[hot].status == STATUS_FAILED).all()
    assert frame[hot].reason.str.contains("ZeroDivisionError").all()
    assert frame[~hot].status.tolist() == expected[~hot].status.tolist()


def test_a_condition_the_scenario_refuses_is_a_failed_row(monkeypatch):
    from engine.cone import scenario

    class Refusing(scenario.ConeScenario):
        def __post_init__(self):
            if self.heat_flux_kw_m2 == 75.0:
                raise scenario.ScenarioError("heat_flux_kw_m2 75 kW/m² is out of range.")
            super().__post_init__()

    monkeypatch.setattr(scenario, "ConeScenario", Refusing)
    frame = simulate_chunk(SMALL, [(0, "*CC*", "test")]).sort_values("heat_flux_kw_m2")
    assert frame.status.tolist() == [STATUS_OK, STATUS_FAILED]
    assert frame.reason.tolist()[1] == "heat_flux_kw_m2 75 kW/m² is out of range."


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    out = tmp_path_factory.mktemp("finished") / "set"
    generate_synthetic(SMALL, out, workers=1)
    return out


def _other_schema(path):
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(pd.DataFrame({"x": [1, 2]})), path)


def _fewer_rows(path):
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    pq.write_table(table.slice(0, 2), path)


@pytest.mark.parametrize(
    ("damage", "problem"),
    [
        (lambda p: p.write_bytes(b""), "empty"),
        (lambda p: p.write_bytes(p.read_bytes()[: p.stat().st_size // 2]),
         "not a readable Parquet file"),
        (lambda p: p.write_text("polymer_id,smiles\n1,*CC*\n"), "not a readable Parquet file"),
        (_other_schema, "it lacks the columns polymer_id, smiles"),
        (_fewer_rows, "2 rows, not the chunk's 4"),
    ],
    ids=["empty", "truncated", "text", "schema", "rows"],
)
def test_a_damaged_part_is_regenerated_on_resume(finished, tmp_path, reference, damage, problem):
    import shutil

    out = tmp_path / "set"
    shutil.copytree(finished, out)
    part = out / "part-00001.parquet"
    damage(part)
    with pytest.raises(SyntheticError, match=problem) as error:
        load_synthetic(out)
    assert str(error.value).startswith(f"{part} is damaged (") and str(error.value).endswith(
        "rerun the generation with the same settings to regenerate it.")
    messages = []
    summary = generate_synthetic(SMALL, out, workers=1,
                                 progress=lambda p: messages.append(p.message))
    assert summary.chunks_resumed == 2 and summary.chunks_written == 1 and summary.rows == 12
    assert any(m.startswith(f"{part.name} is damaged (") and problem in m
               and m.endswith("regenerating it") for m in messages), messages
    _same_rows(load_synthetic(out)[0], reference[0])


def test_a_leftover_manifest_tmp_does_not_lock_the_folder(tmp_path, reference):
    out = tmp_path / "set"
    out.mkdir()
    (out / "manifest.tmp").write_text('{"format_version": 1, "conf')  # killed mid-write
    with pytest.raises(SyntheticError, match="not a Trinity synthetic data set"):
        load_synthetic(out)
    generate_synthetic(SMALL, out, workers=1)
    assert not (out / "manifest.tmp").exists()
    _same_rows(load_synthetic(out)[0], reference[0])


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"", "empty"), (b"\xff\xfe", "not text"), (b"[1, 2]", "not a JSON object"),
     (b'{"format_version": 1}', "it has no config"),
     (b'{"format_version": 1, "config": {}, "time_grid_s": "0-900"}', "time_grid_s")],
)
def test_a_damaged_manifest_is_one_sentence(finished, tmp_path, content, problem):
    import shutil

    out = tmp_path / "set"
    shutil.copytree(finished, out)
    (out / "manifest.json").write_bytes(content)
    for call in (lambda: generate_synthetic(SMALL, out, workers=1),
                 lambda: load_synthetic(out)):
        with pytest.raises(SyntheticError, match=problem) as error:
            call()
        assert str(error.value).startswith(f"{out / 'manifest.json'} is damaged (")
        assert "\n" not in str(error.value)


def test_the_command_survives_a_crash_and_says_which_part_it_regenerates(monkeypatch, tmp_path,
                                                                        capsys):
    from engine.cli import main

    _crash_on(monkeypatch, "C", 75.0)
    argv = ["generate", "--n", "4", "--seed", "11", "--flux", "50,75", "--thickness", "3",
            "--chunk-size", "2", "--workers", "1", "--out", str(tmp_path / "set")]
    assert main(argv) == 0
    assert " failed" in capsys.readouterr().out
    (tmp_path / "set" / "part-00000.parquet").write_bytes(b"")
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "part-00000.parquet is damaged (empty); regenerating it" in out
    assert "(1 resumed)" in out


# Worker processes die with the run ---------------------------------------------------------


def _record_pid_and_sleep(config, polymers, threads=None):
    """Stands in for simulate_chunk in the pool workers: says who runs it, then works
    (sleeps) far longer than the test, as a big chunk would."""
    folder = Path(os.environ["TRINITY_TEST_PIDS"])
    (folder / f"{os.getpid()}.tmp").write_text("")
    os.replace(folder / f"{os.getpid()}.tmp", folder / f"{os.getpid()}.pid")
    time.sleep(600)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL of the parent is POSIX")
def test_generation_workers_exit_when_the_run_is_killed(tmp_path):
    """A generate job ended hard (the window's job process killed, `kill -9` of the
    command) must not leave its worker processes computing chunks nobody will write."""
    pids = tmp_path / "pids"
    pids.mkdir()
    script = (
        "import sys\n"
        f"sys.path[:0] = {[str(Path(__file__).parent), str(Path(__file__).parents[1])]!r}\n"
        "import engine.synthetic as synthetic\n"
        "from test_synthetic import _record_pid_and_sleep\n"
        "if __name__ == '__main__':\n"
        "    synthetic.simulate_chunk = _record_pid_and_sleep\n"
        "    config = synthetic.SyntheticConfig(n_polymers=4, chunk_size=1)\n"
        f"    synthetic.generate_synthetic(config, {str(tmp_path / 'set')!r}, workers=2)\n"
    )
    env = {**os.environ, "TRINITY_TEST_PIDS": str(pids)}
    parent = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 120
        while len(list(pids.glob("*.pid"))) < 2:
            assert parent.poll() is None, "the run ended before its workers started"
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.05)
    finally:
        parent.kill()
        parent.wait()
    workers = [int(p.stem) for p in pids.glob("*.pid")]
    assert len(workers) == 2 and parent.pid not in workers
    assert [pid for pid in workers if not gone_within(pid, 5)] == []


def test_more_polymers_than_exist_is_refused_at_once():
    """It used to draw for over half an hour before running out of recipes."""
    from engine.hypothetical import count_reachable

    reachable = sum(count_reachable().values())
    SyntheticConfig(n_polymers=reachable)
    with pytest.raises(SyntheticError, match="distinct ones; ask for at most that many"):
        SyntheticConfig(n_polymers=reachable + 1)


DRAWN = SyntheticConfig(n_polymers=4, seed=3, draws_per_polymer=5, chunk_size=2,
                        duration_s=600.0, curve_interval_s=10.0)


def test_drawn_conditions_cover_the_range_users_test_and_repeat_with_the_seed():
    conditions = [c for pid in range(200) for c in DRAWN.conditions(pid)]
    flux = np.array([f for f, _ in conditions])
    thick = np.array([t for _, t in conditions])
    assert flux.min() >= 10.0 and flux.max() <= 100.0 and thick.min() >= 1.0
    assert thick.max() <= 50.0
    # log-uniform: as many draws below the geometric middle as above it
    assert 0.4 < np.mean(flux < math.sqrt(10 * 100)) < 0.6
    assert 0.4 < np.mean(thick < math.sqrt(1 * 50)) < 0.6
    assert DRAWN.conditions(7) == DRAWN.conditions(7) != DRAWN.conditions(8)
    assert replace(DRAWN, seed=4).conditions(7) != DRAWN.conditions(7)
    assert DRAWN.conditions_per_polymer == 5 and SMALL.conditions_per_polymer == 2


def test_drawn_and_varied_data_sets_are_written_checked_and_resumed(tmp_path):
    varied = replace(DRAWN, vary_physics=True)
    summary = generate_synthetic(varied, tmp_path / "varied", workers=1)
    assert summary.rows == 4 * 5
    frame, _ = load_synthetic(tmp_path / "varied")
    assert len(frame) == 20 and (frame["status"] == "ok").mean() > 0.8
    conditions = {(r.polymer_id, r.heat_flux_kw_m2, r.thickness_mm) for r in frame.itertuples()}
    assert conditions == {(pid, f, t) for pid in range(4) for f, t in varied.conditions(pid)}
    again = generate_synthetic(varied, tmp_path / "varied", workers=1)
    assert again.chunks_resumed == again.chunks_total


def test_varied_physics_spreads_the_outcomes_of_one_polymer_and_condition():
    """Each simulation draws its own plausible material: the same polymer at the same
    condition no longer gives one answer, and the draws repeat with the seed."""
    one = SyntheticConfig(n_polymers=1, seed=2, heat_fluxes_kw_m2=(50.0,),
                          thicknesses_mm=(6.0,) * 1, duration_s=900.0)
    polymers = [(0, "*CC(*)(C)C(=O)OC", "test")]
    fixed = [simulate_chunk(one, polymers)["phrr_kw_m2"].iloc[0] for _ in range(2)]
    assert fixed[0] == fixed[1]
    varied = replace(one, vary_physics=True, draws_per_polymer=8,
                     flux_range_kw_m2=(49.0, 51.0), thickness_range_mm=(5.9, 6.1))
    first = simulate_chunk(varied, polymers)["phrr_kw_m2"].to_numpy()
    assert np.std(np.log(first[first > 0])) > 0.05
    assert np.array_equal(first, simulate_chunk(varied, polymers)["phrr_kw_m2"].to_numpy())


@pytest.mark.parametrize(
    "change, sentence",
    [
        ({"draws_per_polymer": -1}, "draws_per_polymer must be 0"),
        ({"flux_range_kw_m2": (50.0, 20.0)}, "from low to high"),
        ({"thickness_range_mm": (1.0, 500.0)}, "Thickness"),
    ],
)
def test_impossible_draw_settings_are_refused(change, sentence):
    with pytest.raises(SyntheticError, match=sentence):
        replace(DRAWN, **change)
