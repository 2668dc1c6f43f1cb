"""Row counts and recent rows of a local SQLite database."""
import sqlite3
import sys

ALLOWED_TABLES = {"orders", "customers", "invoices"}


def count_rows(conn, table):
    if table not in ALLOWED_TABLES:
        raise ValueError(f"unknown table {table!r}")
    # Table names cannot be bound as parameters; the allowlist above
    # is what keeps this safe.
    return conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def recent_rows(conn, table, days):
    if table not in ALLOWED_TABLES:
        raise ValueError(f"unknown table {table!r}")
    query = f"SELECT * FROM {table} WHERE created_at >= date('now', ?) ORDER BY created_at DESC"
    return conn.execute(query, (f"-{int(days)} days",)).fetchall()


def main():
    conn = sqlite3.connect(sys.argv[1])
    table = sys.argv[2]
    print(count_rows(conn, table))
    for row in recent_rows(conn, table, 7):
        print(row)


if __name__ == "__main__":
    main()
