"""Every write of result documentation, one module per part: one transaction, the permission check first
(outcomes.access), one audit entry.

* ``instruments``: the agency's instrument lists, new instruments, a municipality's reason for using an
  instrument outside the short list;
* ``setup``: an intervention's measurement rounds, retention period and evaluators;
* ``participants``: children enrolled in an intervention and their questionnaires;
* ``imports``: column mappings and files of questionnaires, validated and queued;
* ``import_commit``: a validated import written all or nothing (by the worker, the command line, the demo);
* ``exports``: pseudonymised exports for evaluators and municipalities;
* ``gdpr``: a child's data deleted on request or shown in full, and data past its retention period.

CPR numbers enter only as arguments and leave only as pseudonyms (engine/cpr.py); they are never stored,
logged, audited or put in an error message.
"""
