// Holds the api-routines pointer that SQLite hands to the init function. See include/CSQLite.h.
#include "CSQLite.h"

const sqlite3_api_routines *strata_sqlite3_api = 0;
int strata_sqlite3_version = 0;

void strata_set_api(const sqlite3_api_routines *api) {
  // Every connection of a process gets the same table; a second init stores the same value again.
  if (__atomic_load_n(&strata_sqlite3_api, __ATOMIC_ACQUIRE) == api) return;
  __atomic_store_n(&strata_sqlite3_version, api ? api->libversion_number() : 0, __ATOMIC_RELAXED);
  __atomic_store_n(&strata_sqlite3_api, api, __ATOMIC_RELEASE);
}
