-- The audit trail's Merkle tree (RFC 6962, see audit/tree.go): the stored
-- hashes of golang.org/x/mod/sumdb/tlog, numbered as it numbers them,
-- written in the transaction of the entry that adds them. The tree of the
-- entries written before this step is built when the store opens
-- (sqlstore.BuildAuditTree), in Go like every later hash.
CREATE TABLE audit_tree (
    idx  BIGINT PRIMARY KEY,
    hash BYTEA NOT NULL
);
CREATE FUNCTION audit_tree_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_tree is append-only';
END $$;
CREATE TRIGGER audit_tree_no_change BEFORE UPDATE OR DELETE ON audit_tree
    FOR EACH ROW EXECUTE FUNCTION audit_tree_append_only();
