"""The cohort file: its dictionary, reading and checking, privacy rules, the data package, the entry template, and derived variables."""
