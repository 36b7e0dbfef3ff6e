-- Error digest across all job logs: warnings and errors per hour, the distinct error shapes (messages with
-- numbers, ids and quoted values folded by log_shape) with how often and where each occurred, and the
-- latest traceback.
-- Expects log files read_log knows (Python logging, syslog, journal, JSON lines, ...: see docs/logs.md) with a
-- level per record; records without one (most syslog lines) are not warnings or errors. `since` may be
-- relative: --param since='-24 hours', --param since=yesterday.
-- Point it at real files: strata run sql/errors.sql --param logs='/var/log/ml/*.log' --param since='2026-11-20'
-- @param logs = sql/demo/logs/*.log
-- @param since = 2026-11-14 00:00:00

-- # Error digest
-- ## Warnings and errors per hour
SELECT substr(ts, 1, 13) || ':00' AS hour, count(*) AS records
FROM read_log(:logs)
WHERE level IN ('WARNING', 'ERROR', 'CRITICAL') AND ts >= :since
GROUP BY hour
ORDER BY hour;

-- ## Records per message shape
SELECT level, log_shape(message) AS shape, count(*) AS records
FROM read_log(:logs)
WHERE level IN ('WARNING', 'ERROR', 'CRITICAL') AND ts >= :since
GROUP BY level, shape
ORDER BY level = 'WARNING', records DESC, shape;

-- ## Where and when each shape occurred
SELECT log_shape(message) AS shape, min(ts) AS first_seen, max(ts) AS last_seen,
       group_concat(DISTINCT replace(path, rtrim(path, replace(path, '/', '')), '')) AS files
FROM read_log(:logs)
WHERE level IN ('WARNING', 'ERROR', 'CRITICAL') AND ts >= :since
GROUP BY shape
ORDER BY max(ts) DESC;

-- ## The latest traceback
SELECT ts, logger, message, detail AS traceback
FROM read_log(:logs)
WHERE detail IS NOT NULL AND ts >= :since
ORDER BY ts DESC
LIMIT 1;
