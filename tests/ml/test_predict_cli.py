"""The `python -m ml.predict` contract that other tools rely on."""

import json
import os
import subprocess
import sys

import numpy as np

from ml import synth

from .conftest import digits_for


def run_cli(model_path, *args):
    env = {**os.environ, "DIGITSIGHT_MODEL": str(model_path)}
    return subprocess.run(
        [sys.executable, "-m", "ml.predict", *map(str, args)], capture_output=True, text=True, env=env
    )


def write_photo(path, clear_digits, number):
    image = synth.render_number(digits_for(clear_digits, number), np.random.default_rng(2), height=40)
    path.write_bytes(synth.encode(image, 90))
    return path


def test_it_prints_one_json_object_per_input(model_path, clear_digits, tmp_path):
    first = write_photo(tmp_path / "a.jpg", clear_digits, "31")
    second = write_photo(tmp_path / "b.jpg", clear_digits, "809")
    done = run_cli(model_path, "--json", first, second)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [row["file"] for row in rows] == [str(first), str(second)]
    assert [[n["number"] for n in row["numbers"]] for row in rows] == [["31"], ["809"]]
    assert set(rows[0]) == {"file", "numbers", "needs_review", "elapsed_ms"}
    number = rows[1]["numbers"][0]
    assert set(number) == {"number", "confidence", "box", "line", "digits"}
    assert len(number["box"]) == 4 and number["line"] == 0
    assert [set(d) for d in number["digits"]] == [{"digit", "confidence", "box"}] * 3


def test_it_reads_every_image_in_a_directory(model_path, clear_digits, tmp_path):
    write_photo(tmp_path / "1.png", clear_digits, "5")
    write_photo(tmp_path / "2.jpg", clear_digits, "62")
    (tmp_path / "notes.txt").write_text("not an image, not listed")
    done = run_cli(model_path, "--json", tmp_path)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [os.path.basename(row["file"]) for row in rows] == ["1.png", "2.jpg"]


def test_it_reports_unreadable_inputs_and_exits_1_after_the_rest(model_path, clear_digits, tmp_path):
    broken = tmp_path / "broken.png"
    broken.write_text("hello")
    good = write_photo(tmp_path / "good.jpg", clear_digits, "74")
    done = run_cli(model_path, "--json", broken, good, tmp_path / "missing.jpg")
    assert done.returncode == 1
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert rows[0]["file"] == str(broken) and "not an image" in rows[0]["error"]
    assert [n["number"] for n in rows[1]["numbers"]] == ["74"]
    assert set(rows[2]) == {"file", "error"}


def test_it_prints_a_human_readable_line_without_json(model_path, clear_digits, tmp_path):
    photo = write_photo(tmp_path / "p.jpg", clear_digits, "90")
    done = run_cli(model_path, photo)
    assert done.returncode == 0
    assert done.stdout.startswith(f"{photo}: 90 (") and "ms" in done.stdout


def test_it_reads_without_importing_tensorflow(model_path, clear_digits, tmp_path):
    photo = write_photo(tmp_path / "p.jpg", clear_digits, "38")
    script = (
        "import sys\nfrom ml.reader import get_reader\n"
        "reader = get_reader()\nassert reader is get_reader()\n"
        "print(reader.read(sys.argv[1])['numbers'][0]['number'])\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules, 'matplotlib' in sys.modules)\n"
    )
    env = {**os.environ, "DIGITSIGHT_MODEL": str(model_path)}
    done = subprocess.run([sys.executable, "-c", script, str(photo)], capture_output=True, text=True, env=env)
    assert done.stdout.splitlines() == ["38", "False False False"], done.stderr
