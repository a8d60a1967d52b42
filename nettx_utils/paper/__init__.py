"""The paper itself: its published values, the score and audit, its tables, and the univariable screen of chapter 5.

- ``published``: the two curated files (published values, consistency audit);
- ``rounding``: when a value prints as the paper's figure, exact halves, ``shown``;
- ``consistency``: GRIM, Kaplan-Meier attainability, the audit's view;
- ``comparison``: the book's values beside the paper's; ``context``: another cohort's;
- ``scoring``: the recipes (specs) that recompute each published value;
- ``tables``: Tables 1 and 2 and the status table; ``footnotes``: the notes under them;
  ``results``: the Results' smaller views and phrases;
- ``prognostic``: the characteristics screened and the paper's cut-offs;
  ``univariable``: the log-rank screen; ``strata``: surgery within the Mib-1 strata;
  ``effect_modification``: the surgery × Mib-1 interaction test.
"""
