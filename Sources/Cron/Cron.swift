// The pure Cron core: knows nothing of SQLite. (Scaffolding; see the Cron issue.)
