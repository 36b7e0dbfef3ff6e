// Holds the api-routines pointer that SQLite hands to the init function. See include/CSQLite.h.
#include "CSQLite.h"

const sqlite3_api_routines *strata_sqlite3_api = 0;
int strata_sqlite3_version = 0;

int strata_set_api(const sqlite3_api_routines *api) {
  // Every connection of one SQLite library gets the same table; a second init finds it stored already.
  // The version is stored (idempotently) by every init of the winning library, so none sees it unset.
  const sqlite3_api_routines *expected = 0;
  if (__atomic_compare_exchange_n(&strata_sqlite3_api, &expected, api, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
      expected == api) {
    __atomic_store_n(&strata_sqlite3_version, api ? api->libversion_number() : 0, __ATOMIC_RELEASE);
    return 0;
  }
  return 1;
}
