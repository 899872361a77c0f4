-- Built after the first load of a schema (index/postgres/schema.py, create_search_indexes).
SET LOCAL maintenance_work_mem = '512MB';  -- the HNSW graph is built in memory
CREATE INDEX chunks_embedding ON {schema}.chunks USING hnsw (embedding vector_cosine_ops);
CREATE INDEX chunks_terms ON {schema}.chunks USING gin (terms);
