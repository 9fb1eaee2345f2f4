"""On-call as code: who is paged, in what order, and who is on call this week and this month."""
