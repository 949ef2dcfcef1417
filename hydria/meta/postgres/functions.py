"""Server-side functions: the hot object write as one statement instead of eight.

Each statement costs a node tens of microseconds of Python in psycopg, so a PutObject written
as BEGIN, two locks, a read, three writes and COMMIT spent most of a node's CPU in the database
client (docs/PERFORMANCE.md). ``hydria_put_object`` does the same steps inside PostgreSQL, under
the same locks and in the same order as ``hydria.meta.postgres.versions`` (which keeps the
other writes): the key's advisory lock (its id computed by the caller, so both paths lock the
same id), the bucket row FOR KEY SHARE with its versioning state, then the current version,
each read by a statement that starts after the lock is held. The version rules are those of ``versions.make_current``; the
contract suite (tests/contract) holds both backends to one behaviour.

The function returns one row: a status ("ok", "NoSuchBucket", "NoSuchKey", "If-None-Match",
"If-Match"), the new version's id and sequence number, and the replaced current version's
``OBJECT_COLUMNS`` (NULLs when there was none). A failed condition changes nothing.
"""

from __future__ import annotations

PUT_OBJECT_SQL = """
CREATE FUNCTION hydria_release(p_segments TEXT, p_now DOUBLE PRECISION,
                               p_grace_files DOUBLE PRECISION, p_grace_inline DOUBLE PRECISION)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    parts JSONB := p_segments::jsonb;
BEGIN
    -- A lone inline segment was read with its row, so no reader can still need it.
    IF jsonb_array_length(parts) = 1 AND (parts->0->>2)::int = 1 THEN
        DELETE FROM inline_blobs WHERE blob_id = parts->0->>0;
        RETURN;
    END IF;
    DELETE FROM blobs WHERE blob_id IN (
        SELECT e->>0 FROM jsonb_array_elements(parts) e WHERE (e->>2)::int = 0);
    INSERT INTO garbage (blob_id, due, inline)
    SELECT e->>0,
           p_now + CASE WHEN (e->>2)::int = 1 THEN p_grace_inline ELSE p_grace_files END,
           (e->>2)::smallint
    FROM jsonb_array_elements(parts) e
    ON CONFLICT (blob_id) DO UPDATE SET due = EXCLUDED.due, inline = EXCLUDED.inline;
END
$$;

CREATE FUNCTION hydria_put_object(
    p_bucket TEXT, p_key TEXT, p_lock BIGINT,
    p_size BIGINT, p_etag TEXT, p_last_modified DOUBLE PRECISION, p_owner_id TEXT,
    p_storage_class TEXT, p_headers TEXT, p_segments TEXT, p_inline_blob TEXT,
    p_part_sizes TEXT, p_extra TEXT, p_is_marker SMALLINT,
    p_inline_ids TEXT[], p_inline_data BYTEA, p_file_ids TEXT[],
    p_seq BIGINT, p_random BYTEA,
    p_if_none_match BOOLEAN, p_if_match TEXT,
    p_now DOUBLE PRECISION, p_grace_files DOUBLE PRECISION, p_grace_inline DOUBLE PRECISION)
RETURNS TABLE (
    status TEXT, new_version_id TEXT, new_seq BIGINT,
    bucket TEXT, key TEXT, size BIGINT, etag TEXT, last_modified DOUBLE PRECISION,
    owner_id TEXT, storage_class TEXT, headers TEXT, segments TEXT, part_sizes TEXT,
    extra TEXT, version_id TEXT, seq BIGINT, is_marker SMALLINT)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_versioning TEXT;
    old objects%ROWTYPE;
    v_live BOOLEAN;
    v_seq BIGINT;
    v_version TEXT;
    v_keep BOOLEAN;
    v_released TEXT;
BEGIN
    -- The key's lock first, then the bucket's versioning state (see versions.lock_key).
    PERFORM pg_advisory_xact_lock(p_lock);
    SELECT b.versioning INTO v_versioning FROM buckets b WHERE b.name = p_bucket FOR KEY SHARE;
    IF NOT FOUND THEN
        RETURN QUERY SELECT 'NoSuchBucket', NULL::text, NULL::bigint, NULL::text, NULL::text,
            NULL::bigint, NULL::text, NULL::float8, NULL::text, NULL::text, NULL::text,
            NULL::text, NULL::text, NULL::text, NULL::text, NULL::bigint, NULL::smallint;
        RETURN;
    END IF;
    -- A new statement, so a new snapshot: it sees the commit of the lock's previous holder.
    SELECT * INTO old FROM objects o WHERE o.bucket = p_bucket AND o.key = p_key;
    v_live := FOUND AND old.is_marker = 0;
    IF p_if_none_match AND v_live THEN
        status := 'If-None-Match';
    ELSIF p_if_match IS NOT NULL AND NOT v_live THEN
        status := 'NoSuchKey';
    ELSIF p_if_match IS NOT NULL AND p_if_match <> '*' AND old.etag <> p_if_match THEN
        status := 'If-Match';
    END IF;
    IF status IS NOT NULL THEN
        RETURN NEXT;
        RETURN;
    END IF;

    INSERT INTO inline_blobs (blob_id, data)
    SELECT id, coalesce(p_inline_data, ''::bytea) FROM unnest(p_inline_ids) id;
    INSERT INTO blobs (blob_id) SELECT id FROM unnest(p_file_ids) id ON CONFLICT DO NOTHING;

    v_seq := greatest(p_seq, coalesce(old.seq + 1, 0));
    IF v_versioning = 'Enabled' THEN
        v_version := translate(encode(int8send(v_seq) || p_random, 'base64'), '+/', '-_');
    ELSIF v_versioning <> '' THEN
        v_version := 'null';
    END IF;
    v_keep := old.bucket IS NOT NULL AND (v_versioning = 'Enabled' OR (
        v_versioning = 'Suspended' AND old.version_id IS NOT NULL AND old.version_id <> 'null'));
    IF v_keep THEN
        INSERT INTO versions (bucket, key, size, etag, last_modified, owner_id, storage_class,
            headers, segments, inline_blob, part_sizes, extra, version_id, seq, is_marker)
        SELECT o.bucket, o.key, o.size, o.etag, o.last_modified,
            o.owner_id, o.storage_class, o.headers, o.segments, o.inline_blob, o.part_sizes,
            o.extra, o.version_id, o.seq, o.is_marker
        FROM objects o WHERE o.bucket = p_bucket AND o.key = p_key;
    END IF;
    IF v_versioning = 'Suspended' THEN
        FOR v_released IN
            DELETE FROM versions v WHERE v.bucket = p_bucket AND v.key = p_key
                AND (v.version_id IS NULL OR v.version_id = 'null')
            RETURNING v.segments
        LOOP
            PERFORM hydria_release(v_released, p_now, p_grace_files, p_grace_inline);
        END LOOP;
    END IF;
    INSERT INTO objects AS o (bucket, key, size, etag, last_modified, owner_id, storage_class,
        headers, segments, inline_blob, part_sizes, extra, version_id, seq, is_marker)
    VALUES (p_bucket, p_key, p_size, p_etag, p_last_modified, p_owner_id, p_storage_class,
        p_headers, p_segments, p_inline_blob, p_part_sizes, p_extra, v_version, v_seq,
        p_is_marker)
    ON CONFLICT (bucket, key) DO UPDATE SET size = EXCLUDED.size, etag = EXCLUDED.etag,
        last_modified = EXCLUDED.last_modified, owner_id = EXCLUDED.owner_id,
        storage_class = EXCLUDED.storage_class, headers = EXCLUDED.headers,
        segments = EXCLUDED.segments, inline_blob = EXCLUDED.inline_blob,
        part_sizes = EXCLUDED.part_sizes, extra = EXCLUDED.extra,
        version_id = EXCLUDED.version_id, seq = EXCLUDED.seq, is_marker = EXCLUDED.is_marker;
    IF old.bucket IS NOT NULL AND NOT v_keep THEN
        PERFORM hydria_release(old.segments, p_now, p_grace_files, p_grace_inline);
    END IF;
    RETURN QUERY SELECT 'ok', v_version, v_seq, old.bucket, old.key, old.size, old.etag,
        old.last_modified, old.owner_id, old.storage_class, old.headers, old.segments,
        old.part_sizes, old.extra, old.version_id, old.seq, old.is_marker;
END
$$;
"""
