"""The API's request and response bodies, one module per resource, split by direction:
`…Create` and `…Update` are what a client sends, `…Public` what tarifa answers. Money is
always a decimal string (never a JSON number, which a client would read as a binary float)
with its currency beside it."""
