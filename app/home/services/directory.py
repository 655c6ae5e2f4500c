"""The service directory (一网通办): every city service the app offers, found by words or pinyin.

The catalogue is editorial text kept in ``app/home/data/services.json``: for each service its
code, the domain that serves it, a category, whether it needs real-name verification, the API path
that opens it, and its name, description, keywords and provider in every locale. A service shows
only while its domain is installed. Residents search in any of the three languages, and in
pinyin as they type it on a phone keyboard: whole syllables (``jiaofei``) or initials (``shjf``).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import Integer, bindparam, cast, null, union_all

from app.core.actors import Actor
from app.core.calendar import SHANGHAI
from app.core.i18n import SUPPORTED_LOCALES, current_locale
from app.core.ids import new_id
from app.core.models import UTCDateTime, upsert_insert, utcnow
from app.core.policy import own_person
from app.extensions import db
from app.home.catalogue import CATALOGUE, CATEGORIES, MAX_QUERY_TERMS, PINYIN
from app.home.errors import UnknownService
from app.home.models import ServicePopularity, ServiceVisit

MIN_INFIX = 3


@dataclass(frozen=True)
class _Use:
    """How often a resident opened a service, and when last."""

    visits: int
    last_visited_at: datetime


@dataclass(frozen=True)
class Service:
    """One entry of the directory, with its texts in every locale."""

    code: str
    domain: str
    category: str
    real_name: bool
    target: str
    names: dict[str, str]
    descriptions: dict[str, str]
    keywords: dict[str, list[str]]
    provider: dict[str, str]
    order: int

    def view(self, locale: str, use: _Use | None = None, popularity: int = 0) -> dict:
        """The entry in ``locale`` (the catalogue has every text in each), with how it is used."""
        return {
            "code": self.code,
            "name": self.names[locale],
            "description": self.descriptions[locale],
            "category": {"code": self.category, "name": category_names(locale)[self.category]},
            "keywords": self.keywords[locale],
            "provider": self.provider[locale],
            "real_name_required": self.real_name,
            "domain": self.domain,
            "target": self.target,
            "popularity": popularity,
            "my_visits": use.visits if use else 0,
            "my_last_used_at": use.last_visited_at if use else None,
        }


@dataclass(frozen=True)
class _Searchable:
    """What a query is matched against: names, keywords, the rest; each in every form."""

    names: tuple[str, ...]
    keywords: tuple[str, ...]
    other: tuple[str, ...]


@cache
def category_names(locale: str) -> dict[str, str]:
    """Each category's name in ``locale``."""
    with force_locale(locale):
        return {code: str(label) for code, label in CATEGORIES.items()}


@cache
def catalogue() -> tuple[Service, ...]:
    """Every service the catalogue describes, installed or not (checked once, at first use)."""
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))
    services = []
    for order, entry in enumerate(entries):
        for field in ("names", "descriptions", "keywords", "provider"):
            missing = set(SUPPORTED_LOCALES) - set(entry[field])
            if missing:
                raise ValueError(f"service {entry['code']}: {field} lacks {sorted(missing)}")
        if entry["category"] not in CATEGORIES:
            raise ValueError(f"service {entry['code']}: unknown category {entry['category']!r}")
        services.append(
            Service(
                entry["code"],
                entry["domain"],
                entry["category"],
                bool(entry["real_name"]),
                entry["target"],
                entry["names"],
                entry["descriptions"],
                entry["keywords"],
                entry["provider"],
                order,
            )
        )
    codes = [service.code for service in services]
    if len(set(codes)) != len(codes):
        raise ValueError("service codes must be unique")
    return tuple(services)


def installed() -> list[Service]:
    """The services whose domain this application runs, in catalogue order."""
    domains = set(current_app.config["DOMAINS"])
    return [service for service in catalogue() if service.domain in domains]


def service_by_code(code: str) -> Service:
    """An installed service (404 ``unknown-service`` otherwise)."""
    for service in installed():
        if service.code == code:
            return service
    raise UnknownService()


# --- search -----------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """Lower case, without spaces and punctuation: how a typed word and a text are compared."""
    return re.sub(r"[\s\W_]+", "", text.casefold())


_HAN = re.compile(r"[\u4e00-\u9fff]")


