-- Last night's cron jobs: when each was scheduled, when it started, how long it ran, how it ended and what that
-- rests on (an exit status, a kernel line, the job's own log — or nothing: `ended` is not `ok`); every failure of the
-- week first, scheduled or not, with the first error its own log recorded and its traceback; then what else did
-- not go to plan, and what the history covers.
-- Joins cron_runs (crontabs + cron's syslog lines + the jobs' own logs) to read_log through each entry's log path.
-- Point it at real files (brace lists read several at once; both parameters may be left at the machine's default
-- with cron_runs() and no arguments):
--   strata run sql/jobs.sql --param crontab='{/etc/crontab,/etc/cron.d/*,/var/spool/cron/crontabs/*}'
--     --param syslog='{/var/log/syslog*,/var/log/auth.log*}' --param since='2026-11-20 18:00' --param until='2026-11-21 06:00'
-- @param crontab = sql/demo/crontab
-- @param syslog = sql/demo/syslog
-- @param since = 2026-11-20 18:00:00
-- @param until = 2026-11-21 06:00:00
-- @param week_since = 2026-11-14 00:00:00

-- # Last night's jobs
-- ## Every scheduled run (and any unscheduled one)
-- What each status rests on follows: the failures' evidence in the next section, the other statuses' after it, and
-- one example per status (an `ok` rests on the same thing for most runs) in the last.
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

-- ## This week's failures, scheduled or not, and what showed each
SELECT coalesce(scheduled_at, '—') AS scheduled, started_at, status, exit_status,
       trim(CASE WHEN instr(command, '>') > 0 THEN substr(command, 1, instr(command, '>') - 1)
                 ELSE command END) AS command,
       evidence
FROM cron_runs(:crontab, :syslog, :week_since, :until)
WHERE outcome = 'failed'
ORDER BY coalesce(scheduled_at, started_at);

-- ## The first error each failed run's own log recorded, with its traceback
-- Syslog stamps may be whole seconds and log records have milliseconds: a run logged as ending at 06:48:04
-- ended before 06:48:05.
SELECT r.scheduled_at, r.exit_status, e.ts AS error_at, e.logger, e.message, e.detail AS traceback
FROM cron_runs(:crontab, :syslog, :since, :until) AS r
JOIN read_log(r.log_path) AS e
  ON e.level IN ('ERROR', 'CRITICAL')
 AND e.ts >= substr(r.started_at, 1, 19)
 AND e.ts < datetime(substr(coalesce(r.ended_at, :until), 1, 19), '+1 second')
WHERE r.outcome = 'failed'
  AND r.evidence LIKE '%in its log%'
  AND e.line = (SELECT min(x.line) FROM read_log(r.log_path) AS x
                WHERE x.level IN ('ERROR', 'CRITICAL')
                  AND x.ts >= substr(r.started_at, 1, 19)
                  AND x.ts < datetime(substr(coalesce(r.ended_at, :until), 1, 19), '+1 second'))
ORDER BY r.scheduled_at;

-- ## This week: everything else that did not go to plan
SELECT coalesce(scheduled_at, '—') AS scheduled, started_at, status,
       trim(CASE WHEN instr(command, '>') > 0 THEN substr(command, 1, instr(command, '>') - 1)
                 ELSE command END) AS command,
       evidence
FROM cron_runs(:crontab, :syslog, :week_since, :until)
WHERE coalesce(outcome, '') <> 'failed'
  AND (status IN ('missed', 'late', 'running', 'unscheduled') OR overran = 1)
ORDER BY coalesce(scheduled_at, started_at);

-- ## What the history covers, and what each status rests on
SELECT min(history_from) AS history_from, max(history_to) AS history_to, status, count(*) AS runs,
       min(evidence) AS for_example
FROM cron_runs(:crontab, :syslog, :week_since, :until)
GROUP BY status
ORDER BY runs DESC, status;
