"""Investigation analytics engine: pings, cleaning, paths, staypoints, contacts, infector ranking.

Nothing here imports Django, so the engine runs from notebooks, the CLI, benchmarks and Spark
drivers alike. Heavy dependencies (pyspark) are imported only where they are used.
"""
