"""Other hands: number photos written with handwriting fonts' digits, read per font package.

    python -m ml.evaluate --hands havana,kiloji,cabinsketch [--per-condition 150]

MNIST's writers are mostly American; a class elsewhere writes other 1s, 4s and 7s. Each
package's evaluation renders (ml.fonts.EVAL_SEED, never the training renders) are the digit
pool of ml.synth's clean, mixed and touching photos, read like the number benchmark. Only the
allowed fonts can be loaded (ml.fonts). The shipped digit model learned every allowed package's
glyphs (other renders): compare line models leaving packages out (ml.train_lines --hold-out).
"""

from __future__ import annotations

CONDITIONS = ("clean", "mixed", "touching")
RENDERS = 60  # per digit and font file: 600 digits per file to draw numbers from
SEED = 11
KEYS = ("overall", "silent_errors", "flagged", "flagged_correct")


def hands_benchmark(reader, names: str, per_condition: int, conditions=CONDITIONS) -> dict:
    """Per package: exact match, silent errors and flags, overall and per condition."""
    from ml import fonts
    from ml.evaluate import number_benchmark

    chosen = fonts.select(names)
    if not chosen:
        raise SystemExit("--hands: no allowed handwriting font is installed (scripts/system-deps.sh --train)")
    packages = {}
    for package in sorted({f.package for f in chosen}):
        x, y, _ = fonts.renders([f for f in chosen if f.package == package], RENDERS, fonts.EVAL_SEED)
        result = number_benchmark(reader, per_condition, SEED, (x, y), extra=False, only=conditions)
        packages[package] = {**{k: result[k] for k in KEYS}, "by_condition": result["by_condition"]}
    return {"model_version": reader.model_version, "per_condition": per_condition, "packages": packages}


def print_report(result: dict) -> None:
    print(f"other hands, {result['per_condition']} photos per condition ({result['model_version']})")
    print(f"  {'package':22s} {'exact':>6s} {'silent':>7s} {'flagged':>8s} {'flag/ok':>8s}   by condition")
    for package, row in result["packages"].items():
        conditions = "  ".join(f"{c} {v['accuracy']:.3f}" for c, v in row["by_condition"].items())
        print(
            f"  {package:22s} {row['overall']:6.3f} {row['silent_errors']:7.3f} {row['flagged']:8.3f} "
            f"{row['flagged_correct']:8.3f}   {conditions}"
        )
