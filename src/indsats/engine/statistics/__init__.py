"""The statistical analyses: effect sizes, pre-post change, two groups, causal estimators, the process
analyses (dose, fidelity, subgroups) and meta-analysis. Each formula is written once, with its source."""
