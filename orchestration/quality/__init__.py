"""Data-quality checks with Great Expectations: suites (`suites.py`, committed under
`expectations/gx/`), the batches they validate (`batches.py`) and the runs (`checks.py`).

Nothing here imports Great Expectations at module level: it takes seconds to import.
"""
