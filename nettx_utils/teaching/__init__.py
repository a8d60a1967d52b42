"""The survival-methods chapters' helpers: computations by hand, the cut-off problem, multivariable models, paired measurements, and their figures."""
