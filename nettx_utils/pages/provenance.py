"""Provenance labels: the sentences an exported file carries to say where its numbers come from.

:func:`data_label` is the one sentence (the synthetic cohort's
:data:`SYNTHETIC_CAPTION`, another cohort's file name and the nettx version, or a
simulation's seed, :func:`simulation_label`); :func:`about_lines` are the lines of an
Excel file's "About" sheet.
"""

from __future__ import annotations

from pathlib import Path

from nettx_utils.errors import NettxError


def _version() -> str:
    from nettx_utils import __version__

    return __version__


def simulation_label(seed: int) -> str:
    """The sentence that marks a file computed from simulated studies only.

    Such a file (chapter 13's power figure) holds no patient's data, synthetic or
    real, so it is the same on every cohort; the seed makes it reproducible.

    Examples
    --------
    >>> simulation_label(2021).startswith("Simulated studies (seed 2021) by nettx ")
    True
    >>> simulation_label(2021).endswith("no patient data, synthetic or real, enter it.")
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise NettxError(f"simulation_seed must be a whole number, not {seed!r}.")
    return f"Simulated studies (seed {seed}) by nettx {_version()}; no patient data, synthetic or real, enter it."


def data_label(
    synthetic: bool,
    cohort_file: str | Path | None = None,
    *,
    simulation_seed: int | None = None,
) -> str:
    """The sentence that says, inside an exported file, where its numbers come from.

    On the synthetic cohort it is :data:`SYNTHETIC_CAPTION`. On
    another cohort it names the cohort's file by its name only (a full path can hold
    a person's name) and the nettx version that computed the numbers. With
    ``simulation_seed`` the file holds simulated studies only, whatever the cohort:
    :func:`simulation_label`.

    Examples
    --------
    >>> data_label(True) == SYNTHETIC_CAPTION
    True
    >>> label = data_label(False, "/home/dr_rossi/centre.csv")
    >>> label.startswith("Computed from your cohort (centre.csv) by nettx "), "rossi" in label
    (True, False)
    >>> data_label(True, simulation_seed=7).startswith("Simulated studies (seed 7)")
    True
    """
    if simulation_seed is not None:
        return simulation_label(simulation_seed)
    if synthetic:
        return SYNTHETIC_CAPTION
    name = Path(str(cohort_file)).name if cohort_file else ""
    name = "".join(char for char in name if char.isprintable())
    where = f" ({name})" if name else ""
    return f"Computed from your cohort{where} by nettx {_version()}, not from the paper's patients."


def about_lines(
    synthetic: bool,
    cohort_file: str | Path | None = None,
    *,
    caption: str | None = None,
    simulation_seed: int | None = None,
) -> list[str]:
    """The lines of an exported Excel file's "About" sheet: the table's caption (with
    the marks' legend, see :func:`~nettx_utils.pages.table_export.save_table`) when it
    has one, then where the numbers come from and how they are rounded.

    Examples
    --------
    >>> about_lines(True)[0] == SYNTHETIC_CAPTION, "Sposito" in about_lines(True)[1]
    (True, True)
    >>> "not the paper's patients" in about_lines(False, "c.csv")[1]
    True
    >>> about_lines(True, caption="Survival, 95% CI (log-log)")[0]
    'Table: Survival, 95% CI (log-log)'
    """
    label = data_label(synthetic, cohort_file, simulation_seed=simulation_seed)
    table = [f"Table: {caption}"] if caption else []
    if simulation_seed is not None:
        detail = (
            "The numbers in this file come from studies simulated by the nettx book (a "
            "reproduction of Sposito et al., Transplantation 2021) with the seed named "
            "above; they are the same on every cohort and describe no patient."
        )
    elif synthetic:
        detail = (
            "The numbers in this file were computed from a synthetic cohort generated so "
            "that the analyses of the nettx book give back the numbers published by "
            "Sposito et al., Transplantation 2021. No row describes a real person; a number "
            "the paper does not print is a property of this one generated cohort, not a "
            "finding."
        )
    else:
        detail = (
            "The numbers in this file were computed by the analyses of the nettx book "
            "(a reproduction of Sposito et al., Transplantation 2021) from the cohort file "
            "named above. They describe that cohort, not the paper's patients."
        )
    rounding = (
        "Numbers are rounded as the book's page prints them; a cell the page shows as "
        "text (for example '< 0.0001' or '12 (37.5)') is text here."
    )
    return [*table, label, detail, rounding]


SYNTHETIC_CAPTION = "Synthetic data: a generated cohort, not the study's patients."
"""The label that ends every figure caption (and marks every export) on the synthetic cohort."""
