"""`score` compares generated cohorts with the paper, and refuses any other cohort."""

from __future__ import annotations

import pandas as pd

from nettx_utils.build import cli
from nettx_utils.pages.provenance import SYNTHETIC_CAPTION
from nettx_utils.pages.table_export import SOURCE_COLUMN
from nettx_utils.paper.published import flagged_ids, load_consistency_audit, load_published_values
from nettx_utils.project import DEFAULT_COHORT


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
    # every value the audit does not flag is reproduced; the counts come from the files
    published, audit = load_published_values(), load_consistency_audit()
    computable = published["computable"]
    flagged = published["id"].isin(flagged_ids(audit))
    n, m = int((computable & ~flagged).sum()), int((computable & flagged).sum())
    assert m == len(flagged_ids(audit)) and n + m == int(computable.sum())
    out = capsys.readouterr().out
    assert f"reproduced {n} of {n} published values ({m} flagged inconsistent)" in out
    assert sum(line.startswith("⚑ ") for line in out.splitlines()) == m
