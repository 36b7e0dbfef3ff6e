-- Embedding drift between two weeks: the distance between the weeks' centroids (vec_avg + cosine_distance),
-- and the share of this week's vectors whose nearest neighbour last week is farther than a threshold
-- (one batched knn_match over .npy files read with read_npy).
-- Expects two .npy files of float32 (or any numeric dtype) 2-D arrays, one embedding per row, same dimensions;
-- rows that are not finite vectors are left out.
-- Point it at real files: strata run sql/drift.sql --param last_week=emb_w46.npy --param this_week=emb_w47.npy
-- @param last_week = sql/demo/docs_week1.npy
-- @param this_week = sql/demo/docs_week2.npy
-- @param threshold = 0.25

DROP TABLE IF EXISTS temp.last_week;
DROP TABLE IF EXISTS temp.this_week;
CREATE TEMP TABLE last_week AS SELECT i, vector FROM read_npy(:last_week) WHERE vec_check(vector) IS NULL;
CREATE TEMP TABLE this_week AS SELECT i, vector FROM read_npy(:this_week) WHERE vec_check(vector) IS NULL;

-- # Embedding drift
-- ## Centroids
SELECT (SELECT count(*) FROM last_week)                                   AS last_week_vectors,
       (SELECT count(*) FROM this_week)                                   AS this_week_vectors,
       round(cosine_distance((SELECT vec_avg(vector) FROM last_week),
                             (SELECT vec_avg(vector) FROM this_week)), 4) AS centroid_cosine_distance,
       round(l2_distance((SELECT vec_avg(vector) FROM last_week),
                         (SELECT vec_avg(vector) FROM this_week)), 4)     AS centroid_l2_distance;

-- ## This week's vectors far from everything last week
SELECT count(*)                                                        AS compared,
       sum(m.distance > :threshold)                                    AS farther_than_threshold,
       round(100.0 * sum(m.distance > :threshold) / count(*), 1)       AS pct,
       round(avg(m.distance), 4)                                       AS mean_nn_distance
FROM knn_match('temp.last_week.vector', 'temp.this_week.vector', 1) AS m;

-- ## Nearest-neighbour distance, this week → last week
SELECT printf('%.2f–%.2f', bucket / 20.0, bucket / 20.0 + 0.05) AS nn_distance, count(*) AS vectors
FROM (SELECT min(CAST(m.distance * 20 AS INTEGER), 19) AS bucket
      FROM knn_match('temp.last_week.vector', 'temp.this_week.vector', 1) AS m)
GROUP BY bucket
ORDER BY bucket;

-- ## Same check, last week against itself (the baseline: nearest other vector)
SELECT round(avg(m.distance), 4) AS mean_nn_distance_within_last_week,
       round(100.0 * sum(m.distance > :threshold) / count(*), 1) AS pct_farther_than_threshold
FROM knn_match('temp.last_week.vector', 'temp.last_week.vector', 2) AS m
WHERE m.rank = 2;
