"""HTTP layer: routers, dependencies and problem+json rendering. Only this package and
`main.py` touch FastAPI."""
