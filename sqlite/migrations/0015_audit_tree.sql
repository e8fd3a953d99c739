-- The audit trail's Merkle tree (RFC 6962, see audit/tree.go): the stored
-- hashes of golang.org/x/mod/sumdb/tlog, numbered as it numbers them,
-- written in the transaction of the entry that adds them. The tree of the
-- entries written before this step is built when the store opens
-- (sqlstore.BuildAuditTree), since SQLite has no SHA-256 in SQL.
CREATE TABLE audit_tree (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
) STRICT;
CREATE TRIGGER audit_tree_no_update BEFORE UPDATE ON audit_tree BEGIN SELECT RAISE(ABORT, 'audit_tree is append-only'); END;
CREATE TRIGGER audit_tree_no_delete BEFORE DELETE ON audit_tree BEGIN SELECT RAISE(ABORT, 'audit_tree is append-only'); END;
