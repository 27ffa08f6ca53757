"""Care-call engine: the dialog as data, one call's state machine, spoken numbers, scripted callers.

Nothing here imports Django, so the voice stack, benchmarks and notebooks drive calls without the web app.
"""