def _pinyin_of(text: str) -> tuple[str, str]:
    """``text`` as toneless pinyin, whole (``shenghuojiaofei``) and by initials (``shjf``)."""
    from pypinyin import Style, lazy_pinyin  # its dictionaries are ~57 MB: only for a text not worked out

    return "".join(lazy_pinyin(text)), "".join(lazy_pinyin(text, style=Style.FIRST_LETTER))


@cache
def _pinyin_table() -> dict[str, list[str]]:
    """The catalogue's texts in pinyin as ``data/pinyin.json`` holds them (empty without the file)."""
    try:
        return json.loads(PINYIN.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}


def _pinyin_forms(text: str) -> tuple[str, str]:
    """``text`` in pinyin: from the table worked out ahead, or by pypinyin for a text not in it."""
    known = _pinyin_table().get(text)
    return (known[0], known[1]) if known else _pinyin_of(text)


def _chinese_texts() -> list[str]:
    texts = set()
    for service in catalogue():
        texts.update(service.names.values())
        texts.update(word for words in service.keywords.values() for word in words)
    return sorted(text for text in texts if _HAN.search(text))


def pinyin_table() -> dict[str, list[str]]:
    """What ``data/pinyin.json`` should hold: each Chinese name and keyword, worked out by pypinyin."""
    return {text: list(_pinyin_of(text)) for text in _chinese_texts()}


def _forms(texts: list[str]) -> tuple[str, ...]:
    forms = set()
    for text in texts:
        forms.add(_fold(text))
        if _HAN.search(text):
            forms.update(_fold(form) for form in _pinyin_forms(text))
    return tuple(form for form in forms if form)


@cache
def _index() -> dict[str, _Searchable]:
    """Each service's searchable forms (pinyin worked out once)."""
    index = {}
    for service in catalogue():
        names = list(service.names.values())
        keywords = [word for words in service.keywords.values() for word in words]
        other = list(service.descriptions.values()) + list(service.provider.values())
        index[service.code] = _Searchable(_forms(names), _forms(keywords), tuple(_fold(t) for t in other))
    return index


def relevance(service: Service, terms: list[str]) -> int:
    """How well ``service`` matches every term (0: some term matches nothing).

    A term found in a name counts most, then in a keyword, then in the description or provider;
    a name or keyword that starts with the term counts a little more than one containing it. A
    term shorter than ``MIN_INFIX`` (``ts`` for 投诉) matches only the start of a word.
    """
    searchable = _index()[service.code]
    score = 0
    for term in terms:
        best = 0
        for weight, forms in ((6, searchable.names), (4, searchable.keywords), (1, searchable.other)):
            for form in forms:
                if form.startswith(term):
                    best = max(best, weight + (1 if weight > 1 else 0))
                elif term in form and len(term) >= MIN_INFIX:
                    best = max(best, weight)
        if not best:
            return 0
        score += best
    return score


def query_terms(query: str | None) -> list[str]:
    """The words of a query, folded; at most ``MAX_QUERY_TERMS``."""
    if not query:
        return []
    return [term for term in (_fold(word) for word in query.split()) if term][:MAX_QUERY_TERMS]


# --- the directory, for a reader --------------------------------------------------------------------


def list_services(actor: Actor | None, *, query: str | None = None, category: str | None = None) -> dict:
    """The directory for this reader: matches of ``query`` first, then my most recent, then popular.

    Anyone may read it; a signed-in resident's own use orders it (and shows in ``my_*``). The
    categories list every category with how many of its services the answer holds.
    """
    terms = query_terms(query)
    services = [s for s in installed() if category is None or s.category == category]
    scores = {s.code: relevance(s, terms) for s in services} if terms else {}
    if terms:
        services = [s for s in services if scores[s.code]]
    if actor is not None and actor.person_id is not None:
        mine, popularity = _uses_of(actor.person_id)
    else:
        mine, popularity = {}, _popularity()
    locale = current_locale()
    ranked = _ranked(services, mine, popularity, scores)
    counts: dict[str, int] = {}
    for service in ranked:
        counts[service.category] = counts.get(service.category, 0) + 1
    present = {s.category for s in installed()}
    names = category_names(locale)
    categories = [
        {"code": code, "name": names[code], "count": counts.get(code, 0)}
        for code in CATEGORIES
        if code in present
    ]
    items = [s.view(locale, mine.get(s.code), popularity.get(s.code, 0)) for s in ranked]
    return {"categories": categories, "items": items}


