"""Operational metrics in the Prometheus text format (`GET /metrics`, DESIGN §6).

One `Metrics` per app, each with its own `CollectorRegistry` (tests run many apps in one
process). Labels never hold personal data: routes are labelled by their template
(`/v1/citizens/{personal_id}`, never the path that was asked for), forms by id, and
nothing by key, subject or client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from registries.replicas import ReplicatedReader

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
COVERAGE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000)
# A client may send any token as a method: others share one label (bounded series).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _CacheCollector(Collector):
    """Reads the record cache's hit and miss counts when scraped (no cost per lookup)."""

    def __init__(self, counts: Callable[[], tuple[int, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterator[CounterMetricFamily]:
        hits, misses = self._counts()
        family = CounterMetricFamily(
            "autofill_record_cache_lookups", "record lookups by cache outcome", labels=["result"]
        )
        family.add_metric(["hit"], hits)
        family.add_metric(["miss"], misses)
        yield family


class _ReplicaCollector(Collector):
    """Record reads by target, fallbacks to the primary by reason, and each replica's state
    as the reader last saw it (labelled by its place in the list, never its URL)."""

    def __init__(self, reader: ReplicatedReader) -> None:
        self._reader = reader

    def collect(self) -> Iterator[Metric]:
        reads = CounterMetricFamily(
            "autofill_record_reads", "record reads from the database by target", labels=["target"]
        )
        for target, count in self._reader.reads.items():
            reads.add_metric([target], count)
        yield reads
        fallbacks = CounterMetricFamily(
            "autofill_replica_fallbacks",
            "record reads sent to the primary instead of a replica, by reason",
            labels=["reason"],
        )
        for reason, count in self._reader.fallbacks.items():
            fallbacks.add_metric([reason], count)
        yield fallbacks
        up = GaugeMetricFamily(
            "autofill_replica_up", "1 if the replica answers", labels=["replica"]
        )
        lag = GaugeMetricFamily(
            "autofill_replica_lag_bytes",
            "WAL bytes the replica has not replayed, at the last probe",
            labels=["replica"],
        )
        for status in self._reader.status():
            up.add_metric([status.name], 1 if status.up else 0)
            if status.lag_bytes is not None:
                lag.add_metric([status.name], status.lag_bytes)
        yield up
        yield lag


class Metrics:
    """The service's metrics; the recording methods are cheap enough for the hot path."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "autofill_http_requests", "HTTP requests", ["method", "route", "status"], registry=r
        )
        self.latency = Histogram(
            "autofill_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.prefills = Counter("autofill_prefills", "prefills answered", ["form"], registry=r)
        self.coverage = Histogram(
            "autofill_prefill_coverage",
            "share of a form's fields filled by a prefill",
            ["form"],
            buckets=COVERAGE_BUCKETS,
            registry=r,
        )
        self.audit_batch = Histogram(
            "autofill_audit_batch_entries",
            "entries per audit commit",
            buckets=BATCH_BUCKETS,
            registry=r,
        )
        self.audit_latency = Histogram(
            "autofill_audit_commit_seconds",
            "time to commit one audit batch",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.refusals = Counter(
            "autofill_rate_limited", "requests refused for a key's budget", ["reason"], registry=r
        )
        self._children: dict[str, tuple[Any, Any]] = {}
        # Route templates, methods and statuses are few: their children are kept.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def watch_cache(self, counts: Callable[[], tuple[int, int]]) -> None:
        """Report the record cache's (hits, misses), read at each scrape."""
        self.registry.register(_CacheCollector(counts))

    def watch_replicas(self, reader: ReplicatedReader) -> None:
        """Report the replicas' reads, fallbacks, state and lag, read at each scrape."""
        self.registry.register(_ReplicaCollector(reader))

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one HTTP request under its route template."""
        if method not in METHODS:
            method = "OTHER"
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._request_children[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def observe_prefill(self, form_id: str, ratio: float) -> None:
        """Count one prefill of a form and its coverage ratio."""
        # Label lookups cost more than the increments: each form's children are kept.
        children = self._children.get(form_id)
        if children is None:
            children = (self.prefills.labels(form_id), self.coverage.labels(form_id))
            self._children[form_id] = children
        children[0].inc()
        children[1].observe(ratio)

    async def observe_result(self, context: Any, result: Any) -> None:
        """A prefill observer: count the prefill and its coverage under its form."""
        self.observe_prefill(result.form_id, result.coverage["ratio"])

    def observe_audit_batch(self, entries: int, seconds: float) -> None:
        """Record one committed audit batch."""
        self.audit_batch.observe(entries)
        self.audit_latency.observe(seconds)

    def observe_refusal(self, flagged: bool) -> None:
        """Count one request refused for a budget (flagged: the enumeration budget)."""
        self.refusals.labels("enumeration" if flagged else "budget").inc()

    def render(self) -> bytes:
        """The exposition text."""
        return generate_latest(self.registry)
