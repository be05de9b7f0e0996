"""The pure computational core of Indsats.

Arrays and plain values in, small result objects out. Nothing here imports Django or does I/O, so the
web application, the CLI, reports and benchmarks share one implementation. See docs/ARCHITECTURE.md.
"""

ENGINE_VERSION = "0.1.0"
