-- The demo app's source tables. Freshet reads them through logical replication only.
CREATE TABLE IF NOT EXISTS users (
  id          bigint PRIMARY KEY,
  name        text NOT NULL,
  country     text,
  created_at  timestamptz NOT NULL DEFAULT now()
);
-- Updates and deletes carry the whole old row (features.yaml: replica_identity: full).
ALTER TABLE users REPLICA IDENTITY FULL;

CREATE TABLE IF NOT EXISTS events (
  id           bigserial PRIMARY KEY,
  user_id      bigint NOT NULL REFERENCES users (id),
  kind         text NOT NULL CHECK (kind IN ('view', 'click', 'add_to_cart', 'purchase')),
  item         text NOT NULL,
  category     text NOT NULL,
  author       text,
  amount       numeric(10, 2),
  occurred_at  timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS events_user_time ON events (user_id, occurred_at);
