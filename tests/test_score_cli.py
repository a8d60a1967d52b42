"""`score` compares generated cohorts with the paper, and refuses any other cohort."""

from __future__ import annotations

import pandas as pd

from nettx_utils import cli
from nettx_utils.chapter import SYNTHETIC_CAPTION
from nettx_utils.cohort import DEFAULT_COHORT
from nettx_utils.export import SOURCE_COLUMN


def test_score_refuses_a_cohort_that_is_not_synthetic(tmp_path, capsys):
    centre = tmp_path / "centre.csv"
    frame = pd.read_csv(DEFAULT_COHORT)
    frame["patient_id"] = [f"C{i:03d}" for i in range(len(frame))]
    frame.to_csv(centre, index=False)
    out = tmp_path / "score.csv"
    assert cli.main(["score", "--data", str(centre), "--out", str(out)]) == 2
    message = capsys.readouterr().err
    assert "centre.csv: not a synthetic cohort" in message and "run --data" in message
    assert "Traceback" not in message and not out.exists()


def test_the_score_of_the_synthetic_cohort_is_labelled(tmp_path, capsys):
    out = tmp_path / "score.csv"
    assert cli.main(["score", "--out", str(out)]) == 0
    table = pd.read_csv(out)
    assert set(table[SOURCE_COLUMN]) == {SYNTHETIC_CAPTION}
    assert "336 of 336" in capsys.readouterr().out
