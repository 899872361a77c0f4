-- Schema 2: wire copies (index/stories.py). Run on a new schema, and on one of schema 1
-- by its next update.
ALTER TABLE {schema}.articles ADD COLUMN IF NOT EXISTS story text;
CREATE INDEX IF NOT EXISTS articles_story ON {schema}.articles (story);
CREATE TABLE IF NOT EXISTS {schema}.story_bands (
    key bigint NOT NULL,
    article_id text NOT NULL REFERENCES {schema}.articles (id) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS story_bands_key ON {schema}.story_bands (key);
CREATE INDEX IF NOT EXISTS story_bands_article ON {schema}.story_bands (article_id);
