"""The commands of `ops`: plan, diff (and its in-place table), audit, rotate, restore-drill,
and the policy check the plan runs."""
