"""Numbers as Dutch readers write them: the one implementation of the rule.

`nl_number` is the only code in ictbench that turns a number into Dutch text. Two kinds
of published text use it:

* the benchmark reports (`pipelines/reporting/`) call it directly;
* the plausibility findings' messages (`marts.plausibility_findings.message`) are SQL of
  the dbt project, and call it as the DuckDB function `nl_number(value, decimals)`
  (the dbt macro `nl_number` in `dbt_project/macros/findings.sql` renders that call).
  The dbt-duckdb plugin `pipelines/warehouse/dbt_functions.py`, listed in
  `dbt_project/profiles.yml`, registers this function on dbt's connection.

So a change of the rule changes reports and messages alike. Why not the other way round
(the rule in SQL, the reports asking DuckDB)? The reports format tens of thousands of
numbers one by one (values, statistics, axis ticks); a query per number would cost
seconds, and a SQL expression cannot be shared as text between a Jinja macro and Python
without a second copy of it. Python's format specification `,.Nf` and the
`format('{:,.Nf}')` the messages used before produce the same digits (both round the
exact binary value, halves to even), so the messages stayed byte-identical.
"""

from __future__ import annotations


def nl_number(value: float, decimals: int = 0) -> str:
    """1234567.891 -> '1.234.567,89' with `decimals` decimals: thousands dots, a decimal
    comma, no rounding beyond `decimals` (halves of the binary value to even); a minus
    sign stays '-' (also '-0' for a tiny negative number)."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
