// The pure Files core: knows nothing of SQLite. (Scaffolding; see the Files issue.)
