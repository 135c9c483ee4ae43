-- The batch rater's longest-prefix match in a few probes instead of one per prefix length
-- (sql/functions/rating.sql, docs/rating.md "How a batch is rated").
--
-- A binary search over the lengths of a plan's prefixes: probe the middle length; a hit
-- means the answer is that entry's or a longer prefix's, a miss that it is a shorter one.
-- For a hit to be found on the way to every longer prefix, each prefix leaves a marker (its
-- own first characters) at every length where the search for it turns to longer ones, and
-- every entry, prefix or marker, carries the longest prefix of the plan it starts with
-- (Waldvogel et al., "Scalable High Speed IP Routing Lookups", 1997). Seven lengths take
-- three probes; 63 would take six.

-- Every prefix of the plan and every marker, with the longest prefix of the plan that it
-- starts with (NULL: none) and that prefix's candidate set and band pattern. `level` is the
-- probe that can meet it (its length's depth in the plan's tree): each probe builds its
-- hash table of those rows only.
CREATE TABLE rating_prefix_search (
    plan_id          bigint NOT NULL REFERENCES rating_plans (id),
    prefix           text   NOT NULL,
    level            integer NOT NULL,
    best_prefix      text,
    candidate_set_id bigint REFERENCES rating_candidate_sets (id),
    pattern_id       bigint REFERENCES rating_band_patterns (id),
    PRIMARY KEY (plan_id, prefix)
);

-- The search as an implicit binary tree: node 1 is the first probe, node 2n follows a miss
-- at node n and node 2n + 1 a hit; search_tree[node] is the length probed there (NULL: the
-- search ends). search_depth is the most probes it takes.
ALTER TABLE rating_plans
    ADD COLUMN search_tree integer[],
    ADD COLUMN search_depth integer NOT NULL DEFAULT 0;

-- Set once rating_prefix_search and the plans' trees are derived (rating_prepare()): the
-- current tariffs stored before are prepared again by the next run.
ALTER TABLE rating_tariffs ADD COLUMN search_prepared boolean NOT NULL DEFAULT false;

-- A fast-path price's band as the one-element array rated_usage.time_bands stores, built
-- once instead of for every record.
ALTER TABLE rating_prices ADD COLUMN time_bands text[];
UPDATE rating_prices SET time_bands = ARRAY[time_band];
ALTER TABLE rating_prices ALTER COLUMN time_bands SET NOT NULL;

-- Replaced by date arithmetic inline (rating_rate_general()).
DROP FUNCTION IF EXISTS rating_local_days(timestamp, timestamp);
