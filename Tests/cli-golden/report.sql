-- A report for the golden tests of every report format: a title, sections, a chartable result,
-- a table result, an empty result and a parameter with a default.
-- @param min_runs = 5
-- @param label = ML team

-- # Jobs overview
create temp table jobs(name text, status text, runs integer, avg_seconds real);
insert into jobs values ('retrain', 'ok', 7, 3605.25), ('ingest', 'failed', 28, 61.5),
  ('embed', 'ok', 168, 12.125), ('report', 'late', 3, null);

-- ## Runs per job
select name, runs from jobs where runs >= :min_runs order by runs desc;

-- ## Details for the <team> & "friends"
select :label as team, name, status, avg_seconds from jobs order by name;

-- ## Nothing failed twice
select name from jobs where status = 'failed' and runs > 1000;
