-- Data quality of what feeds the models: prediction records with missing fields, scores that are not numbers
-- or lie outside [0, 1], numbers stored as text, duplicate input ids; embeddings with the wrong dimension count,
-- zero or non-finite vectors, and norm outliers. One row per check: how many records fail it and one example.
-- Expects prediction records as JSON lines (fields as sql/predictions.sql finds them: timestamp/ts/created_at/
-- time, score/confidence/prob, model_version/model, input_id/input.id) and a SQLite database with a table of
-- embeddings (float32 BLOBs or JSON arrays) — its table and column names are parameters:
--   strata run sql/quality.sql --param predictions=preds.jsonl --param docs=my.db --param dims=384 \
--     --param embeddings_table=chunks --param id_column=chunk_id --param vector_column=vec --param group_column=NULL
-- @param predictions = sql/demo/predictions.jsonl
-- @param docs = sql/demo/docs.db
-- @param dims = 64
-- @param norm_z = 4
-- @param embeddings_table = embeddings (identifier)
-- @param id_column = doc_id (identifier)
-- @param vector_column = embedding (identifier)
-- @param group_column = week (identifier)
-- @param group_label = week
-- (group_column: a second key of a vector, such as a week or a model version; NULL when there is none.)

ATTACH :docs AS d;

DROP TABLE IF EXISTS temp.preds;
CREATE TEMP TABLE preds AS
SELECT line, id, input_id, model_version, ts, raw_score,
       typeof(raw_score) = 'text' AS score_is_text,
       CASE WHEN typeof(raw_score) IN ('integer', 'real') THEN raw_score
            WHEN typeof(raw_score) = 'text' AND trim(raw_score) GLOB '*[0-9]*'
                 AND trim(raw_score) NOT GLOB '*[^0-9.eE+-]*' THEN CAST(trim(raw_score) AS REAL) END AS score
FROM (SELECT line, doc ->> '$._id' AS id,
             coalesce(doc ->> '$.input_id', doc ->> '$.input.id')                                 AS input_id,
             coalesce(doc ->> '$.model_version', doc ->> '$.model')                               AS model_version,
             coalesce(doc ->> '$.score', doc ->> '$.confidence', doc ->> '$.prob')                AS raw_score,
             coalesce(doc ->> '$.timestamp', doc ->> '$.ts', doc ->> '$.created_at', doc ->> '$.time') AS ts
      FROM read_jsonl(:predictions));

DROP TABLE IF EXISTS temp.vecs;
CREATE TEMP TABLE vecs AS
SELECT doc_id, grp, embedding, vec_check(embedding) AS problem,
       CASE WHEN vec_check(embedding) IS NULL THEN vec_norm(embedding) END AS norm
FROM (SELECT :id_column AS doc_id, :group_column AS grp, :vector_column AS embedding FROM d.:embeddings_table);

-- # Data quality
-- ## Checks
SELECT 'prediction without model_version' AS "check", count(*) AS failing, min(id) AS example
FROM preds WHERE model_version IS NULL
UNION ALL
SELECT 'prediction without score or input_id or ts', count(*), min(id)
FROM preds WHERE raw_score IS NULL OR input_id IS NULL OR ts IS NULL
UNION ALL
SELECT 'score that is not a number', count(*), min(id)
FROM preds WHERE raw_score IS NOT NULL AND score IS NULL
UNION ALL
SELECT 'score stored as text (compared as a number)', count(*), min(id)
FROM preds WHERE score_is_text AND score IS NOT NULL
UNION ALL
SELECT 'score outside [0, 1]', count(*), min(id)
FROM preds WHERE score < 0 OR score > 1
UNION ALL
SELECT 'input_id predicted more than once', count(*), min(input_id)
FROM (SELECT input_id FROM preds GROUP BY input_id HAVING count(*) > 1)
UNION ALL
SELECT 'embedding with wrong dimension count', count(*), min(doc_id || coalesce(' (' || :group_label || ' ' || grp || ')', ''))
FROM vecs WHERE problem IS NULL AND vec_dims(embedding) <> :dims
   OR problem LIKE 'vector blob length%'
UNION ALL
SELECT 'embedding with NaN or Inf', count(*), min(doc_id || coalesce(' (' || :group_label || ' ' || grp || ')', ''))
FROM vecs WHERE problem LIKE 'non-finite%'
UNION ALL
SELECT 'zero embedding', count(*), min(doc_id || coalesce(' (' || :group_label || ' ' || grp || ')', ''))
FROM vecs WHERE norm = 0
UNION ALL
SELECT 'embedding norm outlier (|z| > ' || :norm_z || ')', count(*), min(doc_id || coalesce(' (' || :group_label || ' ' || grp || ')', ''))
FROM vecs, (SELECT avg(norm) AS mean, sqrt(avg(norm * norm) - avg(norm) * avg(norm)) AS sd
            FROM vecs WHERE norm > 0) AS stats
WHERE norm > 0 AND abs(norm - stats.mean) > :norm_z * stats.sd
UNION ALL
SELECT 'missing embedding (NULL)', count(*), min(doc_id || coalesce(' (' || :group_label || ' ' || grp || ')', ''))
FROM vecs WHERE embedding IS NULL;

-- ## Failing records, one line each
SELECT kind, record, location, problem FROM (
  SELECT 'prediction' AS kind, id AS record, 'line ' || line AS location, line AS position,
         CASE WHEN model_version IS NULL THEN 'no model_version'
              WHEN raw_score IS NOT NULL AND score IS NULL THEN 'score ' || raw_score || ' is not a number'
              ELSE 'score ' || score END AS problem
  FROM preds WHERE model_version IS NULL OR score < 0 OR score > 1 OR (raw_score IS NOT NULL AND score IS NULL)
  UNION ALL
  SELECT 'embedding', doc_id, coalesce(:group_label || ' ' || grp, ''), grp,
         coalesce(problem, CASE WHEN norm = 0 THEN 'zero vector'
                                WHEN vec_dims(embedding) <> :dims THEN vec_dims(embedding) || ' dimensions'
                                ELSE 'norm ' || round(norm, 2) END)
  FROM vecs, (SELECT avg(norm) AS mean, sqrt(avg(norm * norm) - avg(norm) * avg(norm)) AS sd
              FROM vecs WHERE norm > 0) AS stats
  WHERE problem IS NOT NULL OR norm = 0 OR vec_dims(embedding) <> :dims
     OR abs(norm - stats.mean) > :norm_z * stats.sd
)
ORDER BY kind DESC, position, CAST(record AS INTEGER), record;

-- The database is let go, so the report can run again in the same shell session.
DETACH d;
