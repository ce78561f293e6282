//! The store's schema, one numbered migration after another; each is applied once, in order, in
//! its own transaction, and recorded in `schema_migrations`.

use rusqlite::{Connection, params};

/// Every migration: its version and its SQL. Append only; never edit one that shipped.
const MIGRATIONS: &[(i64, &str)] = &[
    (
        1,
        "CREATE TABLE inventories (
        id INTEGER PRIMARY KEY,
        digest TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        layer_created_by TEXT NOT NULL,
        inventory BLOB NOT NULL,
        created TEXT NOT NULL
    );
    CREATE TABLE scans (
        id INTEGER PRIMARY KEY,
        inventory_id INTEGER NOT NULL REFERENCES inventories(id),
        db_built TEXT NOT NULL,
        status TEXT NOT NULL,
        created TEXT NOT NULL,
        report BLOB,
        summary TEXT NOT NULL DEFAULT '{}',
        kev INTEGER NOT NULL DEFAULT 0,
        error TEXT,
        UNIQUE (inventory_id, db_built)
    );
    CREATE TABLE findings (
        inventory_id INTEGER NOT NULL REFERENCES inventories(id),
        vulnerability TEXT NOT NULL,
        package TEXT NOT NULL,
        path TEXT NOT NULL,
        installed TEXT NOT NULL,
        fixed TEXT,
        severity TEXT NOT NULL,
        severity_rank INTEGER NOT NULL,
        kev INTEGER NOT NULL,
        first_seen TEXT NOT NULL,
        PRIMARY KEY (inventory_id, vulnerability, package, path)
    );
    CREATE INDEX findings_by_vulnerability ON findings (vulnerability);
    CREATE INDEX findings_by_package ON findings (package);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        inventory_id INTEGER NOT NULL REFERENCES inventories(id),
        vulnerability TEXT NOT NULL,
        package TEXT NOT NULL,
        fixed TEXT,
        db_built TEXT NOT NULL
    );
    CREATE INDEX events_by_inventory ON events (inventory_id);
    CREATE TABLE tokens (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        scope TEXT NOT NULL,
        hash TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL
    );",
    ),
    (
        2,
        "CREATE TABLE webhooks (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        secret TEXT NOT NULL,
        created TEXT NOT NULL,
        delivered_through INTEGER NOT NULL
    );
    CREATE TABLE dead_letters (
        id INTEGER PRIMARY KEY,
        webhook_id INTEGER NOT NULL,
        url TEXT NOT NULL,
        event_id INTEGER NOT NULL,
        body TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        error TEXT NOT NULL,
        at TEXT NOT NULL
    );
    CREATE INDEX events_by_build ON events (db_built);",
    ),
    // Admission events: no image row, the review as JSON. SQLite cannot drop a NOT NULL, so the
    // table is made again.
    (
        3,
        "CREATE TABLE events_new (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        inventory_id INTEGER REFERENCES inventories(id),
        vulnerability TEXT NOT NULL,
        package TEXT NOT NULL,
        fixed TEXT,
        db_built TEXT NOT NULL,
        admission TEXT
    );
    INSERT INTO events_new (id, at, kind, inventory_id, vulnerability, package, fixed, db_built)
        SELECT id, at, kind, inventory_id, vulnerability, package, fixed, db_built FROM events;
    DROP TABLE events;
    ALTER TABLE events_new RENAME TO events;
    CREATE INDEX events_by_inventory ON events (inventory_id);
    CREATE INDEX events_by_build ON events (db_built);",
    ),
    // Runtime alerts (`hullguard watch --server`): the alert as JSON.
    (4, "ALTER TABLE events ADD COLUMN alert TEXT;"),
];

/// Applies the migrations `conn` has not had yet; returns the schema version it is at.
pub fn apply(conn: &mut Connection, now: &str) -> rusqlite::Result<i64> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = conn.query_row("SELECT coalesce(max(version), 0) FROM schema_migrations", [], |r| r.get(0))?;
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)", params![version, now])?;
        tx.commit()?;
        tracing::info!("store: applied migration {version}");
    }
    Ok(MIGRATIONS.last().map_or(0, |(v, _)| *v).max(current))
}
