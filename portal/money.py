"""Money and the UK public sector's financial years, as the portal stores and writes them."""

from decimal import Decimal

FIRST_FINANCIAL_YEAR = 1990
LAST_FINANCIAL_YEAR = 2100
MONEY = {"max_digits": 14, "decimal_places": 2}
ZERO = Decimal("0.00")


def financial_year_label(year):
    """The UK public-sector financial year that starts in April of `year`, e.g. "2024-25"."""
    return f"{year}-{(year + 1) % 100:02d}"


def financial_year_of(date):
    """The financial year a date falls in, as the year it starts in: 2024 for 31 March 2025."""
    return date.year if date.month >= 4 else date.year - 1


def pounds(amount):
    """An amount of money as people write it: £1,250,000.00."""
    return f"£{amount:,.2f}"
