"""The demo portal: a citizen-facing page that shows prefill at work, and the coverage
dashboard. It talks to the service only through its HTTP API (in-process), like a real
portal back-end would, so prefill, audit, limits and statistics all see its traffic.
"""
