"""Alerting (runbooks 000-004): `platform:alerts` (`config.AlertsConfig`), the topics and their
subscribers (`routing`), health checks, SLO burn rates, the threshold table, the platform's own duties
(`operations_alarms`), events forwarded from other regions, and `alerting.Alerting`, which wires them."""
