#include "CTongbanSQLite.h"

/* SQLiteNIO's SQLite, linked into every Tongban binary; declared here rather than included
   because its target is not a product of that package. */
extern int sqlite_nio_sqlite3_db_config(void *db, int op, ...);

#define TONGBAN_DBCONFIG_ENABLE_QPSG 1007

int tongban_sqlite_stable_plans(void *db) {
    return sqlite_nio_sqlite3_db_config(db, TONGBAN_DBCONFIG_ENABLE_QPSG, 1, (int *)0);
}
