"""nettx_utils: the thin package behind the nettx book.

The book reproduces Sposito et al., *Postrecurrence Survival After Liver
Transplantation for Liver Metastases From Neuroendocrine Tumors*
(Transplantation, 2021) on a synthetic cohort. The notebooks narrate; this
package computes. Each module has one job:

- :mod:`nettx_utils.data.cohort`: load a cohort file and check it against the data dictionary;
- :mod:`nettx_utils.paper.tables`: descriptive tables in the layout of the paper's Tables 1 and 2;
- :mod:`nettx_utils.stats.survival`: Kaplan-Meier, landmarks, medians, reverse Kaplan-Meier, log-rank;
- :mod:`nettx_utils.stats.association`: Wilcoxon signed-rank, Mann-Whitney, Spearman;
- :mod:`nettx_utils.figures.plots`: KMunicate-style figures and the book's single style;
- :mod:`nettx_utils.paper.published`: published values and whether a reproduced value matches;
- :mod:`nettx_utils.synth.generate`: the synthetic cohort;
- :mod:`nettx_utils.build.pipeline` and :mod:`nettx_utils.build.cli`: papermill + Jupyter Book, and the command line.

Around them: :mod:`~nettx_utils.paper.scoring` (the published values recomputed),
:mod:`~nettx_utils.paper.prognostic` and :mod:`~nettx_utils.stats.cox` (univariable screen, Cox
fits), :mod:`~nettx_utils.stats.cutoffs` (scans and the maximally selected log-rank test),
the teaching chapters' :mod:`~nettx_utils.teaching.by_hand`, :mod:`~nettx_utils.teaching.cutoff_problem`,
:mod:`~nettx_utils.teaching.multivariable`, :mod:`~nettx_utils.teaching.pairing` and
:mod:`~nettx_utils.teaching.figures`, the prose helpers of :mod:`~nettx_utils.pages.prose`,
and the build's :mod:`~nettx_utils.build.execution` (papermill, warm kernels from
:mod:`~nettx_utils.build.kernels`), :mod:`~nettx_utils.build.htmlbuild` (Jupyter Book) and
:mod:`~nettx_utils.data.privacy` (no patient id in a built book).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nettx-utils")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
