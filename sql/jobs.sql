-- Last night's cron jobs: when each was scheduled, when it started, how long it ran and how it ended; and for
-- the runs that failed, the first ERROR their own log recorded during the run, with its traceback; and every
-- run of the week before that failed, was missed or started late.
-- Joins cron_runs (crontab + cron's syslog lines) to read_log through each entry's `>> log` path.
-- Point it at real files: strata run sql/jobs.sql --param crontab=/etc/crontab --param syslog=/var/log/syslog
--   --param since='2026-11-20 18:00' --param until='2026-11-21 06:00'
-- @param crontab = sql/demo/crontab
-- @param syslog = sql/demo/syslog
-- @param since = 2026-11-20 18:00:00
-- @param until = 2026-11-21 06:00:00
-- @param week_since = 2026-11-14 00:00:00

-- # Last night's jobs
-- ## Every scheduled run (and any unscheduled one)
SELECT coalesce(scheduled_at, '—')                 AS scheduled,
       substr(started_at, 12, 8)                    AS started,
       round(duration_s)                            AS seconds,
       status,
       exit_status,
       trim(CASE WHEN instr(command, '>') > 0 THEN substr(command, 1, instr(command, '>') - 1)
                 ELSE command END)                  AS command,
       log_path
FROM cron_runs(:crontab, :syslog, :since, :until)
ORDER BY coalesce(scheduled_at, started_at);

-- ## This week: every run that did not go to plan
SELECT coalesce(scheduled_at, '—') AS scheduled, started_at, status, exit_status,
       trim(CASE WHEN instr(command, '>') > 0 THEN substr(command, 1, instr(command, '>') - 1)
                 ELSE command END) AS command
FROM cron_runs(:crontab, :syslog, :week_since, :until)
WHERE status <> 'ok'
ORDER BY coalesce(scheduled_at, started_at);

-- ## Failed runs: the first error in the job's own log
SELECT r.scheduled_at, r.exit_status, e.ts AS error_at, e.logger, e.message, e.detail AS traceback
FROM cron_runs(:crontab, :syslog, :since, :until) AS r
JOIN read_log(r.log_path) AS e
  ON e.level IN ('ERROR', 'CRITICAL')
 AND e.ts >= substr(r.started_at, 1, 19)
 AND e.ts <= coalesce(r.ended_at, :until)
WHERE r.status = 'failed'
  AND e.line = (SELECT min(x.line) FROM read_log(r.log_path) AS x
                WHERE x.level IN ('ERROR', 'CRITICAL')
                  AND x.ts >= substr(r.started_at, 1, 19) AND x.ts <= coalesce(r.ended_at, :until))
ORDER BY r.scheduled_at;