def shortcuts_from(rows, limit: int = 8) -> list[dict]:
    """The home's service shortcuts (千人千面) from :data:`USES`' rows: recent first, then popular.

    The home runs that statement inside its own.
    """
    (mine, popularity), locale = _uses_from(rows), current_locale()
    ranked = _ranked(installed(), mine, popularity, {})[:limit]
    return [s.view(locale, mine.get(s.code), popularity.get(s.code, 0)) for s in ranked]


def _ranked(services: list[Service], mine: dict[str, _Use], popularity: dict[str, int], scores: dict) -> list:
    """Best match first, then what the reader used most recently, then the most popular."""

    def order(service: Service) -> tuple:
        use = mine.get(service.code)
        return (
            -scores.get(service.code, 0),
            use is None,
            -(use.last_visited_at.timestamp() if use else 0),
            -popularity.get(service.code, 0),
            service.order,
        )

    return sorted(services, key=order)


# Built once: the home runs them on every visit (see docs/adding-a-domain.md, "hot statements").
_POPULARITY = db.select(ServicePopularity.service_code, ServicePopularity.visits)
# Every service's popularity, and the person's (``person_id``) visits: (code, popularity, visits, last).
USES = union_all(
    db.select(
        ServicePopularity.service_code,
        ServicePopularity.visits.label("popularity"),
        cast(null(), Integer).label("visits"),
        cast(null(), UTCDateTime).label("last_visited_at"),
    ),
    db.select(
        ServiceVisit.service_code,
        cast(null(), Integer),
        ServiceVisit.visits,
        ServiceVisit.last_visited_at,
    ).where(ServiceVisit.person_id == bindparam("person_id")),
)


def _uses_of(person_id: uuid.UUID) -> tuple[dict[str, _Use], dict[str, int]]:
    """The person's use of each service and every service's popularity (one query for both)."""
    return _uses_from(db.session.execute(USES, {"person_id": person_id}))


def _uses_from(rows) -> tuple[dict[str, _Use], dict[str, int]]:
    mine, popularity = {}, {}
    for code, popular, visits, last in rows:
        if popular is not None:
            popularity[code] = popular
        else:
            mine[code] = _Use(visits, last)
    return mine, popularity


def _popularity() -> dict[str, int]:
    """How popular each service ever opened is (one query: a row per service)."""
    return dict(db.session.execute(_POPULARITY).all())


def record_visit(actor: Actor, code: str) -> dict:
    """The resident opened a service: it moves to the front of their directory and home.

    Popularity counts people-days: a service opened again by the same resident on the same day
    (Shanghai time) does not count twice, so no one resident can push a service up the list.
    """
    person_id = own_person(actor)
    service = service_by_code(code)
    now = utcnow()
    db.session.execute(
        upsert_insert(ServiceVisit)
        .values(id=new_id(), person_id=person_id, service_code=code, visits=0, last_visited_at=now)
        .on_conflict_do_nothing(index_elements=["person_id", "service_code"])
    )
    visit = db.session.scalar(
        db.select(ServiceVisit)
        .where(ServiceVisit.person_id == person_id, ServiceVisit.service_code == code)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    new_day = visit.visits == 0 or _day(visit.last_visited_at) != _day(now)
    visit.visits += 1
    visit.last_visited_at = now
    if new_day:
        db.session.execute(
            upsert_insert(ServicePopularity)
            .values(service_code=code, visits=1)
            .on_conflict_do_update(
                index_elements=["service_code"], set_={"visits": ServicePopularity.__table__.c.visits + 1}
            )
        )
    db.session.flush()
    popularity = db.session.scalar(
        db.select(ServicePopularity.visits).where(ServicePopularity.service_code == code)
    )
    return service.view(current_locale(), _Use(visit.visits, visit.last_visited_at), popularity or 0)


def _day(moment: datetime):
    return moment.astimezone(SHANGHAI).date()


def write_pinyin_table() -> None:
    """Work ``data/pinyin.json`` out again, after an edit of the catalogue.

    ``python -c 'from app.home.services.directory import write_pinyin_table as w; w()'``
    """
    PINYIN.write_text(json.dumps(pinyin_table(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
