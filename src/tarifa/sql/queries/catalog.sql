-- name: lock
-- One catalog load at a time: each compares the file with what is stored, then writes.
SELECT pg_advisory_xact_lock(hashtextextended('tarifa.catalog.load', 0))

-- name: load_by_hash
SELECT id FROM catalog_loads WHERE content_hash = %(content_hash)s

-- name: insert_load
INSERT INTO catalog_loads (content_hash, source, loaded_by, created)
VALUES (%(content_hash)s, %(source)s, %(loaded_by)s, %(created)s)
RETURNING id

-- name: products
SELECT id, code, name, service FROM catalog_products ORDER BY id

-- name: plans
SELECT id, code, name, description, dunning FROM catalog_plans ORDER BY id

-- name: versions
SELECT v.id, v.plan_id, v.number, v.effective_from, v.currencies, v.billing_period,
       v.proration, v.trial_days,
       coalesce((SELECT jsonb_object_agg(m.currency, m.amount::text)
                 FROM catalog_minimum_commitments m WHERE m.plan_version_id = v.id),
                '{}') AS minimum_commitment
FROM catalog_plan_versions v
ORDER BY v.plan_id, v.number

-- name: charges
SELECT c.id, c.plan_version_id, c.code, c.name, c.kind, p.code AS product, c.timing, c.metric,
       c.unit, c.tariff, c.allowance_quantity, c.allowance_prorate, c.allowance_destinations,
       c.periods,
       coalesce((SELECT jsonb_agg(jsonb_build_array(cp.currency, cp.spec) ORDER BY cp.currency)
                 FROM catalog_charge_prices cp WHERE cp.charge_id = c.id), '[]') AS prices
FROM catalog_charges c
JOIN catalog_products p ON p.id = c.product_id
ORDER BY c.plan_version_id, c.position

-- name: promotions
SELECT pr.plan_version_id, c.code AS charge, pr.periods,
       coalesce((SELECT jsonb_agg(jsonb_build_array(pp.currency, pp.spec) ORDER BY pp.currency)
                 FROM catalog_promotion_prices pp WHERE pp.promotion_id = pr.id),
                '[]') AS prices
FROM catalog_promotions pr
JOIN catalog_charges c ON c.id = pr.charge_id
ORDER BY pr.plan_version_id, pr.position

-- name: coupons
SELECT c.id, c.code, c.name, c.percentage, c.duration, c.periods, c.scope, c.target,
       c.valid_from, c.valid_until, c.max_redemptions,
       coalesce((SELECT jsonb_object_agg(a.currency, a.amount::text)
                 FROM catalog_coupon_amounts a WHERE a.coupon_id = c.id), '{}') AS amounts
FROM catalog_coupons c
ORDER BY c.id

-- name: insert_product
INSERT INTO catalog_products (code, name, service, load_id)
VALUES (%(code)s, %(name)s, %(service)s, %(load_id)s)
RETURNING id

-- name: rename_product
UPDATE catalog_products SET name = %(name)s, updated_at = now() WHERE code = %(code)s

-- name: insert_plan
INSERT INTO catalog_plans (code, name, description, dunning, load_id)
VALUES (%(code)s, %(name)s, %(description)s, %(dunning)s, %(load_id)s)
RETURNING id

-- name: describe_plan
UPDATE catalog_plans
SET name = %(name)s, description = %(description)s, dunning = %(dunning)s, updated_at = now()
WHERE code = %(code)s

-- name: plan_id
SELECT id FROM catalog_plans WHERE code = %(code)s

-- name: product_ids
SELECT code, id FROM catalog_products

-- name: insert_version
INSERT INTO catalog_plan_versions (plan_id, number, effective_from, currencies, billing_period,
                                   proration, trial_days, load_id)
VALUES (%(plan_id)s, %(number)s, %(effective_from)s, %(currencies)s, %(billing_period)s,
        %(proration)s, %(trial_days)s, %(load_id)s)
RETURNING id

-- name: insert_minimum
INSERT INTO catalog_minimum_commitments (plan_version_id, currency, amount)
VALUES (%(plan_version_id)s, %(currency)s, %(amount)s)

-- name: insert_charge
INSERT INTO catalog_charges (plan_version_id, position, code, name, kind, product_id, timing,
                             metric, unit, tariff, allowance_quantity, allowance_prorate,
                             allowance_destinations, periods)
VALUES (%(plan_version_id)s, %(position)s, %(code)s, %(name)s, %(kind)s, %(product_id)s,
        %(timing)s, %(metric)s, %(unit)s, %(tariff)s, %(allowance_quantity)s,
        %(allowance_prorate)s, %(allowance_destinations)s, %(periods)s)
RETURNING id

-- name: insert_charge_price
INSERT INTO catalog_charge_prices (charge_id, currency, model, spec)
VALUES (%(owner_id)s, %(currency)s, %(model)s, %(spec)s)

-- name: insert_promotion
INSERT INTO catalog_promotions (plan_version_id, position, charge_id, periods)
VALUES (%(plan_version_id)s, %(position)s, %(charge_id)s, %(periods)s)
RETURNING id

-- name: insert_promotion_price
INSERT INTO catalog_promotion_prices (promotion_id, currency, model, spec)
VALUES (%(owner_id)s, %(currency)s, %(model)s, %(spec)s)

-- name: insert_coupon
INSERT INTO catalog_coupons (code, name, percentage, duration, periods, scope, target,
                             valid_from, valid_until, max_redemptions, load_id)
VALUES (%(code)s, %(name)s, %(percentage)s, %(duration)s, %(periods)s, %(scope)s, %(target)s,
        %(valid_from)s, %(valid_until)s, %(max_redemptions)s, %(load_id)s)
RETURNING id

-- name: insert_coupon_amount
INSERT INTO catalog_coupon_amounts (coupon_id, currency, amount)
VALUES (%(coupon_id)s, %(currency)s, %(amount)s)
