"""Loading a cohort file and checking it against the data dictionary."""

import pandas as pd
import pytest

from nettx_utils.data.cohort import load_cohort
from nettx_utils.data.dictionary import load_dictionary
from nettx_utils.errors import CohortError
from tests.conftest import random_cohort


def test_valid_cohort_loads_with_dictionary_types(cohort_file):
    cohort = load_cohort(cohort_file)
    assert len(cohort) == 12
    assert cohort["died"].dtype == "boolean"
    assert cohort["months_lt_to_recurrence"].dtype == "float64"
    assert isinstance(cohort["sex"].dtype, pd.CategoricalDtype)
    assert list(cohort["sex"].cat.categories) == list(load_dictionary()["sex"].levels)


def test_comment_header_is_skipped(tmp_path):
    """A centre's file may start with comment lines; the shipped cohort has none (below)."""
    path = tmp_path / "c.csv"
    path.write_text("# SYNTHETIC data\n# second line\n" + random_cohort().to_csv(index=False))
    assert len(load_cohort(path)) == 12


def test_the_shipped_cohort_loads_as_plain_pandas_reads_it():
    """data/cohort.csv starts with its header: the loader and pandas' defaults agree."""
    from nettx_utils.project import DEFAULT_COHORT

    cohort, plain = load_cohort(), pd.read_csv(DEFAULT_COHORT)
    assert len(cohort) == len(plain) == 32
    assert list(cohort.columns) == list(plain.columns) == load_dictionary().names
    assert cohort["patient_id"].tolist() == plain["patient_id"].tolist()
    assert cohort["died"].astype(int).tolist() == plain["died"].tolist()
    pd.testing.assert_series_equal(cohort["mib1_lt_pct"], plain["mib1_lt_pct"])


def test_boolean_words_are_accepted(tmp_path):
    table = random_cohort()
    table["acute_rejection"] = ["Yes", "no", "TRUE", "false", "1", "0"] * 2
    path = tmp_path / "c.csv"
    table.to_csv(path, index=False)
    assert (
        load_cohort(path)["acute_rejection"].tolist() == [True, False, True, False, True, False] * 2
    )


def _error(tmp_path, table) -> str:
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(CohortError) as info:
        load_cohort(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_missing_column_is_named(tmp_path):
    message = _error(tmp_path, random_cohort().drop(columns=["died"]))
    assert "missing required column(s) died" in message


def test_unknown_category_names_column_rows_and_levels(tmp_path):
    table = random_cohort()
    table.loc[3, "sex"] = "F"
    message = _error(tmp_path, table)
    assert "'sex'" in message and "row 5" in message and "female, male" in message


def test_negative_duration_is_refused(tmp_path):
    table = random_cohort()
    table.loc[0, "months_lt_to_recurrence"] = -3
    message = _error(tmp_path, table)
    assert "months_lt_to_recurrence" in message and "row 2" in message and "negative" in message


def test_duplicate_patient_id(tmp_path):
    table = random_cohort()
    table.loc[1, "patient_id"] = table.loc[0, "patient_id"]
    assert "repeats" in _error(tmp_path, table)


def test_death_cause_without_death(tmp_path):
    table = random_cohort()
    alive = table.index[table["died"] == 0][0]
    table.loc[alive, "death_cause"] = "other"
    assert "died = 0" in _error(tmp_path, table)


def test_non_numeric_value(tmp_path):
    table = random_cohort()
    table["age_at_lt_years"] = table["age_at_lt_years"].astype(str)
    table.loc[2, "age_at_lt_years"] = "fifty"
    message = _error(tmp_path, table)
    assert "'fifty'" in message and "row 4" in message and "expected a number" in message


def test_in_the_shipped_cohort_an_empty_lrt_count_means_no_lrt():
    """What data/dictionary.yml says of n_pre_lt_lrt holds for data/cohort.csv."""
    cohort = load_cohort()
    treated = cohort["pre_lt_locoregional"].astype(bool)
    assert cohort["n_pre_lt_lrt"].notna().eq(treated).all()
    assert (cohort.loc[treated, "n_pre_lt_lrt"] >= 1).all()


def test_the_synthetic_ages_carry_the_slack_the_book_discloses():
    """book/synthetic_cohort.md and the dictionary: for some patients the age at recurrence
    is off age at LT + TTR / 12 by more than one-decimal rounding explains (0.05 + 0.05 +
    0.05 / 12 years), by a few tenths of a year at most, within the loader's tolerance."""
    import warnings

    from nettx_utils.data.cohort import AGE_TOLERANCE_YEARS, age_gap_years, check_ages

    gap = age_gap_years(load_cohort()).abs()
    rounding = 0.05 + 0.05 + 0.05 / 12
    assert (gap > rounding + 1e-9).sum() >= 2
    assert gap.max() < 0.5 < AGE_TOLERANCE_YEARS
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(check_ages(load_cohort())) == 0


def test_the_template_dictionary_sheet_carries_the_notes():
    from nettx_utils.data.template import dictionary_frame

    frame = dictionary_frame().set_index("column")
    assert frame.loc["n_pre_lt_lrt", "note"].startswith("Counted only for patients")
    assert frame.loc["sex", "note"] == ""
