"""The evidence report: one self-contained HTML file an analyst can hand to a colleague.

It holds what extraction stored, nothing recomputed by a model: the stance graph drawn as
inline SVG (who backs whom, edge width by the number of outlets, claimed and denied edges
dashed), the consolidated actors with their aliases, a timeline of resolved dates, and every
article with its records marked in its text (hover a mark to read the record).

Article text and every name in it are untrusted: all of it is escaped, and the file loads
nothing from anywhere (inline CSS, SVG and a few lines of inline script only).
"""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from agent.models import Actor, Article, CanonicalActor, DateMention, Edge, Link, Record, Stance
from agent.text.dates import MONTH_NAMES

# The stance graph shows who backs or opposes whom; demands (`calls_for`) are not a tie between actors.
GRAPH_RELATIONS = ("supports", "opposes", "condemns")
RELATION_COLOURS = {"supports": "#2f855a", "opposes": "#c53030", "condemns": "#6b46c1", "calls_for": "#3182ce"}
DASHES = {"stated": "", "claimed": "7 5", "denied": "2 5", "contested": "9 4 2 4"}
RECORD_TYPES = ("actor", "stance", "date", "link")
TITLE = "Dossier evidence report"
# An outlet or a name longer than this is cut where it is a label (a chip, a graph node), whole
# on hover: a 5,000-character outlet name must not stretch the page.
LABEL_CHARS = 40
SECTIONS = (("graph", "Stance graph"), ("actors", "Actors"), ("timeline", "Timeline"), ("articles", "Articles"))


def esc(text: object) -> str:
    """Escaped for HTML text and attribute values alike (quotes included)."""
    return html.escape(str(text), quote=True)


@dataclass
class ReportInput:
    """What the report reads, all of it stored by ingest and extraction."""

    articles: list[Article]
    records: dict[str, list[Record] | None]  # per article id; None: not extracted (with this model)
    actors: Sequence[CanonicalActor]
    edges: Sequence[Edge]
    canonical: Callable[[str], str] = lambda name: name


def render(data: ReportInput, generated: datetime | None = None) -> str:
    """The report as one HTML document."""
    generated = generated or datetime.now(timezone.utc)
    ids = _RecordIds(data)
    extracted = [a for a in data.articles if data.records.get(a.id) is not None]
    shown = [s for s in SECTIONS if extracted or s[0] == "articles"] if data.articles else []
    body = [_header(data, extracted, generated, ids, shown)]
    if not data.articles:
        body.append(_note("The index is empty: ingest articles first (<code>agent ingest PATH</code>), then extract them."))
    elif not extracted:
        body.append(_note(
            "This corpus has not been extracted yet, so no record is marked below. Run "
            "<code>agent extract PATH</code> (or <code>corpus.extract()</code>) and write the report again "
            "to see the stance graph, the actors and the timeline."
        ))
    else:
        if len(extracted) < len(data.articles):
            body.append(_note(
                f"{len(data.articles) - len(extracted)} of {len(data.articles)} articles are not extracted yet: "
                "they are shown without marks. Run <code>agent extract</code> to include them."
            ))
        body += [_graph_section(data.edges, ids), _actors_section(data.actors, ids), _timeline_section(data, ids)]
    if data.articles:
        body.append(_articles_section(data, ids))
    return _PAGE.format(title=esc(TITLE), style=_STYLE, body="\n".join(body), script=_SCRIPT)


class _RecordIds:
    """A stable anchor id per record (`r12`), in article order, so the graph, the timeline and the
    tables can link to a record's marks in its article; each article's anchor (`a3`) and the short
    label its sources are shown by (its outlet, else "Article 4")."""

    def __init__(self, data: ReportInput) -> None:
        self.of: dict[int, str] = {}
        self.by_evidence: dict[tuple, str] = {}
        self.article_anchor = {a.id: f"a{n}" for n, a in enumerate(data.articles)}
        self.label = {a.id: a.outlet or f"Article {n + 1}" for n, a in enumerate(data.articles)}
        self.title = {a.id: a.title or a.id for a in data.articles}
        n = 0
        for article in data.articles:
            for record in data.records.get(article.id) or []:
                self.of[id(record)] = f"r{n}"
                e = record.evidence
                self.by_evidence.setdefault((record.type, e.article, e.start, e.end), f"r{n}")
                n += 1

    def evidence(self, kind: str, article: str, start: int, end: int) -> str | None:
        return self.by_evidence.get((kind, article, start, end))

    def source(self, article: str, href: str | None = None) -> str:
        """A chip naming an article's source, linking to the article (or to `href` in it)."""
        return (
            f"<a class='src' href='#{href or self.article_anchor.get(article, '')}' "
            f"title='{esc(self.title.get(article, article))}'>{esc(_shorten(self.label.get(article, article), LABEL_CHARS))}</a>"
        )


