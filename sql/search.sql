-- Semantic search: the documents nearest to a query vector (or to a given document, "more like this"),
-- with their metadata — knn_match over an embedding column joined to the documents table.
-- Point it at real data: strata run sql/search.sql --param docs=my.db --param query='[0.1, ...]'
-- (the database needs documents(id, title, topic) and embeddings(doc_id, week, embedding)).
-- @param docs = sql/demo/docs.db
-- @param like_doc = 7
-- @param query = NULL
-- @param k = 8
-- @param week = 1

ATTACH :docs AS d;

CREATE TEMP TABLE corpus AS
SELECT doc_id, embedding FROM d.embeddings WHERE week = :week AND vec_check(embedding) IS NULL;

-- # Semantic search
-- ## The query
SELECT CASE WHEN :query IS NULL THEN 'document ' || doc.id || ': ' || doc.title || ' (' || doc.topic || ')'
            ELSE 'the vector given with --param query' END AS query,
       vec_dims(coalesce(:query, c.embedding)) AS dims
FROM (SELECT 1) LEFT JOIN corpus AS c ON c.doc_id = :like_doc LEFT JOIN d.documents AS doc ON doc.id = :like_doc;

-- ## Nearest documents (cosine distance)
SELECT m.rank, doc.id, doc.title, doc.topic, round(m.distance, 4) AS distance
FROM knn_match('temp.corpus.embedding',
               coalesce(:query, (SELECT embedding FROM corpus WHERE doc_id = :like_doc)),
               :k) AS m
JOIN corpus AS c ON c.rowid = m.id
JOIN d.documents AS doc ON doc.id = c.doc_id
ORDER BY m.rank;

-- ## How many of the nearest share the query document's topic
SELECT doc.topic, count(*) AS neighbours
FROM knn_match('temp.corpus.embedding',
               coalesce(:query, (SELECT embedding FROM corpus WHERE doc_id = :like_doc)),
               :k) AS m
JOIN corpus AS c ON c.rowid = m.id
JOIN d.documents AS doc ON doc.id = c.doc_id
GROUP BY doc.topic
ORDER BY neighbours DESC, doc.topic;
