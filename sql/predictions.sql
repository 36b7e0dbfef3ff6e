-- Prediction volume and score distribution per model version and day, and the share of low-confidence
-- predictions, from prediction records exported as JSON lines (mongoexport's Extended JSON is unwrapped).
-- Expects one JSON document per line (or a JSON array), its fields found under the usual names:
--   time   timestamp, ts, created_at or time — a $date, ISO text, or Unix seconds or milliseconds
--   score  score, confidence or prob — a number; a number written as text ("0.87") counts as that number
--   model  model_version or model — text; records without one count as (missing)
-- A field named otherwise: --param score_field=predicted_score (a top-level key or a JSON path like $.out.p).
-- Point it at real files: strata run sql/predictions.sql --param predictions=exports/predictions.jsonl
-- @param predictions = sql/demo/predictions.jsonl
-- @param low = 0.6
-- @param time_field = NULL
-- @param score_field = NULL
-- @param model_field = NULL

-- One row per record, the fields read once: the first spelling present wins; a score that is not a finite
-- number (text that is not one, NaN, Infinity) is NULL.
DROP TABLE IF EXISTS temp.predictions;
CREATE TEMP TABLE predictions AS
SELECT line,
       CASE WHEN typeof(t) IN ('integer', 'real')
            THEN datetime(t / CASE WHEN abs(t) >= 1e11 THEN 1000.0 ELSE 1 END, 'unixepoch')
            WHEN typeof(t) = 'text' THEN replace(substr(t, 1, 19), 'T', ' ') END                 AS ts,
       coalesce(model, '(missing)')                                                               AS model,
       CASE WHEN typeof(s) IN ('integer', 'real') AND abs(s) < 9e999 THEN s
            WHEN typeof(s) = 'text' AND trim(s) GLOB '*[0-9]*' AND trim(s) NOT GLOB '*[^0-9.eE+-]*'
            THEN CAST(trim(s) AS REAL) END                                                        AS score
FROM (SELECT line,
             coalesce(doc ->> :time_field, doc ->> '$.timestamp', doc ->> '$.ts', doc ->> '$.created_at',
                      doc ->> '$.time')                                                           AS t,
             coalesce(doc ->> :score_field, doc ->> '$.score', doc ->> '$.confidence', doc ->> '$.prob') AS s,
             coalesce(doc ->> :model_field, doc ->> '$.model_version', doc ->> '$.model')         AS model
      FROM read_jsonl(:predictions));

-- # Predictions
-- ## Volume per model version and day
SELECT substr(ts, 1, 10) AS day, model, count(*) AS predictions
FROM predictions
GROUP BY day, model
ORDER BY day, model;

-- ## Score distribution per model version
SELECT model,
       count(*)                                                     AS n,
       round(min(score), 3)                                         AS min,
       round(avg(score), 3)                                         AS mean,
       round(max(score), 3)                                         AS max,
       round(100.0 * sum(score < :low) / count(score), 1)           AS low_confidence_pct
FROM predictions
GROUP BY model
ORDER BY model;

-- ## Mean score per day and model version
-- @chart line
SELECT substr(ts, 1, 10) AS day, model, round(avg(score), 3) AS mean_score
FROM predictions
WHERE score IS NOT NULL
GROUP BY day, model
ORDER BY day, model;

-- ## Scores in tenths (all models)
SELECT printf('%.1f–%.1f', min(bucket, 9) / 10.0, min(bucket, 9) / 10.0 + 0.1) AS score,
       count(*)                                                              AS predictions
FROM (SELECT CAST(score * 10 AS INTEGER) AS bucket FROM predictions WHERE score BETWEEN 0 AND 1)
GROUP BY min(bucket, 9)
ORDER BY score;

-- ## Low-confidence share per day (scores below :low)
SELECT substr(ts, 1, 10)                                           AS day,
       round(100.0 * sum(score < :low) / count(score), 1)          AS low_confidence_pct
FROM predictions
GROUP BY day
ORDER BY day;
