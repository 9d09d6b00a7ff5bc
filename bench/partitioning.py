"""Does hash partitioning pay for the citizens table? Plain against partitioned, same rows.

    PYTHONPATH=. python bench/partitioning.py [--pg-url URL] [--rows N] [--partitions 16]

Copies the first N citizens of the seeded registry (`bench/seed_scale.py`) into two new
tables of the same columns, one plain, one `PARTITION BY HASH (personal_id)`, and their
search-key rows into a plain and a partitioned (`PARTITION BY HASH (key)`) copy of
`citizen_search_keys`. Times, for each: the load (INSERT ... SELECT), the primary key build,
VACUUM (ANALYZE), and the reads the service makes, through pgbench (one citizen by
personal ID; one search key's rows for a birth year), 4 clients, alternating plain and
partitioned runs. Drops its tables at the end.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

CONN = ["-h", "127.0.0.1", "-p", "5434", "-U", "postgres"]


def timed(conn: psycopg.Connection, sql: str) -> float:
    started = time.perf_counter()
    conn.execute(sql)
    return time.perf_counter() - started


def build(conn: psycopg.Connection, rows: int, parts: int) -> dict[str, dict[str, float]]:
    """The four tables, timed."""
    out: dict[str, dict[str, float]] = {}
    for name, by in (("plain", ""), ("hash", "personal_id")):
        table = f"part_citizens_{name}"
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(
            f"CREATE TABLE {table} (LIKE citizens INCLUDING DEFAULTS)"
            + (f" PARTITION BY HASH ({by})" if by else "")
        )
        for i in range(parts if by else 0):
            conn.execute(
                f"CREATE TABLE {table}_{i} PARTITION OF {table} "
                f"FOR VALUES WITH (MODULUS {parts}, REMAINDER {i})"
            )
        keys = f"part_keys_{name}"
        conn.execute(f"DROP TABLE IF EXISTS {keys}")
        conn.execute(
            f"CREATE TABLE {keys} (LIKE citizen_search_keys)"
            + (" PARTITION BY HASH (key)" if by else "")
        )
        for i in range(parts if by else 0):
            conn.execute(
                f"CREATE TABLE {keys}_{i} PARTITION OF {keys} "
                f"FOR VALUES WITH (MODULUS {parts}, REMAINDER {i})"
            )
        out[name] = {
            "load citizens": timed(
                conn,
                f"INSERT INTO {table} SELECT * FROM citizens WHERE personal_id IN "
                f"(SELECT personal_id FROM part_sample)",
            ),
            "primary key": timed(conn, f"ALTER TABLE {table} ADD PRIMARY KEY (personal_id)"),
            "load keys": timed(
                conn,
                f"INSERT INTO {keys} SELECT k.* FROM citizen_search_keys k "
                "JOIN part_sample s USING (personal_id)",
            ),
            "keys primary key": timed(
                conn, f"ALTER TABLE {keys} ADD PRIMARY KEY (key, birth_year, personal_id)"
            ),
            "vacuum analyze": timed(conn, f"VACUUM (ANALYZE) {table}, {keys}"),
        }
        size = conn.execute(f"SELECT pg_total_relation_size('{table}')").fetchone()
        parts_size = conn.execute(
            "SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits "
            f"WHERE inhparent = '{table}'::regclass"
        ).fetchone()
        out[name]["MB"] = ((size[0] if size else 0) + (parts_size[0] if parts_size else 0)) / 2**20
    return out


def pgbench(db: str, script: str, seconds: int) -> tuple[float, float]:
    """tps and mean latency of a pgbench script (random rows from the sample)."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(script)
    done = subprocess.run(
        ["pgbench", "-n", "-c", "4", "-j", "2", "-T", str(seconds), "-f", f.name, *CONN, db],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    Path(f.name).unlink()
    tps = float(re.search(r"tps = ([\d.]+)", done).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+)", done).group(1))  # type: ignore[union-attr]
    return tps, latency


def main() -> None:
    """Build, measure, print, drop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="autofill", help="database on 127.0.0.1:5434")
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    dsn = f"host=127.0.0.1 port=5434 user=postgres dbname={args.db}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("DROP TABLE IF EXISTS part_sample")
        conn.execute(
            "CREATE TABLE part_sample AS SELECT row_number() OVER () AS n, personal_id "
            f"FROM (SELECT personal_id FROM citizens LIMIT {args.rows}) s"
        )
        conn.execute("ALTER TABLE part_sample ADD PRIMARY KEY (n)")
        conn.execute("CREATE INDEX ON part_sample (personal_id)")
        conn.execute("ANALYZE part_sample")
        built = build(conn, args.rows, args.partitions)
        for name, figures in built.items():
            print(name, ", ".join(f"{k} {v:.1f}" for k, v in figures.items()), flush=True)
        conn.execute(
            "CREATE TABLE IF NOT EXISTS part_key_sample AS SELECT row_number() OVER () AS n, "
            "key, birth_year FROM (SELECT DISTINCT key, birth_year FROM part_keys_plain "
            "LIMIT 100000) s"
        )
        conn.execute("ALTER TABLE part_key_sample ADD PRIMARY KEY (n)")
        n_keys = conn.execute("SELECT count(*) FROM part_key_sample").fetchone()
        for _ in range(args.rounds):
            for name in ("plain", "hash"):
                # The value fetched first, then sent as a literal (as the service sends a
                # parameter): the planner prunes to one partition.
                lookup = (
                    f"\\set n random(1, {args.rows})\n"
                    "SELECT quote_literal(personal_id) AS pid FROM part_sample "
                    "WHERE n = :n \\gset\n"
                    f"SELECT doc FROM part_citizens_{name} WHERE personal_id = :pid;\n"
                )
                keys = (
                    f"\\set n random(1, {n_keys[0] if n_keys else 1})\n"
                    "SELECT quote_literal(key) AS k, birth_year AS y FROM part_key_sample "
                    "WHERE n = :n \\gset\n"
                    f"SELECT personal_id FROM part_keys_{name} "
                    "WHERE key = :k AND birth_year = :y;\n"
                )
                tps, ms = pgbench(args.db, lookup, args.seconds)
                ktps, kms = pgbench(args.db, keys, args.seconds)
                print(
                    f"{name:<6} lookup {tps:>8,.0f} tps {ms:.2f} ms | "
                    f"search key {ktps:>8,.0f} tps {kms:.2f} ms",
                    flush=True,
                )
        for table in ("part_citizens_plain", "part_citizens_hash", "part_keys_plain",
                      "part_keys_hash", "part_sample", "part_key_sample"):  # fmt: skip
            conn.execute(f"DROP TABLE IF EXISTS {table}")


if __name__ == "__main__":
    main()
