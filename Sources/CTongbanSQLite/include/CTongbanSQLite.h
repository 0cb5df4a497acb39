#ifndef CTONGBAN_SQLITE_H
#define CTONGBAN_SQLITE_H

/// Turns on SQLite's query planner stability guarantee for a connection opened through
/// SQLiteNIO's SQLite (the `sqlite_nio_` symbols). Swift cannot call the variadic
/// sqlite3_db_config itself. Returns SQLite's result code.
int tongban_sqlite_stable_plans(void *db);

#endif
