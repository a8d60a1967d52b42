"""The synthetic-cohort generator. The chapters never import it."""
