"""The exit codes of the engine commands (``business-case``, ``score``, ``meta``, ``causal``, ``prepost``)."""

EXIT_OK = 0
EXIT_BAD_INPUT = 2
"""The input (a file, a column, an argument) cannot be used; the message on stderr says where."""
