"""nettx_utils: the thin package behind the nettx book.

The book reproduces Sposito et al., *Postrecurrence Survival After Liver
Transplantation for Liver Metastases From Neuroendocrine Tumors*
(Transplantation, 2021) on a synthetic cohort. The notebooks narrate; this
package computes. Each module has one job:

- :mod:`nettx_utils.cohort`: load a cohort file and check it against the data dictionary;
- :mod:`nettx_utils.tables`: descriptive tables in the layout of the paper's Tables 1 and 2;
- :mod:`nettx_utils.survival`: Kaplan-Meier, landmarks, medians, reverse Kaplan-Meier, log-rank;
- :mod:`nettx_utils.association`: Wilcoxon signed-rank, Mann-Whitney, Spearman;
- :mod:`nettx_utils.plots`: KMunicate-style figures and the book's single style;
- :mod:`nettx_utils.published`: published values and whether a reproduced value matches;
- :mod:`nettx_utils.synth`: the synthetic cohort;
- :mod:`nettx_utils.pipeline` and :mod:`nettx_utils.cli`: papermill + Jupyter Book, and the command line.

Around them: :mod:`~nettx_utils.scoring` (the published values recomputed),
:mod:`~nettx_utils.prognostic` and :mod:`~nettx_utils.cox` (univariable screen, Cox
fits), :mod:`~nettx_utils.cutoffs` (scans and the maximally selected log-rank test),
the teaching chapters' :mod:`~nettx_utils.teaching`, :mod:`~nettx_utils.cutoff_report`,
:mod:`~nettx_utils.multivariable`, :mod:`~nettx_utils.pairing` and
:mod:`~nettx_utils.teaching_figures`, the prose helpers of :mod:`~nettx_utils.prose`,
and the build's :mod:`~nettx_utils.execution` (papermill, a fresh kernel per
notebook), :mod:`~nettx_utils.htmlbuild` (Jupyter Book) and
:mod:`~nettx_utils.privacy` (no patient id in a built book).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nettx-utils")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
