"""The pure computational core of Indsats.

Arrays and plain values in, small result objects out. Nothing here imports Django or does I/O, so the
web application, the CLI, reports and benchmarks share one implementation. See docs/ARCHITECTURE.md.

The map:

* ``base/``: what every analysis shares. ``errors`` (``EngineError``: a stable code, its params and an
  English message; ``StatisticsInputError``), ``arrays`` (input checks), ``warnings`` (``AnalysisWarning``
  and its codes), ``linear_model`` (least squares with classical, robust and cluster-robust SEs),
  ``results`` (plain JSON values and summary text).
* ``statistics/``: effect studies. ``effect_sizes`` (every formula for Hedges' g and its variance),
  ``pre_post``, ``two_groups``, ``causal`` (ANCOVA, propensity scores, difference-in-differences),
  ``process`` (dose, fidelity, subgroups), ``meta_analysis``, ``bootstrap``.
* ``investment/``: the business case. ``case_document`` (the case file: parsed and checked),
  ``model`` (costs against gains by payer over time, Monte Carlo), ``discounting`` (rate schedules).
* ``instruments/`` (questionnaire definitions as data) and ``scoring`` (scoring answers with them).
* ``cpr``: CPR numbers checked and turned into pseudonyms.
* ``allocation``: which initiatives to fund within a budget (a knapsack with side constraints).
* ``disclosure``: statistical disclosure control of published tables (small cells suppressed).
"""

ENGINE_VERSION = "0.1.0"
