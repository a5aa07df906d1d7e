"""Search of incidents (the list's search box): words split on spaces, every word must match somewhere.

A word matches an incident when it is in its number, title or summary, in one of its sources' URLs, in the name
(姓名 or username) of its reporter, or in the name of its reporting or responsible department or of that
department's registered liaisons (联络员备案). The search only narrows the rows it is given, which the caller has
already limited by incidents.access: it never widens what a person sees.

Speed at scale. Every word becomes conditions on the incident row itself (an OR of its fields), not a list of
matching ids joined back: so PostgreSQL may walk the list's own index (`incident_recent`, newest first) and stop
after the page's rows when a word is common, or, when it is rare, gather the few matches through the indexes of
each field (a BitmapOr) and sort only those. The former list of every match's id (a UNION) forced the first way
out: all matches fetched, then sorted. Names are turned into the ids of the (few) people and departments they
match before the query is planned, so those conditions are plain indexed columns with known frequencies.
Known limit: PostgreSQL has no statistics for `UPPER(title) LIKE`, so with several words its choice rests on the
indexed word's bigram statistics; a storable bigram column (cheap to check row by row) would remove the rest.

On PostgreSQL the bigram GIN indexes of migration 0005 (functions os_bigrams / os_incident_bigrams) serve the
text and the URLs, two-character Chinese words included; `icontains` states the match itself. On SQLite
`icontains` alone, with the same meaning.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.lookups import DataContains
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Func, IntegerField, Lookup, Q, QuerySet, TextField, Value

from departments.models import Department, Liaison, User

from .models import Incident, IncidentSource

BIGRAMS = ArrayField(TextField())
MAX_CHARACTERS = 100  # of the search box read
MAX_WORDS = 5  # each word is one more condition on every row looked at


def search_words(text: str) -> list[str]:
    """The words of the search box: split on any whitespace (the ideographic space U+3000 included), repeats
    dropped, in their order. No words, no search."""
    words = []
    for word in (text or "")[:MAX_CHARACTERS].split():  # str.split() splits on U+3000 too
        if word.casefold() not in {w.casefold() for w in words}:
            words.append(word)
    return words


def validate_search(text: str) -> None:
    """A search of more words than MAX_WORDS is refused with a message, rather than cut silently."""
    if len(search_words(text)) > MAX_WORDS:
        raise ValidationError(f"最多可输入 {MAX_WORDS} 个搜索词（以空格分隔）。", code="too_many_words")


class AnyOf(Lookup):
    """`column = ANY(array)` (PostgreSQL): with the array from a subquery, an InitPlan computed once, which an
    index may serve inside an OR — `IN (subquery)` there can only be checked row by row."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def _bigrams_of(value: str) -> Func:
    return Func(Value(value), function="os_bigrams", output_field=BIGRAMS)


def _named(words: list[str]) -> list[tuple[set[int], set[int]]]:
    """For each word, the people whose name holds it and the departments whose name, or whose registered
    liaison's name, holds it — in one query over the two small tables (not over the incidents)."""
    parts = []
    for i, word in enumerate(words):
        people = User.objects.filter(Q(full_name__icontains=word) | Q(username__icontains=word))
        liaisons = Liaison.objects.filter(
            Q(user__full_name__icontains=word) | Q(user__username__icontains=word),
            status=Liaison.Status.REGISTERED,
        )
        departments = Department.objects.filter(
            Q(name__icontains=word) | Q(pk__in=liaisons.values("department"))
        )
        for kind, rows in (("u", people), ("d", departments)):
            parts.append(
                rows.order_by()
                .annotate(search_word=Value(i, IntegerField()), search_kind=Value(kind, TextField()))
                .values_list("search_word", "search_kind", "pk")
            )
    found: list[tuple[set[int], set[int]]] = [(set(), set()) for _ in words]
    for i, kind, pk in parts[0].union(*parts[1:], all=True):
        found[i][0 if kind == "u" else 1].add(pk)
    return found


def _word_condition(word: str, people: set[int], departments: set[int], *, indexed: bool) -> Q:
    """Whether the word is in one of the row's fields. With `indexed` (PostgreSQL, one word of the search), also
    a second condition, implied by the first, that the GIN and B-tree indexes can gather the rows by."""
    text = Q(number__icontains=word) | Q(title__icontains=word) | Q(summary__icontains=word)
    urls = IncidentSource.objects.filter(url__icontains=word)
    others = Q()
    if people:
        others |= Q(reporter_id__in=sorted(people))
    if departments:
        ids = sorted(departments)
        others |= Q(reporting_department_id__in=ids) | Q(responsible_department_id__in=ids)
    if connection.vendor != "postgresql":
        return text | Q(pk__in=urls.values("incident_id")) | others
    pieces = _bigrams_of(word)
    if len(word) >= 2:  # a bigram needs two characters; one character is checked by icontains alone
        urls = urls.alias(bigrams=Func(F("url"), function="os_bigrams", output_field=BIGRAMS)).filter(
            bigrams__contains=pieces
        )
    sources = Q(AnyOf(F("pk"), ArraySubquery(urls.order_by().values("incident_id"))))
    matches = text | sources | others
    if not indexed:
        return matches
    # The bigrams of a row are costly to compute (a SQL function), so they must never be checked row by row:
    # as a condition of its own, beside the exact one and implied by it, PostgreSQL drops it from the rows it
    # gathered through the indexes (it is their index condition), and checks it last, on the few rows that
    # passed every cheap condition, when it walks the list's index instead.
    bigrams = Func(
        F("number"), F("title"), F("summary"), function="os_incident_bigrams", output_field=BIGRAMS
    )
    return matches & (others | sources | Q(DataContains(bigrams, pieces)))


def incident_search(incidents: QuerySet[Incident], *, text: str) -> QuerySet[Incident]:
    """The incidents of `incidents` matching every word of `text` (all of them when it has no words)."""
    words = search_words(text)[:MAX_WORDS]
    if not words:
        return incidents
    # One word is gathered through the indexes: the longest (of at least two characters, a bigram), as the most
    # selective as a rule; the others are checked on the rows it gathers, or on the rows of the list's index.
    indexed = max(words, key=len) if connection.vendor == "postgresql" and max(map(len, words)) >= 2 else None
    for word, (people, departments) in zip(words, _named(words), strict=True):
        incidents = incidents.filter(_word_condition(word, people, departments, indexed=word == indexed))
    return incidents
