-- Source tags carried by each post (JSON array), and crawl leases so that
-- two processes never run the same source at once.
ALTER TABLE posts ADD COLUMN tags JSONB NOT NULL DEFAULT '[]';
ALTER TABLE sources ADD COLUMN lease_owner TEXT;
ALTER TABLE sources ADD COLUMN lease_until TIMESTAMPTZ;