# --- header --------------------------------------------------------------------------------------


def _header(data: ReportInput, extracted: list[Article], generated: datetime, ids: _RecordIds, sections: list[tuple[str, str]]) -> str:
    counts: dict[str, int] = defaultdict(int)
    for article in extracted:
        for record in data.records[article.id] or []:
            counts[record.type] += 1
    sources = set(ids.label.values())
    edges = [e for e in data.edges if e.relation in GRAPH_RELATIONS]
    stats = [
        (len(data.articles), "articles"), (len(sources), "sources"), (len(extracted), "extracted"),
        (sum(counts.values()), "records"), (len(data.actors), "actors"), (len(edges), "stance edges"),
        (counts["date"], "dates"),
    ]
    chips = "".join(f"<div class='stat'><b>{n}</b><span>{esc(label)}</span></div>" for n, label in stats)
    nav = "".join(f"<a href='#{anchor}'>{label}</a>" for anchor, label in sections)
    legend = (
        "<span class='legend'>"
        "<span class='m t-actor'>actor</span>"
        "<span class='m t-stance rel-supports'>stance: supports</span>"
        "<span class='m t-stance rel-opposes'>opposes</span>"
        "<span class='m t-stance rel-condemns'>condemns</span>"
        "<span class='m t-stance rel-calls_for'>calls for</span>"
        "<span class='m t-date'>date</span>"
        "<span class='m t-link'>link</span>"
        "<span class='hint'>hover a mark to read its record</span>"
        "</span>"
    )
    return (
        f"<header><h1>{TITLE}</h1>"
        f"<p class='sub'>Generated {generated:%Y-%m-%d %H:%M} UTC by Dossier from the records extraction stored. "
        "Every record points to its exact words in an article.</p>"
        f"<div class='stats'>{chips}</div></header>"
        f"<nav>{nav}{legend}</nav>"
    )


def _note(inner_html: str) -> str:
    return f"<div class='note'>{inner_html}</div>"


# --- stance graph (inline SVG) ----------------------------------------------------------------------


TOP = 40  # room for the column heads
SLOT = 30  # the least height a name takes
PORT_GAP = 2  # between the lines that meet at one name
CHAR_PX = 7.4  # an average glyph width at 13 px, to size the columns without measuring text
GAP = 320  # between the two columns


def _graph_section(all_edges: Sequence[Edge], ids: _RecordIds) -> str:
    edges = [e for e in all_edges if e.relation in GRAPH_RELATIONS]
    demands = len(all_edges) - len(edges)
    caption = (
        "Holders on the left, the actors they take a stance toward on the right. Line width: the number of "
        "outlets reporting the stance (an article naming no outlet counts as one). Dashed: claimed "
        "(attributed, hedged) or denied. Hover a line for its sources."
    )
    if demands:
        caption += f" {demands} demands (calls for) are marked in the articles, not drawn."
    if not edges:
        return f"<section id='graph'><h2>Stance graph</h2>{_note('No stance between actors was extracted.')}</section>"
    return (
        "<section id='graph'><h2>Stance graph</h2>"
        f"<p class='caption'>{esc(caption)}</p>"
        f"<div class='figure'>{stance_svg(edges, lambda o: _shorten(ids.label.get(o, o), LABEL_CHARS))}{_graph_legend()}</div>"
        f"{_edge_table(edges, ids)}</section>"
    )


def _width(outlets: int) -> float:
    return min(1.6 + 2.4 * (max(outlets, 1) - 1), 11.0)


