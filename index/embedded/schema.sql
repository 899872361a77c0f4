-- One generation of the index. Chunk ids are the FAISS ids and are never reused.
CREATE TABLE articles (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    date TEXT,
    url TEXT,
    source TEXT,
    language TEXT NOT NULL,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    origin TEXT,
    story TEXT  -- the id that links wire copies of one dispatch (index/stories.py)
);
CREATE INDEX articles_date ON articles(date);
CREATE INDEX articles_origin ON articles(origin);

CREATE TABLE paragraphs (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    PRIMARY KEY (article_id, position)
) WITHOUT ROWID;

CREATE TABLE sentences (
    id INTEGER PRIMARY KEY,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    paragraph INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    vector BLOB NOT NULL  -- float16, normalised: used to pick the answer sentence
);
CREATE UNIQUE INDEX sentences_place ON sentences(article_id, position);

CREATE TABLE chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    first_sentence INTEGER NOT NULL,
    last_sentence INTEGER NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX chunks_article ON chunks(article_id);

-- Terms are stemmed per language by index/analyzer.py before they reach FTS5.
CREATE VIRTUAL TABLE chunks_fts USING fts5(title, body, tokenize = 'unicode61');
CREATE VIRTUAL TABLE chunks_vocab USING fts5vocab(chunks_fts, row);

-- Schema 2: wire copies. Added to an index of schema 1 by its next update.
CREATE INDEX articles_story ON articles(story);
CREATE TABLE story_bands (
    key INTEGER NOT NULL,  -- one MinHash band of the article's text (index/stories.py)
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE
);
CREATE INDEX story_bands_key ON story_bands(key);
CREATE INDEX story_bands_article ON story_bands(article_id);
