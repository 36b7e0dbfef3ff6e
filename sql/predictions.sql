-- Prediction volume and score distribution per model version and day, and the share of low-confidence
-- predictions, from prediction records exported as JSON lines (mongoexport's Extended JSON is unwrapped).
-- Point it at real files: strata run sql/predictions.sql --param predictions=exports/predictions.jsonl
-- @param predictions = sql/demo/predictions.jsonl
-- @param low = 0.6

-- # Predictions
-- ## Volume per model version and day
SELECT substr(doc ->> '$.ts', 1, 10)                         AS day,
       coalesce(doc ->> '$.model_version', '(missing)')       AS model,
       count(*)                                               AS predictions
FROM read_jsonl(:predictions)
GROUP BY day, model
ORDER BY day, model;

-- ## Score distribution per model version
SELECT coalesce(doc ->> '$.model_version', '(missing)')      AS model,
       count(*)                                              AS n,
       round(min(doc ->> '$.score'), 3)                       AS min,
       round(avg(doc ->> '$.score'), 3)                       AS mean,
       round(max(doc ->> '$.score'), 3)                       AS max,
       round(100.0 * sum((doc ->> '$.score') < :low) / count(*), 1) AS low_confidence_pct
FROM read_jsonl(:predictions)
GROUP BY model
ORDER BY model;

-- ## Scores in tenths (all models)
SELECT printf('%.1f–%.1f', min(bucket, 9) / 10.0, min(bucket, 9) / 10.0 + 0.1) AS score,
       count(*)                                                              AS predictions
FROM (SELECT CAST((doc ->> '$.score') * 10 AS INTEGER) AS bucket
      FROM read_jsonl(:predictions)
      WHERE (doc ->> '$.score') BETWEEN 0 AND 1)
GROUP BY min(bucket, 9)
ORDER BY score;

-- ## Low-confidence share per day
SELECT substr(doc ->> '$.ts', 1, 10)                                      AS day,
       round(100.0 * sum((doc ->> '$.score') < :low) / count(*), 1)        AS low_confidence_pct
FROM read_jsonl(:predictions)
GROUP BY day
ORDER BY day;