def _layout(edges: Sequence[Edge]) -> tuple[list[str], list[str]]:
    """Targets ordered by the outlets behind them, holders by the mean row of their targets
    (fewer crossings); names break ties, so the same graph is drawn the same way."""
    weight: dict[str, int] = defaultdict(int)
    for e in edges:
        weight[e.target] += len(e.outlets) or 1
    targets = sorted(weight, key=lambda t: (-weight[t], t.lower()))
    row = {t: i for i, t in enumerate(targets)}
    reach: dict[str, list[int]] = defaultdict(list)
    for e in edges:
        reach[e.holder].append(row[e.target])
    holders = sorted(reach, key=lambda h: (sum(reach[h]) / len(reach[h]), -len(reach[h]), h.lower()))
    return holders, targets


def _column(names: list[str], bands: dict[str, float], height: float) -> dict[str, float]:
    """Each name's centre: slots as tall as the lines meeting there, the column spread over `height`."""
    slots = [max(SLOT, bands[n] + 14) for n in names]
    spare = (height - sum(slots)) / len(names)
    centres, y = {}, TOP
    for name, slot in zip(names, slots):
        centres[name] = y + (slot + spare) / 2
        y += slot + spare
    return centres


def stance_svg(edges: Sequence[Edge], label: Callable[[str], str] = lambda outlet: outlet) -> str:
    """Who backs whom, as an SVG: holders left, the actors they take a stance toward right, one band
    per (holder, relation, target) as wide as the outlets reporting it, the bands meeting at a name
    stacked side by side (no two hide each other)."""
    holders, targets = _layout(edges)
    width_of = {id(e): _width(len(e.outlets)) for e in edges}
    at_holder: dict[str, list[Edge]] = defaultdict(list)
    at_target: dict[str, list[Edge]] = defaultdict(list)
    for e in edges:
        at_holder[e.holder].append(e)
        at_target[e.target].append(e)

    def band(group: list[Edge]) -> float:
        return sum(width_of[id(e)] for e in group) + PORT_GAP * (len(group) - 1)

    bands = {n: band(g) for n, g in at_holder.items()} | {f"\0{n}": band(g) for n, g in at_target.items()}
    height = max(
        sum(max(SLOT, bands[h] + 14) for h in holders), sum(max(SLOT, bands[f"\0{t}"] + 14) for t in targets)
    )
    hy = _column(holders, bands, height)
    ty = {t: y for t, y in zip(targets, _column([f"\0{t}" for t in targets], bands, height).values())}
    # Where each band leaves its holder and reaches its target: stacked in the order of the far ends.
    start: dict[int, float] = {}
    end: dict[int, float] = {}
    for name, group in at_holder.items():
        y = hy[name] - bands[name] / 2
        for e in sorted(group, key=lambda e: ty[e.target]):
            start[id(e)] = y + width_of[id(e)] / 2
            y += width_of[id(e)] + PORT_GAP
    for name, group in at_target.items():
        y = ty[name] - bands[f"\0{name}"] / 2
        for e in sorted(group, key=lambda e: hy[e.holder]):
            end[id(e)] = y + width_of[id(e)] / 2
            y += width_of[id(e)] + PORT_GAP

    shown = {name: _shorten(name, LABEL_CHARS) for name in (*holders, *targets)}
    left = max(110, int(max(len(shown[h]) for h in holders) * CHAR_PX) + 20)
    right = max(110, int(max(len(shown[t]) for t in targets) * CHAR_PX) + 20)
    x1, x2 = left, left + GAP
    mid = (x1 + x2) / 2
    lines = []
    for e in sorted(edges, key=lambda e: (-len(e.outlets), e.holder, e.target)):  # thin lines drawn over thick ones
        outlets = len(e.outlets) or 1
        dash = DASHES[e.status]
        tip = f"{e.holder} {e.relation} {e.target}: {outlets} outlet{'s' if outlets != 1 else ''} ({e.status})\n" + "\n".join(label(o) for o in e.outlets)
        ya, yb = start[id(e)], end[id(e)]
        lines.append(
            f"<path class='edge rel-{e.relation} st-{e.status}' data-outlets='{outlets}' "
            f"d='M{x1 + 4},{ya:.1f} C{mid},{ya:.1f} {mid},{yb:.1f} {x2 - 4},{yb:.1f}' "
            f"stroke='{RELATION_COLOURS[e.relation]}' stroke-width='{width_of[id(e)]:.1f}' "
            + (f"stroke-dasharray='{dash}' " if dash else "")
            + f"><title>{esc(tip)}</title></path>"
        )
    nodes = []
    for name, y in hy.items():
        h = max(bands[name], 6)
        nodes.append(f"<rect x='{x1}' y='{y - h / 2:.1f}' width='4' height='{h:.1f}' rx='1.5' class='bar'/>"
                     f"<text x='{x1 - 8}' y='{y:.1f}' class='node holder' text-anchor='end'>{_node_name(name, shown)}</text>")
    for name, y in ty.items():
        h = max(bands[f"\0{name}"], 6)
        nodes.append(f"<rect x='{x2 - 4}' y='{y - h / 2:.1f}' width='4' height='{h:.1f}' rx='1.5' class='bar'/>"
                     f"<text x='{x2 + 8}' y='{y:.1f}' class='node target'>{_node_name(name, shown)}</text>")
    heads = (
        f"<text x='{x1 - 8}' y='16' class='colhead' text-anchor='end'>holder</text>"
        f"<text x='{x2 + 8}' y='16' class='colhead'>stance toward</text>"
    )
    width, total = x2 + right, TOP + height + 8
    return (
        f"<svg class='graph' role='img' aria-label='Stance graph' viewBox='0 0 {width} {total:.0f}' width='{width}' "
        f"height='{total:.0f}' xmlns='http://www.w3.org/2000/svg'>{heads}"
        f"<g class='edges'>{''.join(lines)}</g><g class='nodes'>{''.join(nodes)}</g></svg>"
    )


