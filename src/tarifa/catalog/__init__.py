"""The catalog: what a provider sells (products, plans and their versions, charges, prices,
promotions, coupons), read from a reviewed YAML file and stored append-only."""
