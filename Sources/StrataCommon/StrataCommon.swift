// Shared by the domains: globs, file streams (plain or gzip), civil date-time arithmetic and formatting.
