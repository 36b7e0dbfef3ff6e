-- The data every output-mode golden file shows: text that needs escaping in each format, wide and
-- combining characters, integers, reals, NULL, a float32 vector and a BLOB that is not one.
create table jobs(name text, status text, runs integer, avg_seconds real, note text, embedding blob);
insert into jobs values
  ('retrain', 'ok', 7, 3605.25, 'nightly, on GPU', vec_f32('[0.125, -0.5, 0.25, 1, 2, 4]')),
  ('ingest', 'failed', 28, 61.5, 'said "disk full"' || char(10) || 'then retried', x'00ff10'),
  ('embed | refresh', 'ok', 168, 0.1 + 0.2, 'tab' || char(9) || 'here', null),
  ('集計', 'late', 3, null, 'café <b>&</b>', vec_f32('[1, 2]'));
select * from jobs order by runs;
