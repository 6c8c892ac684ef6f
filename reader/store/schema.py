"""The SQLite schema and its numbered migrations (tracked with PRAGMA user_version)."""

from __future__ import annotations

# Each entry upgrades the schema by one version; entry i takes user_version i to i + 1.
# Never edit a shipped migration: append a new one.
MIGRATIONS: tuple[str, ...] = (
    # 0 -> 1: the initial schema.
    """
    CREATE TABLE feeds (
        id            INTEGER PRIMARY KEY,
        url           TEXT NOT NULL UNIQUE,
        title         TEXT,              -- the user's title (config, OPML, `add --title`); wins over doc_title
        doc_title     TEXT,              -- the title the feed document gives
        site_url      TEXT,
        poll_interval INTEGER,           -- seconds; NULL = the global default
        fulltext      TEXT,              -- off | on-open | prefetch; NULL = the global default
        active        INTEGER NOT NULL DEFAULT 1,  -- 0: removed, kept only because it has saved items
        origin        TEXT NOT NULL DEFAULT 'user',  -- 'config': listed in the config file; 'user': add/import
        added_at      TEXT NOT NULL,
        -- fetch state
        etag          TEXT,
        last_modified TEXT,
        body_hash     TEXT,
        last_status   INTEGER,
        last_error    TEXT,
        failures      INTEGER NOT NULL DEFAULT 0,
        last_fetched  TEXT,
        last_success  TEXT,
        next_due      TEXT,
        due_reason    TEXT,
        ttl_minutes   INTEGER
    );

    CREATE TABLE feed_tags (
        feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        tag     TEXT NOT NULL,
        PRIMARY KEY (feed_id, tag)
    ) WITHOUT ROWID;
    CREATE INDEX feed_tags_tag ON feed_tags(tag);

    CREATE TABLE items (
        id            INTEGER PRIMARY KEY,
        feed_id       INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key           TEXT NOT NULL,      -- identity within the feed: guid, else link, else hash
        guid          TEXT,
        title         TEXT NOT NULL,
        link          TEXT,
        author        TEXT,
        summary       TEXT,
        content       TEXT,
        published     TEXT,
        updated       TEXT,
        sort_date     TEXT NOT NULL,      -- published, else first_seen: the headline order
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL,      -- last time the feed document carried it (retention uses it)
        content_hash  TEXT NOT NULL,
        read          INTEGER NOT NULL DEFAULT 0,
        read_at       TEXT,
        saved         INTEGER NOT NULL DEFAULT 0,
        saved_at      TEXT,
        fulltext_state TEXT,              -- NULL not tried | done | failed | skipped
        fulltext_error TEXT,
        UNIQUE (feed_id, key)
    );
    CREATE INDEX items_by_date ON items(sort_date DESC, id DESC);
    CREATE INDEX items_by_feed ON items(feed_id, sort_date DESC, id DESC);
    CREATE INDEX items_unread ON items(sort_date DESC, id DESC) WHERE read = 0;
    CREATE INDEX items_saved ON items(sort_date DESC, id DESC) WHERE saved = 1;

    -- Extracted full text, one row per item; saved items keep theirs forever (an offline copy).
    CREATE TABLE articles (
        item_id           INTEGER PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
        url               TEXT,
        title             TEXT,
        byline            TEXT,
        published         TEXT,
        markdown          TEXT NOT NULL,
        text              TEXT NOT NULL,
        word_count        INTEGER NOT NULL,
        reading_minutes   INTEGER NOT NULL,
        link_density      REAL NOT NULL DEFAULT 0,
        thin              INTEGER NOT NULL DEFAULT 0,
        thin_reason       TEXT,
        source            TEXT NOT NULL DEFAULT 'page',
        note              TEXT,
        extractor_version TEXT NOT NULL,
        extracted_at      TEXT NOT NULL
    );

    -- Full-text search over titles and text (feed text, then the extracted article when there is one).
    -- rowid = items.id.
    CREATE VIRTUAL TABLE items_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2');
    """,
    # 1 -> 2 (issue 8, fetch hardening):
    # - feeds.source_url: the URL the subscription names (config entry, `add`, OPML) when the feed now lives at
    #   another URL (a permanent redirect, or the feed a web page links to), so the two stay one feed.
    # - items.id AUTOINCREMENT: an id is never reused, even after the newest items were deleted. SQLite cannot
    #   add it in place: the table is copied. `articles` (which references items) is copied first and dropped
    #   first, so dropping the old items table deletes nothing through ON DELETE CASCADE; renaming the copies
    #   afterwards points articles' reference at the new items table.
    """
    ALTER TABLE feeds ADD COLUMN source_url TEXT;
    CREATE INDEX feeds_source_url ON feeds(source_url) WHERE source_url IS NOT NULL;

    CREATE TABLE items_v2 (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        feed_id       INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
        key           TEXT NOT NULL,
        guid          TEXT,
        title         TEXT NOT NULL,
        link          TEXT,
        author        TEXT,
        summary       TEXT,
        content       TEXT,
        published     TEXT,
        updated       TEXT,
        sort_date     TEXT NOT NULL,
        first_seen    TEXT NOT NULL,
        last_seen     TEXT NOT NULL,
        content_hash  TEXT NOT NULL,
        read          INTEGER NOT NULL DEFAULT 0,
        read_at       TEXT,
        saved         INTEGER NOT NULL DEFAULT 0,
        saved_at      TEXT,
        fulltext_state TEXT,
        fulltext_error TEXT,
        UNIQUE (feed_id, key)
    );
    INSERT INTO items_v2 (id, feed_id, key, guid, title, link, author, summary, content, published, updated,
        sort_date, first_seen, last_seen, content_hash, read, read_at, saved, saved_at, fulltext_state,
        fulltext_error)
    SELECT id, feed_id, key, guid, title, link, author, summary, content, published, updated,
        sort_date, first_seen, last_seen, content_hash, read, read_at, saved, saved_at, fulltext_state,
        fulltext_error
    FROM items;

    CREATE TABLE articles_v2 (
        item_id           INTEGER PRIMARY KEY REFERENCES items_v2(id) ON DELETE CASCADE,
        url               TEXT,
        title             TEXT,
        byline            TEXT,
        published         TEXT,
        markdown          TEXT NOT NULL,
        text              TEXT NOT NULL,
        word_count        INTEGER NOT NULL,
        reading_minutes   INTEGER NOT NULL,
        link_density      REAL NOT NULL DEFAULT 0,
        thin              INTEGER NOT NULL DEFAULT 0,
        thin_reason       TEXT,
        source            TEXT NOT NULL DEFAULT 'page',
        note              TEXT,
        extractor_version TEXT NOT NULL,
        extracted_at      TEXT NOT NULL
    );
    INSERT INTO articles_v2 (item_id, url, title, byline, published, markdown, text, word_count,
        reading_minutes, link_density, thin, thin_reason, source, note, extractor_version, extracted_at)
    SELECT item_id, url, title, byline, published, markdown, text, word_count,
        reading_minutes, link_density, thin, thin_reason, source, note, extractor_version, extracted_at
    FROM articles;

    DROP TABLE articles;
    DROP TABLE items;
    ALTER TABLE items_v2 RENAME TO items;
    ALTER TABLE articles_v2 RENAME TO articles;
    CREATE INDEX items_by_date ON items(sort_date DESC, id DESC);
    CREATE INDEX items_by_feed ON items(feed_id, sort_date DESC, id DESC);
    CREATE INDEX items_unread ON items(sort_date DESC, id DESC) WHERE read = 0;
    CREATE INDEX items_saved ON items(sort_date DESC, id DESC) WHERE saved = 1;
    """,
    # 2 -> 3: stories (items from many feeds grouped by the news they report) and tracked topics (issue 11).
    """
    ALTER TABLE items ADD COLUMN story_id INTEGER;      -- NULL: not grouped yet (items from before this version)
    ALTER TABLE items ADD COLUMN story_terms TEXT;      -- the title terms grouping used, space-separated
    CREATE INDEX items_by_story ON items(story_id, feed_id);

    CREATE TABLE stories (
        id          INTEGER PRIMARY KEY,
        lead_item   INTEGER,                -- the earliest item: its headline names the story
        size        INTEGER NOT NULL,       -- items grouped into it (deleted items are not subtracted)
        feed_count  INTEGER NOT NULL,
        first_feed  INTEGER,
        first_t     INTEGER NOT NULL,       -- publication times (epoch seconds) of its earliest and newest items
        last_t      INTEGER NOT NULL,
        newest      TEXT NOT NULL           -- sort_date of its newest item: the order stories are listed in
    );
    CREATE INDEX stories_by_newest ON stories(newest DESC, id DESC);

    CREATE TABLE story_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

    -- Tracked topics: saved full-text searches; seen_id is the newest item already announced.
    CREATE TABLE topics (
        name    TEXT PRIMARY KEY,
        query   TEXT NOT NULL,
        origin  TEXT NOT NULL DEFAULT 'config',
        seen_id INTEGER NOT NULL DEFAULT 0
    );
    """,
    # 3 -> 4 (TUI sort orders): feeds by name, the way the "by feed" order walks them (the feed pane's order),
    # so a page of a 100,000-item archive sorted by feed needs no sort of the whole archive.
    """
    CREATE INDEX feeds_by_name ON feeds(lower(COALESCE(title, doc_title, url)), id);
    """,
    # 4 -> 5: sync with a Google Reader API server (issue 12): the server's ids beside feeds and items, the
    # outbox of local changes waiting to be sent, and a little sync state (which account the ids belong to).
    """
    ALTER TABLE feeds ADD COLUMN server_id TEXT;      -- "feed/12" on the sync server; NULL: local only
    ALTER TABLE items ADD COLUMN server_id INTEGER;   -- the server's 64-bit item id (signed); NULL: local only
    CREATE UNIQUE INDEX feeds_server_id ON feeds(server_id) WHERE server_id IS NOT NULL;
    CREATE UNIQUE INDEX items_server_id ON items(server_id) WHERE server_id IS NOT NULL;

    -- One row per local change not yet sent. Item rows keep the server id (not the local row), so a change
    -- to an item that is purged or removed before the next sync still reaches the server.
    CREATE TABLE sync_outbox (
        id        INTEGER PRIMARY KEY,
        kind      TEXT NOT NULL,      -- item | mark-all | subscribe | unsubscribe
        server_id INTEGER,            -- item: the server's item id
        field     TEXT,               -- item: read | starred
        value     INTEGER,            -- item: 1 set, 0 unset
        stream    TEXT,               -- mark-all: the stream; unsubscribe: feed/<id>
        ts        INTEGER,            -- mark-all: the newest item id marked (FreshRSS compares ts with ids)
        via       INTEGER,            -- item rows a mark-all made: its row id (sent by it, not one by one)
        url       TEXT,               -- subscribe / unsubscribe: the feed URL
        title     TEXT,               -- subscribe: the user's title
        label     TEXT,               -- subscribe: the folder (the feed's first tag)
        created   TEXT NOT NULL
    );
    CREATE INDEX sync_outbox_item ON sync_outbox(server_id, field) WHERE server_id IS NOT NULL;
    CREATE INDEX sync_outbox_via ON sync_outbox(via) WHERE via IS NOT NULL;

    CREATE TABLE sync_state (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Server ids of items deleted here (retention, `remove`): a pull does not bring them back unless the
    -- server has them unread or starred.
    CREATE TABLE sync_forgotten (server_id INTEGER PRIMARY KEY);
    CREATE TRIGGER items_forget_server_id AFTER DELETE ON items WHEN old.server_id IS NOT NULL
    BEGIN
        INSERT OR IGNORE INTO sync_forgotten (server_id) VALUES (old.server_id);
    END;
    """,
    # 6 (mute): [mute] rules, and which rule marked an item read as it arrived.
    """
    ALTER TABLE items ADD COLUMN muted_by TEXT;
    CREATE TABLE mutes (
        name    TEXT PRIMARY KEY,
        query   TEXT NOT NULL,
        scope   TEXT NOT NULL,      -- the tags and feeds it is limited to (MuteRule.scope)
        seen_id INTEGER NOT NULL    -- items up to this id were checked (a new rule starts at the newest)
    ) WITHOUT ROWID;
    """,
    # 7 (folded views): the unread items by story, so counting unread stories (the feed pane's Stories row,
    # a folded unread view) walks this index in story order instead of looking up every unread row.
    """
    CREATE INDEX items_unread_by_story ON items(story_id) WHERE read = 0;
    """,
    # 8 (site rules): reader-mode rules saved from the TUI (`E`), beside the config file's [sites].
    """
    CREATE TABLE site_rules (
        host    TEXT PRIMARY KEY,
        content TEXT,           -- CSS selector(s) of the article's element(s), or NULL
        remove  TEXT            -- CSS selector(s) of elements dropped first, or NULL
    ) WITHOUT ROWID;
    """,
    # 9 (enclosures): the files an item carries (podcast episodes, documents), as JSON [[url, type, length]].
    """
    ALTER TABLE items ADD COLUMN enclosures TEXT;
    """,
)

SCHEMA_VERSION = len(MIGRATIONS)
OUR_TABLES = frozenset(
    {"feeds", "feed_tags", "items", "articles", "items_fts"}
    | {"stories", "story_meta", "topics"}
    | {"sync_outbox", "sync_state", "sync_forgotten"}
    | {"mutes"}
    | {"site_rules"}
)
