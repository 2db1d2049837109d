"""Machine-learning models trained on (or through) the solver."""
