-- Video platforms (Douyin, Kuaishou, Bilibili) authorise by a user grant:
-- an access token that expires (Kuaishou: 48 h) and a refresh token that
-- buys a new one. The refresh token (it may change on each refresh) and
-- the app's own secret (Kuaishou refresh, Bilibili request signatures)
-- are sealed like `secret`; `token` keeps caching the current access token.
ALTER TABLE syn_channels ADD COLUMN refresh_token TEXT;
ALTER TABLE syn_channels ADD COLUMN refresh_expires_at TIMESTAMPTZ;
ALTER TABLE syn_channels ADD COLUMN app_secret TEXT;