def _node_name(name: str, shown: dict[str, str]) -> str:
    """A node's name as drawn; a cut one shows itself whole on hover."""
    whole = f"<title>{esc(name)}</title>" if shown[name] != name else ""
    return f"{whole}{esc(shown[name])}"


def _graph_legend() -> str:
    def sample(colour: str, width: float, dash: str = "") -> str:
        dashed = f" stroke-dasharray='{dash}'" if dash else ""
        return f"<svg width='46' height='14' aria-hidden='true'><line x1='2' y1='7' x2='44' y2='7' stroke='{colour}' stroke-width='{width}'{dashed}/></svg>"

    items = [sample(RELATION_COLOURS[r], 3) + r for r in GRAPH_RELATIONS]
    items += [
        sample("#4a5568", _width(1)) + "1 outlet", sample("#4a5568", _width(3)) + "3 outlets",
        sample("#4a5568", 2.5, DASHES["claimed"]) + "claimed", sample("#4a5568", 2.5, DASHES["denied"]) + "denied",
        sample("#4a5568", 2.5, DASHES["contested"]) + "contested",
    ]
    return "<div class='glegend'>" + "".join(f"<span>{i}</span>" for i in items) + "</div>"


def _edge_table(edges: Sequence[Edge], ids: _RecordIds) -> str:
    rows = []
    for e in sorted(edges, key=lambda e: (e.target.lower(), -len(e.outlets), e.holder.lower())):
        links = []
        for n, (evidence, status) in enumerate(zip(e.evidence, e.statuses or ["stated"] * len(e.evidence)), start=1):
            anchor = ids.evidence("stance", evidence.article, evidence.start, evidence.end)
            label = f"{n}" + ("" if status == "stated" else f" {status}")
            title = f"{evidence.article} [{evidence.start}:{evidence.end}] {evidence.quote}"
            links.append(f"<a href='#{anchor}' title='{esc(title)}'>{esc(label)}</a>" if anchor else esc(label))
        rows.append(
            f"<tr><td>{esc(e.holder)}</td><td><span class='rel rel-{e.relation}'>{esc(e.relation)}</span></td>"
            f"<td>{esc(e.target)}</td><td>{esc(e.status)}</td><td class='num'>{len(e.outlets)}</td>"
            f"<td>{esc(', '.join(_shorten(ids.label.get(o, o), LABEL_CHARS) for o in e.outlets))}</td><td class='ev'>{' '.join(links)}</td></tr>"
        )
    return (
        "<details class='edges-table'><summary>Every edge with its evidence</summary><table><thead><tr>"
        "<th>holder</th><th>relation</th><th>target</th><th>status</th><th>outlets</th><th>reported by</th><th>evidence</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table></details>"
    )


