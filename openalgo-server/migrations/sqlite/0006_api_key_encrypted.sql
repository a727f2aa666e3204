-- The Fernet-encrypted copy of each API key (so a future UI can show it); the hash stays the
-- only thing verification uses.
ALTER TABLE api_keys ADD COLUMN api_key_encrypted TEXT NOT NULL DEFAULT '';
