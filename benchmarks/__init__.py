"""PhotoCompare's performance report: `python -m benchmarks [--json] [--quick]` (issue 9).

See benchmarks/run.py for what is measured and docs/performance.md for the numbers.
"""
