"""The statistics: Kaplan-Meier and log-rank, cut-off scans, Cox models and hazard ratios, landmarks, and tests of association."""