# --- actors ---------------------------------------------------------------------------------------


def _actors_section(actors: Sequence[CanonicalActor], ids: _RecordIds) -> str:
    if not actors:
        return f"<section id='actors'><h2>Actors</h2>{_note('No actor was extracted.')}</section>"
    rows = []
    for a in actors:
        aliases = "".join(f"<span class='alias'>{esc(x)}</span>" for x in a.aliases if x != a.name) or "<span class='muted'>none</span>"
        ties = "<br>".join([f"leads {esc(x)}" for x in a.leads] + [f"led by {esc(x)}" for x in a.led_by])
        rows.append(
            f"<tr><td class='name'>{esc(a.name)}</td><td><span class='type'>{esc(a.type.replace('_', ' '))}</span></td>"
            f"<td>{aliases}</td><td class='ties'>{ties}</td>"
            f"<td class='sources'>{''.join(ids.source(x) for x in a.articles)}</td></tr>"
        )
    return (
        "<section id='actors'><h2>Actors</h2>"
        "<p class='caption'>One row per real-world actor across articles, with every other name it goes by "
        "and the articles that mention it.</p>"
        "<table class='actors'><thead><tr><th>actor</th><th>type</th><th>aliases</th><th>ties</th>"
        f"<th>mentioned in</th></tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


# --- timeline -------------------------------------------------------------------------------------


def _shown_date(value: str) -> str:
    """ISO as it is; a date without a year ('--01-12', '--04') as '12 Jan, year unknown'."""
    if not value.startswith("--"):
        return value
    parts = value[2:].split("-")
    try:
        month = MONTH_NAMES[int(parts[0]) - 1][:3]
    except (ValueError, IndexError):
        return value
    return f"{int(parts[1])} {month}, year unknown" if len(parts) > 1 and parts[1].isdigit() else f"{month}, year unknown"


def _timeline_key(value: str) -> tuple[int, str]:
    return (1, value) if value.startswith("--") else (0, value)  # no year known: after the dated ones


def _timeline_section(data: ReportInput, ids: _RecordIds) -> str:
    dated: dict[str, list[DateMention]] = defaultdict(list)
    unresolved = 0
    for article in data.articles:
        for record in data.records.get(article.id) or []:
            if isinstance(record, DateMention):
                if record.value and not record.unresolved:
                    dated[record.value].append(record)
                else:
                    unresolved += 1
    if not dated:
        return f"<section id='timeline'><h2>Timeline</h2>{_note('No date could be resolved.')}</section>"
    items = []
    for value in sorted(dated, key=_timeline_key):
        mentions = dated[value]
        shown = _shown_date(value)
        entries = []
        for d in mentions:
            anchor = ids.of.get(id(d), "")
            event = _marked_event(d)
            entries.append(
                f"<li>{ids.source(d.evidence.article, anchor)} <span class='event'>{event}</span></li>"
            )
        items.append(
            f"<div class='tl-item'><div class='tl-date'>{esc(shown)}<small>{esc(mentions[0].precision or '')}</small></div>"
            f"<ul>{''.join(entries)}</ul></div>"
        )
    note = f"<p class='caption'>{unresolved} more date mentions could not be resolved (no year or anchor stated); they are marked in the articles.</p>" if unresolved else ""
    return f"<section id='timeline'><h2>Timeline</h2><div class='timeline'>{''.join(items)}</div>{note}</section>"


def _marked_event(d: DateMention, limit: int = 260) -> str:
    """The dated sentence, shortened around the date expression, with the expression in bold."""
    event, text = d.event, d.text
    at = event.find(text)
    if at < 0:
        return esc(_shorten(event, limit)) + f" <b>({esc(text)})</b>"
    before, after = event[:at], event[at + len(text):]
    room = max(limit - len(text), 40) // 2
    if len(before) > room:
        before = "… " + before[-room:].split(" ", 1)[-1]
    if len(after) > room:
        after = after[:room].rsplit(" ", 1)[0] + " …"
    return f"{esc(before)}<b>{esc(text)}</b>{esc(after)}"


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


# --- articles with their records marked -------------------------------------------------------------


def _articles_section(data: ReportInput, ids: _RecordIds) -> str:
    cards = []
    for article in data.articles:
        records = data.records.get(article.id)
        meta = [_shorten(ids.label[article.id], LABEL_CHARS), article.published.isoformat() if article.published else "undated"]
        url = ""
        if article.url and article.url.lower().startswith(("http://", "https://")):
            url = f" · <a href='{esc(article.url)}' rel='noreferrer noopener'>source</a>"
        if records is None:
            status = "<span class='badge off'>not extracted</span>"
        else:
            kinds: dict[str, int] = defaultdict(int)
            for r in records:
                kinds[r.type] += 1
            status = "".join(f"<span class='badge t-{k}'>{kinds[k]} {k}{'s' if kinds[k] != 1 else ''}</span>" for k in RECORD_TYPES if kinds[k])
        cards.append(
            f"<article id='{ids.article_anchor[article.id]}'><h3>{esc(article.title or article.id)}</h3>"
            f"<p class='meta'>{esc(' · '.join(meta))} · <code>{esc(article.id)}</code>{url} {status}</p>"
            f"<div class='text'>{marked_text(article.text, records or [], ids, data.canonical)}</div></article>"
        )
    return "<section id='articles'><h2>Articles</h2>" + "".join(cards) + "</section>"


def marked_text(text: str, records: Sequence[Record], ids: _RecordIds, canonical: Callable[[str], str] = lambda n: n) -> str:
    """The article's text, escaped, with each stretch that records cover wrapped in one mark.

    Records overlap (a stance quotes a whole sentence, an actor a name inside it), so the text is
    cut at every record boundary and each piece carries every record covering it: its classes
    style it, `data-r` names the records, `data-tip` is what hovering shows."""
    spans = [(r.evidence.start, r.evidence.end, r) for r in records if 0 <= r.evidence.start < r.evidence.end <= len(text)]
    cuts = sorted({0, len(text)} | {s for s, _, _ in spans} | {e for _, e, _ in spans})
    starting: dict[int, list[Record]] = defaultdict(list)
    for s, _, r in spans:
        starting[s].append(r)
    open_records: list[tuple[int, Record]] = []
    out = []
    for a, b in zip(cuts, cuts[1:]):
        open_records = [(end, r) for end, r in open_records if end > a] + [(r.evidence.end, r) for r in starting.get(a, [])]
        piece = esc(text[a:b])
        if not open_records:
            out.append(piece)
            continue
        covering = sorted((r for _, r in open_records), key=lambda r: r.evidence.end - r.evidence.start)  # innermost first
        classes = sorted({f"t-{r.type}" for r in covering} | {f"rel-{r.relation}" for r in covering if isinstance(r, Stance)}
                         | {f"st-{r.status}" for r in covering if isinstance(r, Stance) and r.status != "stated"})
        record_ids = [ids.of[id(r)] for r in covering]
        first = [rid for rid, r in zip(record_ids, covering) if r.evidence.start == a]
        anchor = f" id='{first[0]}'" if first else ""
        tip = "\n".join(_describe(r, canonical) for r in covering)
        out.append(
            f"<span{anchor} class='m {' '.join(classes)}' data-r='{' '.join(record_ids)}' data-tip='{esc(tip)}'>{piece}</span>"
        )
    return "".join(out)


def _describe(record: Record, canonical: Callable[[str], str]) -> str:
    """One line per record, as hovering a mark shows it."""
    if isinstance(record, Actor):
        name = canonical(record.name)
        also = f" = {name}" if name != record.name else ""
        return f"ACTOR  {record.name} ({record.actor_type.replace('_', ' ')}){also}"
    if isinstance(record, Stance):
        status = "" if record.status == "stated" else f" [{record.status}]"
        said = f", according to {record.attribution}" if record.attribution else ""
        return f"STANCE  {record.holder} {record.relation.replace('_', ' ')} {record.target}{status}{said}"
    if isinstance(record, DateMention):
        if record.unresolved or not record.value:
            return f"DATE  “{record.text}” unresolved (no anchor)"
        anchor = f", from the publication date {record.anchor.isoformat()}" if record.anchor else ""
        return f"DATE  “{record.text}” = {record.value} ({record.precision}){anchor}"
    if isinstance(record, Link):
        return f"LINK  {record.source} {record.kind} {record.target}"
    return str(record)


# --- the page -------------------------------------------------------------------------------------

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>{title}</title>
<style>{style}</style></head>
<body><main>
{body}
</main><script>{script}</script></body></html>
"""

_STYLE = """
:root { --ink:#1a202c; --muted:#718096; --line:#e2e8f0; --paper:#ffffff; --bg:#f4f5f7;
  --actor:#dbeafe; --actor-ink:#1e40af; --date:#fde68a; --date-ink:#92400e; --link:#0f766e; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 28px 60px; overflow-wrap: anywhere; }
header h1 { margin: 0 0 4px; font-size: 26px; letter-spacing: -0.01em; }
.sub { margin: 0 0 16px; color: var(--muted); }
.stats { display:flex; flex-wrap:wrap; gap:10px; margin-bottom: 18px; }
.stat { background:var(--paper); border:1px solid var(--line); border-radius:8px; padding:8px 14px; min-width:92px; }
.stat b { display:block; font-size:20px; line-height:1.2; }
.stat span { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
nav { position: sticky; top: 0; z-index: 5; display:flex; flex-wrap:wrap; align-items:center; gap:6px 14px;
  background: var(--bg); border-bottom:1px solid var(--line); padding: 8px 0; margin-bottom: 8px;
  box-shadow: 0 6px 8px -8px rgba(0,0,0,.25); }
nav > a { color: var(--ink); font-weight:600; text-decoration:none; }
nav > a:hover { text-decoration: underline; }
.legend { display:flex; flex-wrap:wrap; gap:6px; align-items:center; margin-left:auto; font-size:12.5px; }
.legend .m { padding: 0 4px; }
.hint { color: var(--muted); font-size: 12px; }
section { background:var(--paper); border:1px solid var(--line); border-radius:10px; padding: 18px 22px; margin: 18px 0; }
h2 { margin: 0 0 6px; font-size: 19px; }
.caption { color: var(--muted); margin: 0 0 12px; }
.note { background:#fffbea; border:1px solid #f6e05e; border-radius:8px; padding:10px 14px; margin: 14px 0; }
.figure { overflow-x:auto; }
svg.graph { display:block; margin: 4px 0; }
svg.graph .node { font-size: 13px; dominant-baseline: middle; fill: var(--ink); }
svg.graph .colhead { font-size: 11px; fill: var(--muted); text-transform: uppercase; letter-spacing: .08em; }
svg.graph .bar { fill: #4a5568; }
svg.graph .edge { fill: none; stroke-opacity: .7; }
svg.graph .edge:hover { stroke-opacity: 1; }
.glegend { display:flex; flex-wrap:wrap; gap: 4px 18px; color: var(--muted); font-size: 12.5px; margin: 6px 0 4px; }
.glegend span { display:inline-flex; align-items:center; gap:4px; }
table { border-collapse: collapse; width: 100%; font-size: 13.5px; }
th { text-align:left; font-weight:600; color: var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em;
  border-bottom: 2px solid var(--line); padding: 6px 8px; }
td { border-bottom: 1px solid var(--line); padding: 6px 8px; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { font-weight: 600; }
.type { background:#edf2f7; border-radius: 10px; padding: 1px 8px; font-size: 12px; white-space: nowrap; }
.muted { color: var(--muted); }
.rel { font-weight:600; }
.rel.rel-supports { color:#2f855a; } .rel.rel-opposes { color:#c53030; } .rel.rel-condemns { color:#6b46c1; }
details.edges-table { margin-top: 10px; }
details.edges-table summary { cursor: pointer; color: #2b6cb0; }
td.ev a { color: #2b6cb0; margin-right: 4px; }
.timeline { position: relative; margin-left: 8px; border-left: 3px solid #cbd5e0; padding-left: 18px; }
.tl-item { position: relative; display:flex; gap: 16px; padding: 6px 0; }
.tl-item::before { content:""; position:absolute; left:-26px; top: 12px; width: 13px; height: 13px; border-radius: 50%;
  background: var(--date); border: 2px solid #d69e2e; }
.tl-date { flex: 0 0 118px; font-weight: 700; font-variant-numeric: tabular-nums; }
.tl-date small { display:block; font-weight: 400; color: var(--muted); }
.tl-item ul { margin: 0; padding: 0; list-style: none; flex: 1; }
.tl-item li { margin: 0 0 4px; }
a.src { display:inline-block; font-size: 11.5px; line-height: 1.6; color:#2b6cb0; background:#ebf4ff; border-radius: 4px;
  padding: 0 6px; margin: 1px 4px 1px 0; text-decoration:none; font-weight:600; white-space: nowrap; }
a.src:hover { background:#bee3f8; }
.alias { display:inline-block; background:#f1f5f9; border:1px solid var(--line); border-radius: 4px; padding: 0 6px;
  margin: 1px 4px 1px 0; font-size: 12.5px; }
td.ties { font-size: 12.5px; color: #4a5568; }
table.actors td.name { width: 170px; } table.actors td.sources { width: 190px; }
article { border-top: 1px solid var(--line); padding: 14px 0 6px; }
article:first-of-type { border-top: 0; }
article h3 { margin: 0 0 2px; font-size: 17px; }
.meta { margin: 0 0 10px; color: var(--muted); font-size: 12.5px; }
.badge { display:inline-block; border-radius: 10px; padding: 0 8px; margin-left: 4px; font-size: 11.5px; }
.badge.t-actor { background: var(--actor); color: var(--actor-ink); }
.badge.t-stance { background: #e6f4ea; color: #2f855a; }
.badge.t-date { background: var(--date); color: var(--date-ink); }
.badge.t-link { background: #ccfbf1; color: var(--link); }
.badge.off { background: #edf2f7; color: var(--muted); }
.text { white-space: pre-wrap; font: 15.5px/1.75 Georgia, "Times New Roman", serif; max-width: 78ch; }
.m { position: relative; border-radius: 2px; }
.m.t-stance { border-bottom: 2.5px solid; padding-bottom: 1px; }
.m.t-stance.st-claimed, .m.t-stance.st-denied { border-bottom-style: dashed; }
.m.rel-supports { border-bottom-color: #2f855a; } .m.rel-opposes { border-bottom-color: #c53030; }
.m.rel-condemns { border-bottom-color: #6b46c1; } .m.rel-calls_for { border-bottom-color: #3182ce; }
.m.t-link { text-decoration: underline dotted var(--link) 2px; text-underline-offset: 3px; }
.m.t-actor { background: var(--actor); }
.m.t-date { background: var(--date); }
.m.hl { outline: 2px solid #63b3ed; outline-offset: 0; }
.text .m:hover::after { content: attr(data-tip); position: absolute; left: 0; top: 100%; margin-top: 6px; z-index: 10;
  width: max-content; max-width: 460px; white-space: pre-wrap; background: #1a202c; color: #f7fafc;
  font: 12.5px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; padding: 6px 9px; border-radius: 6px;
  box-shadow: 0 4px 14px rgba(0,0,0,.25); pointer-events: none; }
:target { scroll-margin-top: 60px; }
span.m:target { outline: 3px solid #f6ad55; }
"""

# Hovering a mark lights up every piece of its innermost record (a quote is cut by the names inside it).
_SCRIPT = """
(function () {
  var lit = [];
  function clear() { lit.forEach(function (el) { el.classList.remove('hl'); }); lit = []; }
  document.addEventListener('mouseover', function (event) {
    var mark = event.target.closest ? event.target.closest('.text .m') : null;
    clear();
    if (!mark) { return; }
    var innermost = mark.getAttribute('data-r').split(' ')[0];
    mark.parentNode.querySelectorAll('.m').forEach(function (el) {
      if (el.getAttribute('data-r').split(' ').indexOf(innermost) >= 0) { el.classList.add('hl'); lit.push(el); }
    });
  });
})();
"""
