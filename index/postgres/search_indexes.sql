-- Built after the first load of a schema (index/postgres/schema.py, create_search_indexes).
SET LOCAL maintenance_work_mem = '512MB';  -- the HNSW graph is built in memory
CREATE INDEX chunks_embedding ON {schema}.chunks USING hnsw (embedding vector_cosine_ops);
-- Keyword search reads only this index (an index-only scan once vacuumed).
ALTER TABLE {schema}.postings ADD CONSTRAINT postings_pkey
    PRIMARY KEY (term, chunk_id) INCLUDE (frequency, length);
CREATE INDEX postings_chunk ON {schema}.postings (chunk_id);  -- deletes of chunks
