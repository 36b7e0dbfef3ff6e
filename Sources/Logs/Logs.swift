// The pure Logs core: knows nothing of SQLite. (Scaffolding; see the Logs issue.)
