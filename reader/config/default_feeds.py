"""The curated technology-policy feeds a new user starts with (mirrored in config.example.toml)."""

from __future__ import annotations

from reader.models import FeedConfig

# One source of truth: config.example.toml lists exactly these feeds, and a test holds the two together.
# Tags are a topic vocabulary (privacy, antitrust, ai, security, speech, copyright, platforms, ...) plus a
# jurisdiction (us, eu, uk, global) where one fits, and "regulator" for official sources.
# Regulators publish a few items a day, so they are polled less often; paywalled analysis is not
# fetched in full (the page would only hold a subscribe prompt).
_H = 3600

DEFAULT_FEEDS: tuple[FeedConfig, ...] = (
    # News desks covering tech policy.
    FeedConfig(
        "https://feeds.arstechnica.com/arstechnica/tech-policy", "Ars Technica: Tech Policy", ("policy", "us")
    ),
    FeedConfig("https://www.theverge.com/rss/policy/index.xml", "The Verge: Policy", ("policy", "platforms")),
    FeedConfig("https://time.com/tech/feed/", "TIME: Tech", ("news", "ai")),
    FeedConfig(
        "https://www.wired.com/feed/category/security/latest/rss",
        "WIRED: Security",
        ("security", "privacy"),
        fulltext="on-open",
    ),
    FeedConfig("https://www.technologyreview.com/feed/", "MIT Technology Review", ("ai", "research")),
    FeedConfig("https://restofworld.org/feed/latest", "Rest of World", ("global", "platforms")),
    # Analysis and law.
    FeedConfig("https://www.lawfaremedia.org/feeds/articles", "Lawfare", ("security", "law", "us")),
    FeedConfig("https://www.techdirt.com/feed/", "Techdirt", ("speech", "copyright", "us")),
    FeedConfig(
        "https://stratechery.com/feed/",
        "Stratechery",
        ("analysis", "antitrust", "platforms"),
        poll_interval=6 * _H,
        fulltext="off",
    ),
    FeedConfig("https://www.platformer.news/rss/", "Platformer", ("platforms", "speech"), fulltext="on-open"),
    FeedConfig(
        "https://www.schneier.com/feed/atom/",
        "Schneier on Security",
        ("security", "privacy"),
        poll_interval=2 * _H,
    ),
    FeedConfig("https://krebsonsecurity.com/feed/", "Krebs on Security", ("security",), poll_interval=2 * _H),
    # Civil society.
    FeedConfig(
        "https://www.eff.org/rss/updates.xml", "EFF Deeplinks", ("privacy", "speech", "civil-liberties", "us")
    ),
    FeedConfig(
        "https://cdt.org/feed/",
        "Center for Democracy & Technology",
        ("privacy", "civil-liberties", "us"),
        poll_interval=2 * _H,
    ),
    # Governments and regulators.
    FeedConfig(
        "https://www.ftc.gov/feeds/press-release.xml",
        "FTC: Press releases",
        ("antitrust", "privacy", "consumer-protection", "us", "regulator"),
        poll_interval=2 * _H,
    ),
    FeedConfig(
        "https://www.nist.gov/news-events/news/rss.xml",
        "NIST: News",
        ("standards", "ai", "security", "us", "regulator"),
        poll_interval=6 * _H,
    ),
    FeedConfig(
        "https://digital-strategy.ec.europa.eu/en/rss.xml",
        "European Commission: Digital strategy",
        ("ai", "platforms", "eu", "regulator"),
        poll_interval=6 * _H,
    ),
    FeedConfig(
        "https://www.edpb.europa.eu/feed/news_en",
        "EDPB: News",
        ("privacy", "eu", "regulator"),
        poll_interval=6 * _H,
    ),
    FeedConfig(
        "https://www.gov.uk/government/organisations/department-for-science-innovation-and-technology.atom",
        "UK DSIT",
        ("ai", "telecom", "uk", "regulator"),
        poll_interval=6 * _H,
    ),
    FeedConfig(
        "https://www.gov.uk/government/organisations/competition-and-markets-authority.atom",
        "UK CMA",
        ("antitrust", "uk", "regulator"),
        poll_interval=6 * _H,
    ),
)
