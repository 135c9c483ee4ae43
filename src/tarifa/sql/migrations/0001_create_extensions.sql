-- btree_gist lets an exclusion constraint mix equality (an identifier) with range overlap
-- (its validity period): one phone number, one owner at a time.
CREATE EXTENSION IF NOT EXISTS btree_gist;
