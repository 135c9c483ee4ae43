"""Percentage pricing: per transaction, ``rate / 100 × amount + fixed_fee``, within a clamp.

For payment-like charges (transfers, withdrawals, top-ups): each transaction of the period
pays a percent of its amount plus a fixed fee, and the sum of both is clamped to
``[min_per_transaction, max_per_transaction]`` when those are given (the clamp includes the
fixed fee). ``rate`` is a percent string: "1.2" is 1.2 %; it is not capped at 100 (a fee
larger than the transaction is odd, not wrong), only refused when negative.

Free transactions. A transaction is free (charged nothing at all, fixed fee included) while
both free limits still hold: it is among the first ``free_transactions`` of the period *and*
the running total of the period, itself included, stays within ``free_amount``. Once either
limit is passed, that transaction and every later one is charged in full. A transaction is
never split into a free and a charged part (Lago frees the part of a transaction below the
free amount; DOMAIN.md charges it whole, and so does tarifa). So transactions must come in
the order they happened. DOMAIN.md's example: rate 1.2, fixed fee 0.10, 3 free transactions,
free amount 500; transactions 200, 100, 100, 50: the first three are free (400 ≤ 500), the
fourth is past the three free ones, so it pays 0.10 + 1.2 % × 50 = 0.70.

Where only one free limit is given, the other is no limit: ``free_transactions: 3`` alone
makes the first three transactions free whatever their amounts, ``free_amount: "500"`` alone
keeps transactions free until the running total would pass 500. Where neither is given,
nothing is free. A limit of 0 is a limit that is passed at once (nothing free, except that a
``free_amount`` of 0 lets zero-amount transactions through until a paying one comes).

Zero transactions cost nothing and the breakdown is empty.

File form::

    {model: percentage, rate: "1.2", fixed_fee: "0.10", free_transactions: 3,
     free_amount: "500", min_per_transaction: "0.05", max_per_transaction: "20"}
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Literal

from tarifa.pricing.decimals import (
    ZERO,
    add,
    count_problem,
    multiply,
    number_problem,
    percent_factor,
    raise_problems,
)
from tarifa.pricing.result import ItemKind, PriceResult, PricingModel, item, result

_FREE = ItemKind.FREE_TRANSACTIONS
_CHARGED = ItemKind.CHARGED_TRANSACTIONS
_MODEL = PricingModel.PERCENTAGE
_EMPTY = PriceResult(model=_MODEL, amount=ZERO, breakdown=())


@dataclass(frozen=True, slots=True, kw_only=True)
class PercentageSpec:
    model: ClassVar[Literal[PricingModel.PERCENTAGE]] = PricingModel.PERCENTAGE

    rate: Decimal
    fixed_fee: Decimal = ZERO
    free_transactions: int | None = None
    free_amount: Decimal | None = None
    min_per_transaction: Decimal | None = None
    max_per_transaction: Decimal | None = None
    _factor: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        low, high = self.min_per_transaction, self.max_per_transaction
        low_problem = _optional(low, number_problem)
        high_problem = _optional(high, number_problem)
        if not (low_problem or high_problem):
            high_problem = clamp_problem(low, high)
        raise_problems(
            {
                "rate": number_problem(self.rate),
                "fixed_fee": number_problem(self.fixed_fee),
                "free_transactions": _optional(self.free_transactions, count_problem),
                "free_amount": _optional(self.free_amount, number_problem),
                "min_per_transaction": low_problem,
                "max_per_transaction": high_problem,
            }
        )
        object.__setattr__(self, "_factor", percent_factor(self.rate))


def clamp_problem(low: Decimal | None, high: Decimal | None) -> str | None:
    if low is not None and high is not None and high < low:
        return f"must not be below min_per_transaction ({low})"
    return None


def _optional(value: object, check: Callable[[object], str | None]) -> str | None:
    return None if value is None else check(value)


def price(spec: PercentageSpec, amounts: Sequence[Decimal]) -> PriceResult:
    if not amounts:
        return _EMPTY
    free_count, free_sum = _free(spec, amounts)
    if free_count == len(amounts):
        return result(_MODEL, ZERO, (item(_FREE, free_sum, ZERO, None, None, None, free_count),))
    charged = amounts[free_count:] if free_count else amounts
    total, worth = _charge(spec, charged)
    paid = item(_CHARGED, worth, total, None, spec.rate, None, len(charged))
    if not free_count:
        return result(_MODEL, total, (paid,))
    return result(_MODEL, total, (item(_FREE, free_sum, ZERO, None, None, None, free_count), paid))


def _free(spec: PercentageSpec, amounts: Sequence[Decimal]) -> tuple[int, Decimal]:
    """How many transactions at the start of the period are free, and what they are worth."""
    count_limit = spec.free_transactions
    amount_limit = spec.free_amount
    free_count = 0
    free_sum = ZERO
    if count_limit is None and amount_limit is None:
        return free_count, free_sum
    for value in amounts:
        running = add(free_sum, value)
        if (count_limit is not None and free_count >= count_limit) or (
            amount_limit is not None and running > amount_limit
        ):
            break
        free_count += 1
        free_sum = running
    return free_count, free_sum


def _charge(spec: PercentageSpec, amounts: Sequence[Decimal]) -> tuple[Decimal, Decimal]:
    """(what the transactions pay, what they are worth), each clamped on its own."""
    factor = spec._factor
    fixed = spec.fixed_fee
    low = spec.min_per_transaction
    high = spec.max_per_transaction
    total = ZERO
    worth = ZERO
    for value in amounts:
        fee = add(multiply(factor, value), fixed)
        if low is not None and fee < low:
            fee = low
        elif high is not None and fee > high:
            fee = high
        total = add(total, fee)
        worth = add(worth, value)
    return total, worth
