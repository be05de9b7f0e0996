"""The business case (investment model): ``case_document`` reads and checks the case file (the format of
docs/business-case.md), ``model`` computes costs against gains over time by payer with uncertainty, and
``discounting`` holds the discount-rate schedules."""
