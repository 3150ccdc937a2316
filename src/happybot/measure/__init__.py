"""How well the campaign judges: simulation, the red team, scoring against ground truth,
the evaluation sets and the calibration of the classifier's thresholds."""
