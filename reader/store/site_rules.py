"""Site rules saved from the TUI (`E` on an article): the user's reader-mode selectors for a host, beside the
config file's `[sites]` (which the TUI never rewrites; a host the config names keeps the config's rule)."""

from __future__ import annotations

from reader.models import SiteRule
from reader.store.base import StoreBase


class SiteRuleQueries(StoreBase):
    """Site rules; mixed into `Store`."""

    def site_rules(self) -> list[SiteRule]:
        rows = self._read("SELECT host, content, remove FROM site_rules ORDER BY host")
        return [SiteRule(host=r[0], content=r[1], remove=r[2]) for r in rows]

    def save_site_rule(self, rule: SiteRule) -> None:
        """Save `rule` for its host (replacing the host's rule)."""
        with self._write() as c:
            c.execute(
                "INSERT OR REPLACE INTO site_rules (host, content, remove) VALUES (?, ?, ?)",
                (rule.host, rule.content, rule.remove),
            )

    def delete_site_rule(self, host: str) -> bool:
        with self._write() as c:
            return bool(c.execute("DELETE FROM site_rules WHERE host = ?", (host,)).rowcount)
