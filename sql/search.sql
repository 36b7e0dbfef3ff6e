-- Semantic search: the documents nearest to a query vector (or to a given document, "more like this"),
-- with their metadata — knn_match over an embedding column joined to the documents table.
-- Expects a SQLite database with a table of documents (a key, a title, a topic) and a table of embeddings
-- (float32 BLOBs or JSON arrays, each naming its document; it may be the same table; vectors that are not
-- finite or have another dimension count than most are left out). Their names are
-- parameters, written into the SQL as quoted names; group_column/group pick one set of vectors per document
-- (the demo has a week per vector; give both as NULL to take every vector):
--   strata run sql/search.sql --param docs=kb.db --param documents_table=articles --param doc_key=article_id
--     --param title_column=headline --param topic_column=section --param embeddings_table=chunks
--     --param embedding_doc=article_id --param vector_column=vec --param group_column=NULL --param group=NULL
-- @param docs = sql/demo/docs.db
-- @param like_doc = 7
-- @param query = NULL
-- @param k = 8
-- @param group = 1
-- @param documents_table = documents (identifier)
-- @param doc_key = id (identifier)
-- @param title_column = title (identifier)
-- @param topic_column = topic (identifier)
-- @param embeddings_table = embeddings (identifier)
-- @param embedding_doc = doc_id (identifier)
-- @param vector_column = embedding (identifier)
-- @param group_column = week (identifier)

ATTACH :docs AS d;

DROP VIEW IF EXISTS temp.documents;
CREATE TEMP VIEW documents AS
SELECT :doc_key AS id, :title_column AS title, :topic_column AS topic FROM d.:documents_table;

DROP TABLE IF EXISTS temp.corpus;
CREATE TEMP TABLE corpus AS
SELECT doc_id, CASE WHEN typeof(embedding) = 'text' THEN vec_f32(embedding) ELSE embedding END AS embedding
FROM (SELECT :embedding_doc AS doc_id, :vector_column AS embedding, :group_column AS grp FROM d.:embeddings_table)
WHERE (:group IS NULL OR grp = :group) AND vec_check(embedding) IS NULL;
-- Vectors of another dimension count than most cannot be compared (sql/quality.sql lists them).
DELETE FROM corpus WHERE vec_dims(embedding) <> (SELECT vec_dims(embedding) FROM corpus
                                                GROUP BY vec_dims(embedding) ORDER BY count(*) DESC LIMIT 1);

-- # Semantic search
-- ## The query
SELECT CASE WHEN :query IS NULL THEN 'document ' || doc.id || ': ' || doc.title || ' (' || doc.topic || ')'
            ELSE 'the vector given with --param query' END AS query,
       vec_dims(coalesce(:query, c.embedding)) AS dims
FROM (SELECT 1) LEFT JOIN corpus AS c ON c.doc_id = :like_doc LEFT JOIN temp.documents AS doc ON doc.id = :like_doc;

-- ## Nearest documents (cosine distance)
SELECT m.rank, doc.id, doc.title, doc.topic, round(m.distance, 4) AS distance
FROM knn_match('temp.corpus.embedding',
               coalesce(:query, (SELECT embedding FROM corpus WHERE doc_id = :like_doc)),
               :k, 'cosine', NULL, 'doc_id') AS m             -- corpus_id: the row's doc_id
JOIN temp.documents AS doc ON doc.id = m.corpus_id
ORDER BY m.rank;

-- ## How many of the nearest share the query document's topic
SELECT doc.topic, count(*) AS neighbours
FROM knn_match('temp.corpus.embedding',
               coalesce(:query, (SELECT embedding FROM corpus WHERE doc_id = :like_doc)),
               :k, 'cosine', NULL, 'doc_id') AS m             -- corpus_id: the row's doc_id
JOIN temp.documents AS doc ON doc.id = m.corpus_id
GROUP BY doc.topic
ORDER BY neighbours DESC, doc.topic;

-- The database is let go, so the report can run again in the same shell session.
DETACH d;
