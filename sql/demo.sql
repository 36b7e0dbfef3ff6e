-- Strata demo over bundled data: vectors stored as BLOBs in an ordinary table, queried with SQL.
-- Run: make demo   (or: strata :memory: < sql/demo.sql)

-- # Documents with small embeddings (JSON text converted to float32 BLOBs)
CREATE TABLE docs(id INTEGER PRIMARY KEY, title TEXT, embedding BLOB);
INSERT INTO docs(title, embedding) VALUES
  ('GPU out of memory during retrain',    vec_f32('[0.90, 0.10, 0.05, 0.00]')),
  ('CUDA OOM on batch size 512',          vec_f32('[0.85, 0.15, 0.10, 0.05]')),
  ('Nightly ingestion finished',          vec_f32('[0.05, 0.90, 0.10, 0.10]')),
  ('Embedding refresh took 3x longer',    vec_f32('[0.10, 0.40, 0.80, 0.10]')),
  ('Prediction scores drifted on v2',     vec_f32('[0.05, 0.10, 0.30, 0.90]'));

-- # Nearest documents to "memory error on GPU"
SELECT title,
       round(cosine_distance(embedding, '[0.88, 0.12, 0.07, 0.02]'), 4) AS cosine_distance,
       round(l2_distance(embedding, '[0.88, 0.12, 0.07, 0.02]'), 4)     AS l2
FROM docs
ORDER BY cosine_distance
LIMIT 3;

-- # The centroid of all documents, and how far each lies from it
SELECT vec_to_json(vec_avg(embedding)) AS centroid, vec_dims(vec_avg(embedding)) AS dims FROM docs;

SELECT title, round(cosine_distance(embedding, (SELECT vec_avg(embedding) FROM docs)), 4) AS from_centroid
FROM docs ORDER BY from_centroid DESC;
