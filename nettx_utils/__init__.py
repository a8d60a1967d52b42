"""nettx_utils: the thin package behind the nettx book.

The book reproduces Sposito et al., *Postrecurrence Survival After Liver
Transplantation for Liver Metastases From Neuroendocrine Tumors*
(Transplantation, 2021) on a synthetic cohort. The notebooks narrate; this
package computes. Its subpackages are layers: each imports only from those
above it in this list (a test checks), so there is no import cycle.

- ``errors``, ``project``, ``formatting``, ``fingerprint``: exceptions, where the
  project's files are, how numbers are written, content keys of the inputs;
- ``data``: the cohort file: dictionary, reading and checking, privacy, the data
  package, the entry template, derived variables;
- ``stats``: Kaplan-Meier and log-rank, quartiles, cut-off scans, Cox models and
  hazard ratios, landmarks, tests of association;
- ``figures``: the house style and the book's figures;
- ``paper``: the published values, the score and audit, the paper's tables, the
  univariable screen;
- ``pages``: what a chapter page needs: opening a chapter, its parameters, glued
  records, prose, exports, the reproduction report, the checks of built pages;
- ``teaching``: the survival-methods chapters' helpers;
- ``build``: papermill execution, Jupyter Book, sweeps and the command line.

``synth`` (the synthetic-cohort generator) sits beside them; no chapter imports it.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nettx-utils")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
