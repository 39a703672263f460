"""The ``trinity`` command: a thin layer over the engine's functions.

Every user error ends as one sentence on stderr and exit status 2; nothing prints a
traceback. Commands grow with the product (DESIGN.md, "Command line").
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from engine import __version__
from engine.onnx_format import DEFAULT_OPSET
from engine.quantities import (
    FLAME_FLUX,
    HEAT_FLUX,
    IMAGE_SIZE,
    RELATIVE_AMOUNT,
    THICKNESS,
    Limit,
    QuantityError,
    number_argument,
    parse_number,
    parse_numbers,
)

EXIT_USAGE = 2
EXIT_INTERNAL = 70


class UserError(Exception):
    """A problem with the user's input, reported as one sentence."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad option is one line (no usage block), like every other error."""

    def error(self, message: str):
        self.exit(EXIT_USAGE, f"{self.prog}: {message.rstrip('.')}; see `{self.prog} --help`.\n")


def _say(*parts, **options) -> None:
    """Messages for people: stdout, unless stdout carries the data (``-``)."""
    print(*parts, **options, file=sys.stderr if _SAY_TO_STDERR else sys.stdout)


_SAY_TO_STDERR = False


def _checked(values, limit: Limit, where: str) -> tuple[float, ...]:
    try:
        return tuple(limit.check(v, where) for v in values)
    except QuantityError as error:
        raise UserError(str(error)) from None


