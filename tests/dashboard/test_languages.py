"""Every page of the demo in English has no Danish from our catalogue, and in Danish no English.

Each demo log-in walks the pages it can reach from the front page (links only, a few pages per URL
shape), in English and in Danish. A page's visible text fails when it holds a catalogue msgid (Danish)
that has its own English translation while the page is English, or an English translation while the page
is Danish; dates and hours are checked against the other language's way of writing them.
"""

from __future__ import annotations

import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import polib
import pytest
from django.conf import settings
from django.test import Client

from indsats.accounts.demo import DEMO_USERS
from indsats.accounts.models import User
from indsats.dashboard.demo import load_demo

pytestmark = pytest.mark.django_db

PO = Path(__file__).resolve().parents[2] / "src" / "indsats" / "locale" / "en" / "LC_MESSAGES" / "django.po"
SKIP = ("/konto/log-ud", "/i18n/", "/api/", "/static/", "/media/", "/historik/")
PAGES_PER_SHAPE = 2
PAGES_PER_PERSON = 70
# Not a translation slip: the agency's, programmes' and demo data's own names, which stay Danish.
PROPER_NAMES = (  # the agency; a demo programme; a region's official name
    "Social- og Boligstyrelsen",
    "Lovende praksis",
    "Region Midtjylland",
)
ENGLISH_DATE = re.compile(r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b")
DANISH_DATE = re.compile(r"\b\d{1,2}\. (jan|feb|mar|apr|maj|jun|jul|aug|sep|okt|nov|dec)\.? \d{4}\b")
POINT_HOURS = re.compile(r"\b\d+\.\d timer\b")


class _Text(HTMLParser):
    """The visible text of a page (no script or style) and its same-site links. A part marked with another
    language than the page's (`lang="da"` on stored Danish text of an English page, WCAG 3.1.2) is that
    language on purpose and is left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._page_language = ""
        self._other_language: list[str] = []  # the open tags of a part in another language
        self._other_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        language = dict(attrs).get("lang")
        if tag == "html":
            self._page_language = language or ""
        elif self._other_language and tag == self._other_language[-1]:
            self._other_depth += 1
        elif (
            language and self._page_language and language != self._page_language and not self._other_language
        ):
            self._other_language.append(tag)
            self._hidden += 1
        if tag in {"script", "style", "template"}:
            self._hidden += 1
        if tag == "a":
            href = dict(attrs).get("href") or ""
            if href.startswith("/") and not href.startswith("//"):
                self.links.append(urldefrag(href)[0])
        for name, value in attrs:
            if name in {"aria-label", "title", "alt", "placeholder"} and value:
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if self._other_language and tag == self._other_language[-1]:
            if self._other_depth:
                self._other_depth -= 1
            else:
                self._other_language.pop()
                self._hidden = max(0, self._hidden - 1)
        if tag in {"script", "style", "template"}:
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.parts))


def _phrases() -> tuple[list[str], list[str]]:
    """Danish msgids and their English msgstrs that are distinctive enough to search for: a phrase of
    8 characters or more, no placeholder, and different in the two languages."""
    danish, english = [], []
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or not entry.msgstr or entry.msgid == entry.msgstr:
            continue
        for phrase, bucket in ((entry.msgid, danish), (entry.msgstr, english)):
            if "%" in phrase or "{" in phrase or "\n" in phrase:
                continue
            # a phrase such as "input lavt"; single words are often names in the data (a person called
            # Sagsbehandler, the playbook's "Forandringsteori") or the same in both languages
            if len(phrase) < 8 or " " not in phrase:
                continue
            bucket.append(phrase)
    danish_set, english_set = set(danish), set(english)
    # a phrase that is both some msgid and some msgstr (a loan word, a name) says nothing
    return sorted(danish_set - english_set), sorted(english_set - danish_set)


def _shape(path: str) -> str:
    return re.sub(r"\d+", "N", urlparse(path).path)


def _walk(client: Client) -> dict[str, str]:
    """Path -> visible text of every HTML page reached from the front page."""
    seen: set[str] = set()
    shapes: Counter[str] = Counter()
    texts: dict[str, str] = {}
    queue = deque(["/"])
    while queue and len(texts) < PAGES_PER_PERSON:
        path = queue.popleft()
        if path in seen or path.startswith(SKIP) or shapes[_shape(path)] >= PAGES_PER_SHAPE:
            continue
        seen.add(path)
        shapes[_shape(path)] += 1
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        texts[path] = parser.text
        queue.extend(link for link in parser.links if link not in seen)
    return texts


def _problems(text: str, *, language: str, foreign: list[str]) -> list[str]:
    for name in PROPER_NAMES:
        text = text.replace(name, "")
    found = [phrase for phrase in foreign if phrase in text]
    if language == "da":
        found += [m.group(0) for m in ENGLISH_DATE.finditer(text)]
        found += [m.group(0) for m in POINT_HOURS.finditer(text)]
    else:
        found += [m.group(0) for m in DANISH_DATE.finditer(text)]
    return found


@pytest.mark.parametrize("language", ["en", "da"])
def test_every_demo_page_speaks_one_language(language):
    load_demo(scale=1, log=lambda _message: None)
    danish, english = _phrases()
    foreign = danish if language == "en" else english
    problems: dict[str, list[str]] = {}
    pages = 0
    for username, *_rest in DEMO_USERS:
        client = Client()
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        client.force_login(User.objects.get(username=username))
        for path, text in _walk(client).items():
            pages += 1
            found = _problems(text, language=language, foreign=foreign)
            if found:
                problems.setdefault(path, sorted(set(found)))
    assert pages > 100
    report = "\n".join(f"{path}: {found}" for path, found in sorted(problems.items()))
    assert not problems, f"{len(problems)} pages in {language} hold the other language:\n{report}"
