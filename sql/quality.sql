-- Data quality of what feeds the models: prediction records with missing fields, scores outside [0, 1],
-- duplicate input ids; embeddings with the wrong dimension count, zero or non-finite vectors, and norm
-- outliers. One row per check: how many records fail it and one example to look at.
-- Point it at real data: strata run sql/quality.sql --param predictions=preds.jsonl --param docs=my.db
-- @param predictions = sql/demo/predictions.jsonl
-- @param docs = sql/demo/docs.db
-- @param dims = 64
-- @param norm_z = 4

ATTACH :docs AS d;

CREATE TEMP TABLE preds AS
SELECT line, doc ->> '$._id' AS id, doc ->> '$.input_id' AS input_id, doc ->> '$.model_version' AS model_version,
       doc ->> '$.score' AS score, doc ->> '$.ts' AS ts
FROM read_jsonl(:predictions);

CREATE TEMP TABLE vecs AS
SELECT doc_id, week, embedding, vec_check(embedding) AS problem,
       CASE WHEN vec_check(embedding) IS NULL THEN vec_norm(embedding) END AS norm
FROM d.embeddings;

-- # Data quality
-- ## Checks
SELECT 'prediction without model_version' AS "check", count(*) AS failing, min(id) AS example
FROM preds WHERE model_version IS NULL
UNION ALL
SELECT 'prediction without score or input_id or ts', count(*), min(id)
FROM preds WHERE score IS NULL OR input_id IS NULL OR ts IS NULL
UNION ALL
SELECT 'score outside [0, 1]', count(*), min(id)
FROM preds WHERE score < 0 OR score > 1
UNION ALL
SELECT 'input_id predicted more than once', count(*), min(input_id)
FROM (SELECT input_id FROM preds GROUP BY input_id HAVING count(*) > 1)
UNION ALL
SELECT 'embedding with wrong dimension count', count(*), min(doc_id || '/w' || week)
FROM vecs WHERE problem IS NULL AND vec_dims(embedding) <> :dims
   OR problem LIKE 'vector blob length%'
UNION ALL
SELECT 'embedding with NaN or Inf', count(*), min(doc_id || '/w' || week)
FROM vecs WHERE problem LIKE 'non-finite%'
UNION ALL
SELECT 'zero embedding', count(*), min(doc_id || '/w' || week)
FROM vecs WHERE norm = 0
UNION ALL
SELECT 'embedding norm outlier (|z| > ' || :norm_z || ')', count(*), min(doc_id || '/w' || week)
FROM vecs, (SELECT avg(norm) AS mean, sqrt(avg(norm * norm) - avg(norm) * avg(norm)) AS sd
            FROM vecs WHERE norm > 0) AS stats
WHERE norm > 0 AND abs(norm - stats.mean) > :norm_z * stats.sd
UNION ALL
SELECT 'missing embedding (NULL)', count(*), min(doc_id || '/w' || week)
FROM vecs WHERE embedding IS NULL;

-- ## Failing records, one line each
SELECT * FROM (
  SELECT 'prediction' AS kind, id AS record, 'line ' || line AS location,
         CASE WHEN model_version IS NULL THEN 'no model_version'
              ELSE 'score ' || score END AS problem
  FROM preds WHERE model_version IS NULL OR score < 0 OR score > 1
  UNION ALL
  SELECT 'embedding', doc_id, 'week ' || week,
         coalesce(problem, CASE WHEN norm = 0 THEN 'zero vector'
                                WHEN vec_dims(embedding) <> :dims THEN vec_dims(embedding) || ' dimensions'
                                ELSE 'norm ' || round(norm, 2) END)
  FROM vecs, (SELECT avg(norm) AS mean, sqrt(avg(norm * norm) - avg(norm) * avg(norm)) AS sd
              FROM vecs WHERE norm > 0) AS stats
  WHERE problem IS NOT NULL OR norm = 0 OR vec_dims(embedding) <> :dims
     OR abs(norm - stats.mean) > :norm_z * stats.sd
)
ORDER BY kind DESC, CAST(substr(location, 6) AS INTEGER), CAST(record AS INTEGER), record;