def _input_file(path: str | Path, what: str) -> Path:
    """A file the command reads: one sentence when it is missing or a folder."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"The {what} {path} is a folder, not a file; give the file inside it.")
    if not path.exists():
        raise UserError(f"The {what} {path} does not exist.")
    return path


def _stopped(token, saved: str) -> int:
    """A long job was interrupted: cancel it and say how to resume (exit status 130)."""
    token.cancel()
    print(
        f"Stopped; finished {saved} are saved. Rerun the same command to resume.", file=sys.stderr
    )
    return 130


def _fractions(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        values = parse_numbers(text, "--fractions")
    except QuantityError as error:
        raise UserError(f"{error} Give them as e.g. 0.7,0.3.") from None
    return list(_checked(values, RELATIVE_AMOUNT, "--fractions"))


def _polymer(args: argparse.Namespace):
    from engine.polymer import parse_polymer

    return parse_polymer(args.smiles, _fractions(args.fractions), basis=args.basis)


def cmd_gc(args: argparse.Namespace) -> int:
    from engine.gc.properties import estimate_properties

    props = estimate_properties(_polymer(args))
    if args.json:
        print(json.dumps(props.to_dict(), indent=2))
        return 0
    from engine.gc.properties import DISPLAY_UNITS

    print(f"{props.smiles}   {props.formula}")
    width = max(len(name) for name, *_ in props.display_rows())
    for name, value, unit, method in props.display_rows():
        print(f"  {name:<{width}}  {DISPLAY_UNITS[name].format(value):>10}  {unit:<24} {method}")
    print(f"  mechanism: {props.mechanism.replace('_', ' ')}; flame: {props.flame_class}")
    for r in props.reactions:
        gas = "fuel gas" if r.fuel_fraction == 1.0 else f"gas ({r.fuel_fraction:.0%} fuel)"
        products = f"{gas} + {r.char_yield:.2f} {r.leaves}" if r.char_yield < 1 else r.leaves
        print(
            f"  pyrolysis: {r.consumes} → {products}: "
            f"A = {r.pre_exponential_1_s:.3g} 1/s, E = "
            f"{r.activation_energy_j_mol / 1e3:.1f} kJ/mol, n = {r.order:g}"
        )
    groups = ", ".join(f"{n:g} × {g}" for g, n in sorted(props.groups.items()))
    print(f"  groups: {groups}")
    return 0


def cmd_depict(args: argparse.Namespace) -> int:
    from engine.outputs import check_outputs, write_bytes, write_text
    from engine.polymer import depict_png, depict_svg

    out = Path(args.out)
    if out.suffix.lower() not in (".svg", ".png"):
        raise UserError(f"--out must end in .svg or .png, not {out.suffix or 'nothing'!r}.")
    check_outputs({"--out": out})
    polymer = _polymer(args)
    if out.suffix.lower() == ".svg":
        write_text(out, depict_svg(polymer, width=args.width, height=args.height))
    else:
        write_bytes(out, depict_png(polymer, width=args.width, height=args.height))
    print(out)
    return 0


def _scenario_material(args: argparse.Namespace):
    if args.material:
        from engine.cone.material import ConeMaterial

        return ConeMaterial.from_json(_input_file(args.material, "material file"))
    if not args.smiles:
        raise UserError(
            "Give the polymer as --smiles SMILES or a property file as --material M.json."
        )
    from engine.cone.gc_material import cone_material
    from engine.gc.properties import estimate_properties

    return cone_material(estimate_properties(_polymer(args)))


def cmd_cone(args: argparse.Namespace) -> int:
    from engine.cone.files import read_cone_file
    from engine.cone.measured import CurveFileError
    from engine.cone.report import describe_file, describe_group, replicate_groups

    records, failed = [], 0
    for name in args.files:
        try:
            records.append(read_cone_file(name, recompute=args.recompute))
        except CurveFileError as error:  # one bad file costs that file, not the others
            print(f"trinity cone: {error}", file=sys.stderr)
            failed += 1
    if args.json:
        print(json.dumps([r.to_json() for r in records], indent=2, allow_nan=False,
                         ensure_ascii=False))
    else:
        blocks = [describe_file(r) for r in records]
        blocks += [describe_group(g) for g in replicate_groups(records)]
        print("\n\n".join("\n".join(block) for block in blocks))
    return EXIT_USAGE if failed else 0


def cmd_kinetics(args: argparse.Namespace) -> int:
    from engine.outputs import check_outputs
    from engine.thermal.curves import read_curve
    from engine.thermal.kinetics import fit_kinetics
    from engine.thermal.report import describe

    files = [_input_file(f, "curve file") for f in args.files]
    inputs = (
        {"curve": files[0]}
        if len(files) == 1
        else {f"curve {i + 1}": f for i, f in enumerate(files)}
    )
    check_outputs({"--material-out": args.material_out}, inputs)
    if args.smiles:
        from engine.polymer import parse_polymer

        parse_polymer(args.smiles)  # a bad --smiles is refused before the fit, not after
    curves = [
        read_curve(f, heating_rate_k_min=args.heating_rate, initial_mass_mg=args.initial_mass)
        for f in files
    ]
    smiles = args.smiles or next((c.smiles for c in curves if c.smiles), None)
    if args.material_out and not smiles:
        raise UserError(
            "--material-out needs the polymer: give --smiles (the files name no SMILES)."
        )
    fit = fit_kinetics(curves, steps=args.steps, scheme=args.scheme)
    if args.material_out:
        from engine.thermal.material import kinetics_material

        name = next((c.material for c in curves if c.material), None)
        kinetics_material(fit.steps, smiles, name, fit.scheme).to_json(args.material_out)
    if args.json:
        print(json.dumps(fit.to_dict(), indent=2, allow_nan=False))
        return 0
    for c in curves:
        print(
            f"{c.name}: {c.technique}, {c.heating_rate_k_min:.3g} K/min "
            f"({c.heating_rate_source}), {len(c.time_s)} points"
        )
    print("\n".join(describe(fit)))
    if args.material_out:
        print(f"Material written to {args.material_out} (kinetics measured, the rest by GC).")
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    global _SAY_TO_STDERR
    from engine.cone.export import result_record, result_table
    from engine.cone.scenario import ConeScenario
    from engine.outputs import check_outputs, is_stdout, write_csv
    from engine.quantities import round_frame

    if is_stdout(args.csv) and args.json:
        raise UserError("--json and --csv - both write to standard output; give --csv a file.")
    check_outputs({"--csv": args.csv}, {"--material": args.material})
    _SAY_TO_STDERR = is_stdout(args.csv)
    scenario = ConeScenario(
        material=_scenario_material(args),
        heat_flux_kw_m2=args.flux,
        thickness_mm=args.thickness,
        flame_flux_kw_m2=args.flame_flux,
        backing=args.backing,
    )
    if args.engine == "fds":
        from engine.cone.fds import FdsNotFoundError, FdsRunError, run_fds

        try:
            result = run_fds(scenario, workdir=Path(args.fds_workdir), fds=args.fds)
        except (FdsNotFoundError, FdsRunError) as exc:
            raise UserError(str(exc)) from None
    else:
        from engine.cone.solver import simulate_one

        result = simulate_one(scenario)
    if args.csv:
        write_csv(round_frame(result_table(result)), args.csv)
    if args.json:
        print(json.dumps(result_record(result), indent=2, allow_nan=False))
    else:
        _describe_simulation(result, args)
        if args.csv and not is_stdout(args.csv):
            _say(f"  curves written to {args.csv}")
    return 0 if result.ok else 1


def _describe_simulation(result, args: argparse.Namespace) -> None:
    """The metrics in words; a sample that never ignites says so instead of 'nan'."""
    m, scenario = result.metrics, result.scenario
    _say(
        f"{scenario.material.name}: {args.flux:g} kW/m², {args.thickness:g} mm, "
        f"{args.backing} back, flame flux {args.flame_flux:g} kW/m² ({args.engine})"
    )
    if not result.ok:
        _say(f"  simulation failed: {result.message}")
        return
    if not result.ignited:
        _say(
            f"  The sample does not ignite within {result.time_s[-1]:.0f} s at "
            f"{args.flux:g} kW/m² (its surface peaks at {max(result.surface_temp_c):.0f} °C); "
            "there is no t_ig, pHRR or burning to report."
        )
        return
    _say(f"  t_ig  {m.tig_s:8.0f} s")
    _say(f"  pHRR  {m.phrr_kw_m2:8.0f} kW/m² at {m.t_phrr_s:.0f} s")
    _say(f"  THR   {m.thr_mj_m2:8.1f} MJ/m²")
    _say(
        f"  HRR avg 60/180/300 s: {m.avg_hrr_60_kw_m2:.0f} / {m.avg_hrr_180_kw_m2:.0f} / "
        f"{m.avg_hrr_300_kw_m2:.0f} kW/m²; MARHE {m.marhe_kw_m2:.0f} kW/m²; "
        f"FIGRA {m.figra_kw_m2_s:.1f} kW/m²/s"
    )


def _floats(text: str, option: str, limit: Limit) -> tuple[float, ...]:
    try:
        values = parse_numbers(text, option, limit.unit)
    except QuantityError as error:
        raise UserError(str(error)) from None
    return _checked(values, limit, option)


def cmd_generate(args: argparse.Namespace) -> int:
    from engine.jobs import Cancelled, CancelToken
    from engine.outputs import check_output_folder
    from engine.synthetic import SyntheticConfig, generate_synthetic

    config = SyntheticConfig(
        n_polymers=args.n,
        seed=args.seed,
        heat_fluxes_kw_m2=_floats(args.flux, "--flux", HEAT_FLUX),
        thicknesses_mm=_floats(args.thickness, "--thickness", THICKNESS),
        chunk_size=args.chunk_size,
        draws_per_polymer=args.draws,
        vary_physics=args.vary_physics,
    )
    check_output_folder("--out", args.out)

    def show(p) -> None:
        left = f", about {p.remaining_s:.0f} s left" if p.remaining_s is not None else ""
        print(f"  [{p.done}/{p.total}] {p.message} ({p.elapsed_s:.0f} s{left})", flush=True)

    token = CancelToken()
    conditions = (
        f"{args.draws} conditions drawn over 10–100 kW/m² and 1–50 mm" if args.draws else
        f"{len(config.heat_fluxes_kw_m2)} fluxes × {len(config.thicknesses_mm)} thicknesses")
    varied = ", plausible materials drawn around each estimate" if args.vary_physics else ""
    print(f"Generating {args.n} polymers × {conditions}{varied} into {args.out}")
    try:
        summary = generate_synthetic(
            config,
            args.out,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=show,
            cancel=token,
        )
    except (KeyboardInterrupt, Cancelled):
        return _stopped(token, "chunks")
    counts = ", ".join(f"{n} {s}" for s, n in sorted(summary.rows_by_status.items()))
    print(
        f"{summary.rows} rows ({counts}) in {summary.chunks_total} chunks "
        f"({summary.chunks_resumed} resumed) in {summary.elapsed_s:.1f} s"
    )
    return 0


def _seeds(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        seeds = [int(part) for part in text.split(",")]
    except ValueError:
        raise UserError(f"--seeds must be integers separated by commas, not {text!r}.") from None
    if len(set(seeds)) != len(seeds):
        raise UserError(f"--seeds lists a seed twice ({text}).")
    return seeds


def cmd_train(args: argparse.Namespace) -> int:
    # torch first: where it is missing, the ml extra is named before transformers warns
    import torch  # noqa: F401
    import transformers

    from engine.jobs import Cancelled, CancelToken
    from engine.training import (
        TrainingProgress,
        default_settings,
        train_ensemble,
        train_phase1,
        train_phase2,
        train_single,
    )

    transformers.utils.logging.disable_progress_bar()
    # Under torchrun every process runs this; one of them speaks.
    say = print if os.environ.get("RANK", "0") == "0" else (lambda *_, **__: None)
    settings = default_settings(
        args.phase,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        patience=args.patience,
        seed=args.seed,
        device=args.device,
    )
    if args.phase == "phase2":
        arguments = {"init": args.init, "data": args.data}
    else:
        arguments = {"data": args.data, "size": args.size, "init": args.init}

    def show(p) -> None:
        if isinstance(p, TrainingProgress) and p.epoch_done:
            say(f"  {p.message} ({p.elapsed_s:.0f} s)", flush=True)

    from engine.outputs import check_output_folder

    check_output_folder("--out", args.out, {"--init": args.init, "--data": args.data})
    token = CancelToken()
    seeds = _seeds(args.seeds)
    say(f"Training {args.phase} into {args.out} (rerun the same command to resume)", flush=True)
    try:
        if seeds is None:
            train = {"phase1": train_phase1, "phase2": train_phase2, "single": train_single}
            results = [
                train[args.phase](
                    out_dir=args.out, settings=settings, progress=show, cancel=token, **arguments
                )
            ]
        else:
            results = train_ensemble(
                args.phase,
                seeds,
                args.out,
                settings=settings,
                progress=show,
                cancel=token,
                **arguments,
            )
    except (KeyboardInterrupt, Cancelled):
        return _stopped(token, "epochs")
    for result in results:
        fit = result.fit
        best = f"{fit.best_val_loss:.4f}" if fit.best_val_loss is not None else "n/a"
        done = "already trained" if result.already_complete else f"{len(fit.history)} epochs"
        say(
            f"{result.out_dir}: {done}, best epoch {fit.best_epoch + 1} (validation {best}), "
            f"{result.train_rows} training and {result.val_rows} validation tests on "
            f"{result.device}"
        )
        if result.unknown_tokens.rows_affected:
            say(
                f"warning: {result.unknown_tokens.summary()}; they were read as <unk>.",
                file=sys.stderr,
            )
    return 0


def _physics_evaluation(data: str, level: float, report: str | None):
    """Leave-one-polymer-out of physics and physics-informed, the calibration it gives,
    and (with ``report``) the folder a scientist reads: evaluation.json,
    predictions.csv and one parity plot per target."""
    from engine.outputs import write_csv, write_text
    from engine.physics_informed import (
        build_calibration,
        evaluate_physics_informed,
        evaluation_tests,
        held_out_table,
        write_parity_plots,
    )

    if not 0 < level < 1:
        raise UserError(f"--level must lie between 0 and 1 (e.g. 0.8), not {level}.")
    evaluation = evaluate_physics_informed(evaluation_tests(data))
    calibration = build_calibration(evaluation.tests, level=level, evaluation=evaluation)
    for line in _describe_calibration(calibration):
        print(line)
    if report:
        folder = Path(report)
        folder.mkdir(parents=True, exist_ok=True)
        record = calibration.to_json()
        write_text(folder / "evaluation.json",
                   json.dumps({"methods": record["methods"], **record["summary"]}, indent=2))
        write_csv(held_out_table(evaluation, calibration), folder / "predictions.csv")
        try:
            plots = write_parity_plots(held_out_table(evaluation, calibration), calibration,
                                       folder)
        except RuntimeError as error:
            print(f"  {error}", file=sys.stderr)
            plots = []
        print(f"Wrote {folder / 'evaluation.json'}, {folder / 'predictions.csv'}"
              + "".join(f", {p}" for p in plots) + ".")
    return calibration


def _describe_calibration(calibration) -> list[str]:
    """Held-out scores, coverage and the method per target, for the terminal and cards."""
    summary = calibration.summary
    level = calibration.default_level
    lines = [f"  leave-one-polymer-out ({summary.get('polymers')} polymers, "
             f"{summary.get('tests')} tests): median relative error [median over polymers]; "
             f"{level:.0%}-interval coverage of held-out tests"]
    for target, scores in (summary.get("scores") or {}).items():
        cells = []
        for method, s in scores.items():
            if s.get("median_relative_error") is None:
                continue
            cells.append(f"{method.replace('_', '-')} {100 * s['median_relative_error']:.1f} % "
                         f"[{100 * s['median_of_polymer_medians']:.1f}], covers "
                         f"{100 * s['coverage']:.0f} %")
        lines.append(f"    {target:<11} " + "; ".join(cells)
                     + f"  → ships {calibration.methods[target].replace('_', '-')}, "
                     f"interval ×/÷ {math.exp(calibration.bands[target].half_width(level)):.2f}")
    scatter = summary.get("replicate_scatter") or {}
    if scatter:
        lines.append("    replicate scatter (noise floor, median over repeated conditions): "
                     + ", ".join(f"{t} {100 * v['median_relative_scatter']:.1f} %"
                                 for t, v in scatter.items()
                                 if v.get("median_relative_scatter") is not None))
    labs = (summary.get("leave_one_lab_out") or {}).get("median_over_labs") or {}
    if labs:
        polymer = summary["leave_one_lab_out"]["polymer"]
        lines.append(f"    leave one lab out ({polymer}, median over labs): "
                     + ", ".join(f"{k.replace('_', ' ')} {100 * v:.1f} %"
                                 for k, v in labs.items() if v is not None))
    return lines


def cmd_calibrate(args: argparse.Namespace) -> int:
    from engine.onnx_calibration import CalibrationFileError, attach_calibration
    from engine.outputs import check_outputs
    from engine.predictor import read_model_info

    if Path(args.out).suffix.lower() != ".onnx":
        raise UserError(f"--out must end in .onnx, not {Path(args.out).suffix or 'nothing'!r}.")
    inputs = {} if args.data == "shipped" else {"--data": args.data}
    if Path(args.out).resolve() != Path(args.model).resolve():
        inputs["MODEL"] = args.model
    check_outputs({"--out": args.out}, inputs)
    read_model_info(args.model)  # a readable Trinity model, before minutes of work
    calibration = _physics_evaluation(args.data, args.level, args.report)
    try:
        attach_calibration(args.model, args.out, calibration)
    except CalibrationFileError as error:
        raise UserError(str(error)) from None
    print(f"Wrote {args.out}: predictions by "
          + ", ".join(f"{t} {m.replace('_', '-')}" for t, m in calibration.methods.items())
          + f", {calibration.default_level:.0%} intervals calibrated on held-out polymers.")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.phase1 is None:
        from engine.outputs import check_output_folder

        check_output_folder("--out", args.out, {"--data": args.data})
        _physics_evaluation(args.data, args.level, args.out)
        return 0
    # torch first: where it is missing, the ml extra is named before transformers warns
    import torch  # noqa: F401
    import transformers

    from engine.jobs import Cancelled, CancelToken
    from engine.training import default_settings
    from engine.training.evaluate import evaluate

    transformers.utils.logging.disable_progress_bar()
    settings = default_settings(
        "phase2",
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        patience=args.patience,
        device=args.device,
    )
    from engine.outputs import check_output_folder

    check_output_folder("--out", args.out, {"--phase1": args.phase1, "--data": args.data})
    print(f"Evaluating into {args.out} (rerun the same command to resume)", flush=True)

    def show(p) -> None:
        print(f"  [{p.done}/{p.total}] {p.message} ({p.elapsed_s:.0f} s)", flush=True)

    token = CancelToken()
    if args.lab_out:
        from engine.training.evaluate import evaluate_lab_out

        try:
            result = evaluate_lab_out(args.phase1, args.out, polymer=args.lab_out,
                                      seeds=_seeds(args.seeds), settings=settings,
                                      progress=show, cancel=token)
        except (KeyboardInterrupt, Cancelled):
            return _stopped(token, "labs")
        print(f"Leave one lab out on {result['polymer']} ({len(result['labs'])} labs), "
              "median over labs of each lab's median relative error:")
        for key, value in result["median_over_labs"].items():
            if value is not None:
                print(f"  {key.replace('_', ' ')}: {100 * value:.1f} %")
        print(f"Wrote {Path(args.out) / 'lab_out.json'}.")
        return 0
    try:
        results = evaluate(
            args.phase1,
            args.out,
            data=args.data,
            seeds=_seeds(args.seeds),
            settings=settings,
            keep_models=args.keep_models,
            progress=show,
            cancel=token,
        )
    except (KeyboardInterrupt, Cancelled):
        return _stopped(token, "folds")
    print(results.table())
    print(
        f"Wrote {Path(args.out) / 'evaluation.json'} and {Path(args.out) / 'predictions.csv'}"
        f" ({results.elapsed_s:.0f} s)."
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    # torch first: where it is missing, the ml extra is named before transformers warns
    import torch  # noqa: F401
    import transformers

    from engine.onnx_export import export_onnx
    from engine.outputs import check_outputs
    from engine.predictor import read_model_info

    transformers.utils.logging.disable_progress_bar()
    if Path(args.out).suffix.lower() != ".onnx":
        raise UserError(f"--out must end in .onnx, not {Path(args.out).suffix or 'nothing'!r}.")
    folder = Path(args.model_dir)
    check_outputs({"--out": args.out},
                  {f"model folder's {p.name}": p for p in folder.rglob("*") if p.is_file()}
                  if folder.is_dir() else {})
    path = export_onnx(
        args.model_dir, args.out, name=args.name, opset=args.opset,
        progress=lambda p: print(f"  {p.message}", flush=True),
    )
    info = read_model_info(path)
    print(
        f"Wrote {path}: model {info.name!r}, {info.members} member(s), "
        f"{path.stat().st_size / 1e6:.1f} MB."
    )
    return 0


def cmd_design(args: argparse.Namespace) -> int:
    from engine.design import Constraints, DesignConfig, parse_target, run_design
    from engine.jobs import Cancelled, CancelToken
    from engine.outputs import check_output_folder
    from engine.predictor import OnnxPredictor

    config = DesignConfig(
        targets=tuple(parse_target(t) for t in args.target),
        heat_flux_kw_m2=args.flux,
        thickness_mm=args.thickness,
        constraints=Constraints(
            require=tuple(args.require or ()),
            exclude=tuple(args.exclude or ()),
            elements=tuple(e.strip() for e in (args.elements or "").split(",") if e.strip()),
            near=args.near,
            min_similarity=args.min_similarity,
            molar_mass_g_mol=_mass_range(args.mass_range),
        ),
        strategy=args.strategy,
        budget=args.budget,
        n=args.n,
        seed=args.seed,
        batch_size=args.batch_size,
        families=tuple(f.strip() for f in args.families.split(",")) if args.families else None,
        backing=args.backing,
    )
    check_output_folder("--out", args.out)
    predictor = OnnxPredictor(args.model)
    token = CancelToken()
    wanted = ", ".join(str(t) for t in config.targets)
    limits = "; ".join(config.constraints.describe())
    print(f"Designing for {wanted} at {config.heat_flux_kw_m2:g} kW/m², "
          f"{config.thickness_mm:g} mm ({config.strategy}, {config.budget:,} polymers"
          + (f"; {limits}" if limits else "") + f") into {args.out}", flush=True)
    try:
        result = run_design(config, args.out, predictor=predictor, cancel=token,
                            progress=_progress_bar())
    except (KeyboardInterrupt, Cancelled):
        print(file=sys.stderr)
        return _stopped(token, "batches")
    print(file=sys.stderr)
    found = result.candidates
    if not len(found):
        print("No polymer passed the constraints; loosen them (see the counts in "
              f"{args.out}/design.json).")
        return 1
    if len(result.evaluated) < config.budget:
        refused = sum(result.counts.refused.values())
        print(f"The search ran out of polymers after {len(result.evaluated):,} of "
              f"{config.budget:,}: of {result.counts.drawn:,} recipes drawn in this run, "
              f"{refused:,} were refused by the constraints and the rest were polymers "
              "already predicted.")
    meets = int(found["meets_targets"].sum())
    resumed = (f", {result.batches_resumed} batch(es) resumed" if result.batches_resumed
               else "")
    print(f"{len(result.evaluated):,} polymers predicted in {result.elapsed_s:.0f} s{resumed}; "
          f"{int(result.evaluated['meets'].sum()):,} meet every target. "
          f"{meets} of the {len(found)} ranked candidates do in the full prediction, "
          f"{int(found['meets_at_interval_bound'].sum())} even at their interval's bound.")
    for row in found.head(5).itertuples():
        print(f"  {row.rank:>2}. {row.smiles}  t_ig {_shown(row.tig_s)} s, "
              f"pHRR {row.phrr_kw_m2:.0f} kW/m², THR {row.thr_mj_m2:.0f} MJ/m² "
              f"({row.family}; nearest tested {row.nearest_tested or '—'})")
    print(f"Wrote {', '.join(str(p) for p in result.files.values())}.")
    return 0


def _shown(value: float) -> str:
    return "—" if not math.isfinite(value) else f"{value:.0f}"


def _mass_range(text: str | None) -> tuple[float | None, float | None]:
    """``LOW:HIGH`` in g/mol, either side empty for open."""
    if text is None:
        return (None, None)
    low, sep, high = text.partition(":")
    try:
        if not sep:
            raise ValueError
        return (float(low) if low.strip() else None, float(high) if high.strip() else None)
    except ValueError:
        raise UserError(f"--mass-range {text!r} is not LOW:HIGH in g/mol, e.g. 80:400 "
                        "(either side may be left empty).") from None


def _progress_bar():
    """A bar redrawn in place on a terminal; a line per report elsewhere (a log file)."""
    tty = sys.stderr.isatty()

    def show(p) -> None:
        filled = int(30 * p.fraction)
        left = f", about {p.remaining_s:.0f} s left" if p.remaining_s else ""
        line = f"[{'#' * filled}{'.' * (30 - filled)}] {p.message} ({p.elapsed_s:.0f} s{left})"
        print(("\r" + line) if tty else line, end="" if tty else "\n", file=sys.stderr,
              flush=True)

    return show


def cmd_predict(args: argparse.Namespace) -> int:
    global _SAY_TO_STDERR
    from engine.outputs import check_outputs, is_stdout, write_csv
    from engine.prediction_table import predict_frame, read_tests_csv
    from engine.predictor import OnnxPredictor, default_model_path

    model = Path(args.model) if args.model else default_model_path()
    check_outputs({"--output": args.output, "--curves": args.curves},
                  {"--input": args.input, "--model": model})
    _SAY_TO_STDERR = is_stdout(args.output) or is_stdout(args.curves)
    table = read_tests_csv(args.input, encoding=args.encoding)
    predictor = OnnxPredictor(args.model)
    if args.level is not None and not 0 < args.level < 1:
        raise UserError(f"--level must lie between 0 and 1 (e.g. 0.8), not {args.level}.")
    result = predict_frame(predictor, table, progress=_progress_line(len(table.frame)),
                           level=args.level)
    write_csv(result.rounded(), args.output)
    if args.curves:
        write_csv(result.curves(), args.curves, float_format="%.1f")
    for line, message in result.errors:
        print(f"line {line}: {message}", file=sys.stderr)
    outside = sum(bool(e) for e in result.frame["extrapolation"])
    wrote = " and ".join(str(p) for p in (args.output, args.curves) if p and not is_stdout(p))
    _say(
        f"Predicted {len(result.prediction)} of {len(result.frame)} test(s)"
        f"{table.described_encoding} with model {predictor.info.name!r} "
        f"({predictor.info.members} member(s))"
        + (f"; {outside} outside the conditions it was trained on (see extrapolation)"
           if outside else "")
        + (f"; wrote {wrote}." if wrote else ".")
    )
    return 1 if result.errors else 0


def _progress_line(total: int):
    """Progress on stderr for long predictions (a line per chunk, only past one chunk)."""
    from engine.prediction_table import CHUNK

    if total <= CHUNK:
        return None

    def show(p) -> None:
        print(f"  {p.message} ({p.elapsed_s:.0f} s)", file=sys.stderr, flush=True)

    return show


def _describe_model(info) -> list[str]:
    """A model's card for ``trinity models``: origin, then each member's training."""
    lines = [
        f"{info.name}  ({info.path})",
        f"  {info.members} member(s), format {info.format_version}, Trinity "
        f"{info.trinity_version}, opset {info.opset}, exported {info.created}",
        f"  HRR curve: {len(info.time_grid_s)} points, 0–{info.time_grid_s[-1]:g} s",
    ]
    for member, config in info.training.items():
        metrics = info.metrics.get(member) or {}
        data = (info.provenance.get(member) or {}).get("data", {})
        loss = metrics.get("best_val_loss")
        loss = f"{loss:.4f}" if isinstance(loss, float) else "n/a"
        lines.append(
            f"  {member}: {config.get('phase')}, best epoch {metrics.get('best_epoch', -1) + 1} "
            f"of {len(metrics.get('epochs', []))}, validation loss {loss}, "
            f"{metrics.get('train_rows')} training / {metrics.get('val_rows')} validation tests"
        )
        lines.append(
            f"    data: {data.get('kind')} {data.get('path')} "
            f"(sha256 {str(data.get('sha256'))[:12]})"
        )
    if info.recipe:
        recipe = info.recipe["recipe"]
        lines.append(
            f"  recipe: {recipe['synthetic']['n_polymers']} synthetic polymers (seed "
            f"{recipe['synthetic']['seed']}), phase 1 {recipe['phase1']['epochs']} epochs, "
            f"phase 2 on {recipe['data']} data, seeds {recipe['seeds']}; code "
            f"{(info.recipe.get('git') or {}).get('commit', 'unknown')[:10]}"
        )
    if info.evaluation:
        lines += _describe_evaluation(info.evaluation)
    if info.calibration:
        lines.append("  predictions per target: " + ", ".join(
            f"{t} {m.replace('_', '-')}" for t, m in info.calibration.methods.items()))
        lines += _describe_calibration(info.calibration)
    else:
        lines.append("  intervals: the ensemble's spread, not calibrated on held-out polymers "
                     "(calibrate with `trinity calibrate MODEL.onnx --out MODEL.onnx`)")
    return lines


def _describe_evaluation(report: dict) -> list[str]:
    """Held-out errors of each method, as `trinity evaluate` measured them."""
    labels = {"physics": "physics only", "single": "single-phase", "two_phase": "two-phase"}
    lines = [
        f"  leave-one-polymer-out ({report['polymers']} polymers, {report['tests']} tests, "
        f"seeds {report['seeds']}), median / mean relative error over all fluxes:"
    ]
    for method, label in labels.items():
        scores = report["scores"].get(method, {}).get("all_fluxes", {})
        cells = [
            f"{target} {100 * s['median_relative_error']:.0f} / "
            f"{100 * s['mean_relative_error']:.0f} %"
            for target, s in scores.items()
        ]
        lines.append(f"    {label:<14}" + ", ".join(cells))
    return lines


def cmd_models(args: argparse.Namespace) -> int:
    from engine.predictor import PredictorError, default_model_path, read_model_info

    default = default_model_path()
    paths = [Path(p) for p in args.models]
    if default.is_file():
        paths.insert(0, default)
    else:
        print(f"No default model is installed ({default} is missing).")
    failed = 0
    for path in paths:
        try:
            print("\n".join(_describe_model(read_model_info(path))))
        except PredictorError as exc:
            print(f"trinity models: {exc}", file=sys.stderr)
            failed += 1
    return EXIT_USAGE if failed else 0


def cmd_recipe(args: argparse.Namespace) -> int:
    # torch first: where it is missing, the ml extra is named before transformers warns
    import torch  # noqa: F401
    import transformers

    from engine.jobs import Cancelled, CancelToken
    from engine.synthetic import SyntheticConfig
    from engine.training import default_settings
    from engine.training.recipe import (
        SHIPPED_DRAWS,
        SHIPPED_PHASE1_EPOCHS,
        SHIPPED_POLYMERS,
        SHIPPED_SEEDS,
        Recipe,
        build_default_model,
    )

    transformers.utils.logging.disable_progress_bar()
    seeds = _seeds(args.seeds) or list(SHIPPED_SEEDS)
    recipe = Recipe(
        synthetic=SyntheticConfig(n_polymers=args.polymers or SHIPPED_POLYMERS,
                                  seed=args.synthetic_seed, draws_per_polymer=SHIPPED_DRAWS,
                                  vary_physics=True),
        seeds=tuple(seeds),
        size=args.size,
        init=args.init,
        phase1=default_settings("phase1", epochs=args.phase1_epochs or SHIPPED_PHASE1_EPOCHS,
                                device=args.device),
        phase2=default_settings("phase2", device=args.device),
        data=args.data,
        evaluate=not args.no_evaluate,
    )
    from engine.outputs import check_output_folder

    check_output_folder("--out", args.out, {"--init": args.init, "--data": args.data})
    print(f"Building the default model in {args.out} (rerun the same command to resume)",
          flush=True)
    def show(p) -> None:
        if getattr(p, "epoch_done", True):  # training: one line per epoch, not per step
            print(f"  {p.message} ({p.elapsed_s:.0f} s)", flush=True)

    token = CancelToken()
    try:
        result = build_default_model(args.out, recipe, progress=show, cancel=token)
    except (KeyboardInterrupt, Cancelled):
        return _stopped(token, "steps")
    took = ", ".join(f"{step} {s:.0f} s" for step, s in result.step_seconds.items())
    print(f"Model: {result.model_dir} (recipe.json, evaluation.json beside it); {took}.")
    if result.onnx_path is not None:
        print(f"ONNX: {result.onnx_path}; copy it to resources/models/default.onnx to ship it.")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from engine.demo import run_demo
    from engine.outputs import check_output_folder

    check_output_folder("--out", args.out)
    run_demo(Path(args.out), echo=print)
    return 0


def cmd_self_test(args: argparse.Namespace) -> int:
    from engine.self_test import run_self_test

    results = run_self_test(only=args.check)
    return 0 if all(r.ok for r in results) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="trinity",
        description="Predict how a polymer burns in a cone calorimeter from its repeat unit.",
    )
    parser.add_argument("--version", action="version", version=f"trinity {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    from engine.thermal.limits import HEATING_RATE, INITIAL_MASS, MAX_STEPS

    def polymer_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("smiles", help="repeat unit with two * (copolymers: units joined by .)")
        p.add_argument("--fractions", help="copolymer fractions, comma separated, e.g. 0.7,0.3")
        p.add_argument(
            "--basis",
            choices=("mole", "mass"),
            default="mole",
            help="basis of --fractions (default: mole)",
        )

    gc = sub.add_parser("gc", help="material properties by group contribution")
    polymer_args(gc)
    gc.add_argument("--json", action="store_true", help="print JSON (SI units)")
    gc.set_defaults(func=cmd_gc)

    depict = sub.add_parser("depict", help="draw a repeat unit to SVG or PNG")
    polymer_args(depict)
    depict.add_argument("--out", required=True, help="output file, .svg or .png")
    depict.add_argument("--width", type=_whole(IMAGE_SIZE), default=400, help="pixels")
    depict.add_argument("--height", type=_whole(IMAGE_SIZE), default=300, help="pixels")
    depict.set_defaults(func=cmd_depict)

    sim = sub.add_parser("simulate", help="simulate a cone calorimeter test")
    source = sim.add_mutually_exclusive_group()
    source.add_argument("--smiles", help="repeat unit; properties by group contribution")
    source.add_argument("--material", help="material JSON file (PHYSICS.md §4 format)")
    sim.add_argument("--fractions", help="copolymer fractions for --smiles, e.g. 0.7,0.3")
    sim.add_argument("--basis", choices=("mole", "mass"), default="mole")
    sim.add_argument("--flux", type=number_argument(HEAT_FLUX), required=True,
                     help=f"cone heat flux, {HEAT_FLUX.describe()}")
    sim.add_argument("--thickness", type=number_argument(THICKNESS), required=True,
                     help=f"sample thickness, {THICKNESS.describe()}")
    sim.add_argument(
        "--flame-flux",
        type=number_argument(FLAME_FLUX),
        default=20.0,
        help=f"flame heat flux added after ignition, {FLAME_FLUX.describe()} (default 20)",
    )
    sim.add_argument("--backing", choices=("insulated", "blanket"), default="insulated")
    sim.add_argument("--engine", choices=("builtin", "fds"), default="builtin")
    sim.add_argument("--fds", help="FDS executable for --engine fds (default: TRINITY_FDS, PATH)")
    sim.add_argument("--fds-workdir", default="fds-run", help="working folder for --engine fds")
    out = sim.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print metrics and curves as JSON")
    sim.add_argument("--csv", help="write the curves to this CSV file (- for standard output)")
    sim.set_defaults(func=cmd_simulate)

    gen = sub.add_parser("generate", help="synthetic data: hypothetical polymers → GC → cone")
    gen.add_argument("--n", type=_count, required=True, help="number of hypothetical polymers")
    gen.add_argument("--out", required=True, help="data-set folder (resumed if it exists)")
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--flux", default="25,50,75", help="heat fluxes, kW/m² (default 25,50,75)")
    gen.add_argument("--thickness", default="3,6", help="thicknesses, mm (default 3,6)")
    gen.add_argument("--chunk-size", type=_count, default=200, help="polymers per saved chunk")
    gen.add_argument("--draws", type=int, default=0,
                     help="conditions drawn per polymer over 10–100 kW/m² and 1–50 mm, "
                     "log-uniform (default 0: the --flux × --thickness grid)")
    gen.add_argument("--vary-physics", action="store_true",
                     help="simulate a plausible material drawn around each GC estimate")
    where = gen.add_mutually_exclusive_group()
    where.add_argument(
        "--workers",
        type=int,
        help="local processes (default 1: the solver already uses every core)",
    )
    where.add_argument("--scheduler", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    gen.set_defaults(func=cmd_generate)

    train = sub.add_parser("train", help="train the language model (phase 1, phase 2, baseline)")
    phases = train.add_subparsers(dest="phase", metavar="PHASE", required=True)
    phase1 = phases.add_parser("phase1", help="pretrain on a synthetic data set")
    phase2 = phases.add_parser("phase2", help="finetune a phase-1 model on experimental data")
    single = phases.add_parser("single", help="baseline: experimental data only, no phase 1")
    phase1.add_argument("--data", required=True, help="synthetic data-set folder")
    phase2.add_argument("--init", required=True, help="phase-1 model folder (or ensemble)")
    for p in (phase2, single):
        p.add_argument(
            "--data", required=True, help="experimental CSV, or 'shipped' for the shipped tests"
        )
    for p in (phase1, single):
        p.add_argument("--size", choices=("small", "molformer"), default="small")
        p.add_argument("--init", help="folder with MoLFormer-XL weights to start from")
    for p in (phase1, phase2, single):
        p.add_argument("--out", required=True, help="model folder (resumed if it exists)")
        p.add_argument("--epochs", type=int, help="most epochs (default: the phase's)")
        p.add_argument("--batch-size", type=int, help="tests per step (default: the phase's)")
        p.add_argument("--lr", type=float, help="peak learning rate (default: the phase's)")
        p.add_argument("--patience", type=int, help="epochs without improvement before stopping")
        p.add_argument("--seed", type=int, help="random seed (default 0)")
        p.add_argument("--seeds", help="train an ensemble, one member per seed, e.g. 0,1,2")
        p.add_argument(
            "--device",
            choices=("auto", "cpu", "cuda", "mps"),
            default="auto",
            help="where to train (default: CUDA, else MPS, else CPU)",
        )
        p.set_defaults(func=cmd_train)

    ev = sub.add_parser(
        "evaluate", help="leave-one-polymer-out: physics vs single-phase vs two-phase"
    )
    ev.add_argument("--phase1", help="phase-1 model folder (or ensemble); without it, the "
                    "physics and physics-informed methods only (a minute, no training)")
    ev.add_argument("--level", type=float, default=0.8,
                    help="interval level whose coverage is checked (default 0.8)")
    ev.add_argument("--data", default="shipped", help="experimental CSV, or 'shipped' (default)")
    ev.add_argument("--seeds", help="seeds, e.g. 0,1,2 (default: the phase-1 model's)")
    ev.add_argument("--out", default="evaluation", help="report folder (resumed if it exists)")
    ev.add_argument("--epochs", type=int, help="most epochs of phase 2 and the baseline")
    ev.add_argument("--batch-size", type=int, help="tests per step (default: phase 2's)")
    ev.add_argument("--lr", type=float, help="peak learning rate (default: phase 2's)")
    ev.add_argument("--patience", type=int, help="epochs without improvement before stopping")
    ev.add_argument(
        "--device",
        choices=("auto", "cpu", "cuda", "mps"),
        default="auto",
        help="where to train (default: CUDA, else MPS, else CPU)",
    )
    ev.add_argument("--keep-models", action="store_true", help="keep each fold's models")
    ev.add_argument("--lab-out", metavar="POLYMER",
                    help="instead: leave one laboratory out on this polymer's shipped tests "
                    "(e.g. PMMA), both learnt methods")
    ev.set_defaults(func=cmd_evaluate)

    cal = sub.add_parser(
        "calibrate", help="intervals from held-out polymers, written into an ONNX model")
    cal.add_argument("model", help="Trinity ONNX model file")
    cal.add_argument("--out", required=True, help="ONNX file to write (may be the model)")
    cal.add_argument("--data", default="shipped", help="experimental CSV, or 'shipped' (default)")
    cal.add_argument("--level", type=float, default=0.8, help="default interval level (0.8)")
    cal.add_argument("--report", help="also write the evaluation and parity plots here")
    cal.set_defaults(func=cmd_calibrate)

    export = sub.add_parser("export", help="export a model directory or ensemble to ONNX")
    export.add_argument("model_dir", help="model directory, or an ensemble folder")
    export.add_argument("--out", required=True, help="ONNX file to write")
    export.add_argument("--name", help="model name stored in the file (default: folder name)")
    export.add_argument(
        "--opset", type=int, default=DEFAULT_OPSET, help=f"ONNX opset (default {DEFAULT_OPSET})"
    )
    export.set_defaults(func=cmd_export)

    predict = sub.add_parser("predict", help="predict cone tests from a CSV with an ONNX model")
    predict.add_argument("--model", help="ONNX model file (default: the shipped model)")
    predict.add_argument(
        "--input", required=True, help="CSV with smiles, heat_flux_kw_m2, thickness_mm"
    )
    predict.add_argument("--output", required=True,
                         help="CSV to write, input plus predictions (- for standard output)")
    predict.add_argument("--curves", help="also write the HRR curves here, in long format")
    predict.add_argument("--encoding",
                         help="the input's text encoding, e.g. cp1252 (default: detected)")
    predict.add_argument("--level", type=float,
                         help="interval level, e.g. 0.9 (default: the model's, 0.8)")
    predict.set_defaults(func=cmd_predict)

    design = sub.add_parser(
        "design", help="search hypothetical polymers for candidates that meet fire targets")
    design.add_argument("--target", action="append", required=True,
                        help='e.g. "tig_s>=60" or "phrr_kw_m2<=300" (repeatable)')
    design.add_argument("--flux", type=number_argument(HEAT_FLUX), default=50.0,
                        help="kW/m² (default 50)")
    design.add_argument("--thickness", type=number_argument(THICKNESS), default=6.0,
                        help="mm (default 6)")
    design.add_argument("--backing", choices=("insulated", "blanket"), default="insulated")
    design.add_argument("--near", metavar="SMILES",
                        help="keep candidates alike to this starting polymer")
    design.add_argument("--min-similarity", type=float, default=0.4,
                        help="Tanimoto similarity to --near a candidate needs (default 0.4)")
    design.add_argument("--require", action="append", metavar="SMARTS",
                        help="substructure a candidate must contain (repeatable)")
    design.add_argument("--exclude", action="append", metavar="SMARTS",
                        help="substructure a candidate must not contain (repeatable)")
    design.add_argument("--elements", help="heavy elements allowed, e.g. C,O,N (H always is)")
    design.add_argument("--mass-range", metavar="LOW:HIGH",
                        help="repeat unit molar mass in g/mol, e.g. 80:400")
    design.add_argument("--families", help="generator families to search (default: all)")
    design.add_argument("--strategy", choices=("guided", "screen"), default="guided",
                        help="guided search (default) or plain screening")
    design.add_argument("--budget", type=_count, default=5000,
                        help="polymers to predict (default 5000)")
    design.add_argument("--n", type=_count, default=50, help="candidates to rank (default 50)")
    design.add_argument("--seed", type=int, default=0)
    design.add_argument("--batch-size", type=_count, default=500)
    design.add_argument("--model", help="ONNX model file (default: the shipped model)")
    design.add_argument("--out", required=True,
                        help="design folder (resumed if it holds this design)")
    design.set_defaults(func=cmd_design)

    models = sub.add_parser("models", help="show the shipped model and ONNX files given")
    models.add_argument("models", nargs="*", metavar="MODEL.onnx", help="ONNX files to show")
    models.set_defaults(func=cmd_models)

    recipe = sub.add_parser(
        "recipe", help="reproduce the shipped model: generate, phase 1, evaluate, phase 2, ONNX"
    )
    recipe.add_argument("--out", required=True, help="recipe folder (resumed if it exists)")
    recipe.add_argument("--polymers", type=int,
                        help="hypothetical polymers in the synthetic set (default 20000)")
    recipe.add_argument("--synthetic-seed", type=int, default=0)
    recipe.add_argument("--seeds", help="ensemble seeds (default 0,1,2)")
    recipe.add_argument("--phase1-epochs", type=int, help="phase-1 epochs (default 3)")
    recipe.add_argument("--size", choices=("small", "molformer"), default="small")
    recipe.add_argument("--init", help="folder with MoLFormer-XL weights to start from")
    recipe.add_argument("--data", default="shipped",
                        help="experimental CSV, or 'shipped' (default)")
    recipe.add_argument("--no-evaluate", action="store_true",
                        help="skip the leave-one-polymer-out evaluation")
    recipe.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), default="auto")
    recipe.set_defaults(func=cmd_recipe)

    cone = sub.add_parser(
        "cone", help="ISO 5660 results of cone calorimeter files, as the lab exported them"
    )
    cone.add_argument("files", nargs="+", metavar="FILE",
                      help="cone test files (logger exports, gas-analysis tables, curves)")
    cone.add_argument("--json", action="store_true", help="one JSON object per file")
    cone.add_argument("--recompute", action="store_true",
                      help="heat release by oxygen consumption even where the file has it")
    cone.set_defaults(func=cmd_cone)

    kin = sub.add_parser("kinetics", help="Arrhenius steps fitted to TGA or MCC curves")
    kin.add_argument("files", nargs="+", metavar="FILE",
                     help="TGA or MCC files (one or several heating rates, fitted together)")
    kin.add_argument("--heating-rate", type=number_argument(HEATING_RATE),
                     help="K/min, for files that state none and have no time column")
    kin.add_argument("--initial-mass", type=number_argument(INITIAL_MASS),
                     help="mg, for files with masses in mg that do not state the initial mass")
    kin.add_argument("--steps", type=int, choices=range(1, MAX_STEPS + 1),
                     help="number of steps (default: chosen from the curves)")
    kin.add_argument("--scheme", choices=("parallel", "consecutive"), default="parallel",
                     help="independent shares of the sample (default) or a chain "
                          "virgin → intermediate → … → residue")
    kin.add_argument("--smiles", help="repeat unit for --material-out (default: from the file)")
    kin.add_argument("--material-out", help="write a cone material JSON (GC + these kinetics)")
    kin.add_argument("--json", action="store_true", help="print the steps and fit as JSON")
    kin.set_defaults(func=cmd_kinetics)

    demo = sub.add_parser("demo", help="run the pipeline on the shipped polymers, headless")
    demo.add_argument("--out", default="trinity-demo", help="output folder")
    demo.set_defaults(func=cmd_demo)

    from engine.self_test import CHECKS

    check = sub.add_parser(
        "self-test", help="check this installation end to end (model, cone, data, training)"
    )
    check.add_argument("--check", action="append", choices=list(CHECKS),
                       help="run only this check (repeatable; default: all)")
    check.set_defaults(func=cmd_self_test)
    return parser


def _whole(limit: Limit):
    """An argparse ``type``: a whole number inside ``limit``."""

    def parse(text: str) -> int:
        try:
            value = parse_number(text, limit.label, limit.unit)
            if value != int(value):
                raise QuantityError(f"{limit.label} {text!r} must be a whole number.")
            return int(limit.check(value))
        except QuantityError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse.__name__ = limit.label
    return parse


def _count(text: str) -> int:
    """An argparse ``type``: a positive whole number written in ASCII digits."""
    if not (text.strip().isascii() and text.strip().isdigit() and int(text) > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    from engine.gc.groups import CoverageError
    from engine.polymer import PolymerError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as done:  # --help, --version, or the one-line usage error
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except (UserError, PolymerError, CoverageError, ValueError) as exc:
        print(f"trinity {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # `trinity … --csv - | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"trinity {args.command}: {exc.strerror or exc}{where}.", file=sys.stderr)
        return EXIT_USAGE
    except Exception as exc:  # a bug: still one sentence, never a traceback
        from engine.extras import missing_extra

        extra = missing_extra(exc) if isinstance(exc, ModuleNotFoundError) else None
        if extra is not None:  # an optional part of Trinity is not installed
            print(f"trinity {args.command}: {extra}", file=sys.stderr)
            return EXIT_USAGE
        print(
            f"trinity {args.command}: unexpected internal error ({type(exc).__name__}: {exc}); "
            "please report it.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
