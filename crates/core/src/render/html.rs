//! HTML pages: quarter profiles and the report index (self-contained, no JavaScript).
//!
//! Both pages are polyglot HTML5: they parse as XML (every element closed, attributes quoted,
//! only the five XML entities, numeric character references otherwise), carry one inline
//! `<style>` and inline SVG, and reference nothing outside the report folder. Links whose
//! target is not relative (a scheme such as `https:`, or a leading `/`) are written as plain
//! text, so a page can never make a network request. All text goes through
//! [`format::escape`].
//!
//! Section headings come from [`Chrome::headings`] by key; a few texts that the chrome does
//! not carry (the column headers of the sources table, `weight`, `selected`, the other-maps
//! heading) have built-in German and English defaults that a heading with the same key
//! overrides (see [`text`]).

use super::format;
use super::svg;
use super::view::{
    ChangesView, Chrome, DynamicsSummary, Fact, FigureRow, IndexView, ProfileTrend, ProfileView,
    RankingRow, ReleaseSection, SourceRow,
};

/// The inline style sheet of both pages (screen and A4 print).
const CSS: &str = "\
*{box-sizing:border-box}\
body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;\
font-size:1rem;line-height:1.45;color:#1a1a1a;background:#fff;max-width:60rem;margin:0 auto;\
padding:1rem 1.25rem 2rem}\
h1{font-size:1.75rem;line-height:1.2;margin:.5rem 0 .25rem}\
h2{font-size:1.25rem;margin:2rem 0 .6rem;padding-bottom:.2rem;border-bottom:1px solid #888}\
.subtitle{margin:0 0 1rem;color:#444}\
a{color:#1f4e8c}\
nav{font-size:.9rem;margin-bottom:.5rem}\
.head{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-start}\
.head>div{flex:1 1 20rem}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}\
dt{font-weight:600}\
dd{margin:0}\
.callout{border:2px solid #000;border-left-width:8px;padding:.5rem .75rem;margin:1rem 0 0;\
font-weight:700;background:#fff3cd}\
figure{margin:0}\
svg{max-width:100%;height:auto}\
.scroll{overflow-x:auto}\
table{border-collapse:collapse;width:100%;font-size:.9rem}\
th,td{padding:.3rem .5rem;border-bottom:1px solid #ccc;text-align:left;vertical-align:middle}\
thead th{border-bottom:2px solid #333;vertical-align:bottom}\
tbody th{font-weight:400}\
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\
.unit,.weight{color:#555}\
.weight{display:block;font-size:.8rem}\
td.chart{width:1%;padding-top:0;padding-bottom:0}\
td.chart svg{max-width:none}\
sup{font-size:.85em;line-height:0}\
.notes{list-style:none;padding:0;margin:.5rem 0 0;font-size:.85rem}\
tr.selected>*{font-weight:700;background:#fff3cd}\
tr.selected>:first-child{border-left:4px solid #000}\
tr.excluded{color:#555;font-style:italic}\
.ranking td{white-space:nowrap}\
.ranking td:last-child{white-space:normal}\
.links{padding-left:1.2rem}\
.profiles{columns:14rem;list-style:none;padding:0;margin:0}\
footer{margin-top:2rem;padding-top:.5rem;border-top:1px solid #888;font-size:.8rem;color:#555}\
@page{size:A4;margin:15mm}\
@media print{body{max-width:none;padding:0;font-size:9.5pt;color:#000}\
nav{display:none}a{color:inherit;text-decoration:none}\
tr,figure,dl,.callout{break-inside:avoid}h2{break-after:avoid}\
thead{display:table-header-group}tr.selected>*,.callout{background:none}\
.scroll{overflow:visible}}";

/// Style rules of the monitoring and sign-off parts, added only to pages that have them
/// ([`Chrome::extra_css`]), so that other pages stay byte-identical.
const EXTRA_CSS: &str = "\
.draft{display:inline-block;margin-left:.4rem;padding:0 .35rem;border:2px solid #a50f15;\
color:#a50f15;font-size:.75rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;\
vertical-align:middle;line-height:1.3}\
.draft-note{border:2px dashed #a50f15;padding:.4rem .75rem;margin:1rem 0 0}\
.draft-note .draft{margin:0 .5rem 0 0}\
td.spark{width:1%;padding-top:0;padding-bottom:0}\
td.spark svg{max-width:none}\
td.stale{color:#a50f15;font-weight:700}\
.changes td,.signoffs td{white-space:nowrap}\
.changes td:nth-child(2),.signoffs td:nth-child(5){white-space:normal}\
@media print{.draft,.draft-note{border-color:#000;color:#000}}";

/// The display text for `key`: the chrome heading with that key, else a built-in default in
/// the page's language for the texts the chrome does not carry, else the key itself.
fn text<'a>(chrome: &'a Chrome, key: &'a str) -> &'a str {
    if let Some((_, value)) = chrome.headings.iter().find(|(k, _)| *k == key) {
        return value;
    }
    let german = chrome.lang != "en";
    let builtin = match key {
        "source_title" => Some(if german { "Datensatz" } else { "Dataset" }),
        "source_office" => Some(if german { "Fachamt" } else { "Office" }),
        "source_date" => Some(if german { "Stichtag" } else { "Reference date" }),
        "source_legal" => Some(if german {
            "Rechtsgrundlage"
        } else {
            "Legal basis"
        }),
        "weight" => Some(if german { "Gewicht" } else { "weight" }),
        "selected" => Some(if german { "ausgewählt" } else { "selected" }),
        "maps" => Some(if german {
            "Weitere Karten"
        } else {
            "Other maps"
        }),
        "trend" => Some(if german {
            "Entwicklung"
        } else {
            "Development over time"
        }),
        "changes" => Some(if german {
            "Was hat sich verändert?"
        } else {
            "What changed?"
        }),
        "dynamics" => Some(if german {
            "Status und Dynamik"
        } else {
            "Status and dynamics"
        }),
        "release" => Some(if german {
            "Freigaben der Fachämter"
        } else {
            "Sign-offs by the offices"
        }),
        _ => None,
    };
    builtin.unwrap_or(key)
}

/// Appends `text` escaped.
fn esc(out: &mut String, text: &str) {
    out.push_str(&format::escape(text));
}

/// Appends a draft badge ` <span class="draft">text</span>`; nothing for `None`.
fn badge(out: &mut String, draft: Option<&String>) {
    if let Some(text) = draft {
        out.push_str(" <span class=\"draft\">");
        esc(out, text);
        out.push_str("</span>");
    }
}

/// Appends `<p class="draft-note">` with the badge and the text.
fn draft_note(out: &mut String, (badge, text): &(String, String)) {
    out.push_str("<p class=\"draft-note\" role=\"note\"><span class=\"draft\">");
    esc(out, badge);
    out.push_str("</span>");
    esc(out, text);
    out.push_str("</p>\n");
}

/// Appends `<tag attrs>text</tag>` with `text` escaped; `attrs` is trusted markup.
fn element(out: &mut String, tag: &str, attrs: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    out.push_str(attrs);
    out.push('>');
    esc(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Whether `href` stays inside the report folder: no scheme (`https:`, `javascript:`, ...),
/// not protocol-relative or absolute (`//host`, `/path`, `\path`), not empty.
fn is_relative(href: &str) -> bool {
    if href.is_empty() || href.starts_with('/') || href.starts_with('\\') {
        return false;
    }
    let first = href.split(['/', '?', '#']).next().unwrap_or_default();
    !first.contains(':')
}

/// Appends a link to `href` with `text`, or only `text` when `href` is not relative.
fn link(out: &mut String, href: &str, text: &str) {
    if is_relative(href) {
        out.push_str("<a href=\"");
        esc(out, href);
        out.push_str("\">");
        esc(out, text);
        out.push_str("</a>");
    } else {
        esc(out, text);
    }
}

/// Appends the doctype, `<head>` and the opening `<body>`.
fn open(out: &mut String, chrome: &Chrome, title: &str, body_class: &str) {
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    esc(out, chrome.lang);
    out.push_str("\" xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n<meta charset=\"utf-8\"/>\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    element(out, "title", "", title);
    out.push_str("\n<style>");
    out.push_str(CSS);
    if chrome.extra_css {
        out.push_str(EXTRA_CSS);
    }
    out.push_str("</style>\n</head>\n<body class=\"");
    out.push_str(body_class);
    out.push_str("\">\n");
}

/// Appends `<h1>` and the subtitle (when not empty).
fn title_block(out: &mut String, title: &str, subtitle: &str) {
    element(out, "h1", "", title);
    out.push('\n');
    if !subtitle.is_empty() {
        element(out, "p", " class=\"subtitle\"", subtitle);
        out.push('\n');
    }
}

/// Appends the footer and closes the page.
fn close(out: &mut String, chrome: &Chrome) {
    out.push_str("<footer>");
    element(out, "p", "", &chrome.footer);
    out.push_str("</footer>\n</body>\n</html>\n");
}

/// Appends `<section id=key><h2>heading</h2>`.
fn open_section(out: &mut String, chrome: &Chrome, key: &str) {
    open_section_marked(out, chrome, key, None);
}

/// Appends `<section id=key><h2>heading badge</h2>`.
fn open_section_marked(out: &mut String, chrome: &Chrome, key: &str, draft: Option<&String>) {
    out.push_str("<section id=\"");
    out.push_str(key);
    out.push_str("\">\n<h2>");
    esc(out, text(chrome, key));
    badge(out, draft);
    out.push_str("</h2>\n");
}

/// Appends a definition list of facts.
fn facts(out: &mut String, class: &str, facts: &[Fact]) {
    out.push_str("<dl class=\"");
    out.push_str(class);
    out.push_str("\">\n");
    for fact in facts {
        element(out, "dt", "", &fact.label);
        element(out, "dd", "", &fact.value);
        out.push('\n');
    }
    out.push_str("</dl>\n");
}

/// Appends a section of facts under heading `key`; nothing when `items` is empty.
fn facts_section(out: &mut String, chrome: &Chrome, key: &str, items: &[Fact]) {
    if items.is_empty() {
        return;
    }
    open_section(out, chrome, key);
    facts(out, key, items);
    out.push_str("</section>\n");
}

/// Appends the table header row with `columns`; `numeric[i]` right-aligns column `i`.
fn thead(out: &mut String, columns: &[&str], numeric: &[bool]) {
    out.push_str("<thead><tr>");
    for (i, column) in columns.iter().enumerate() {
        let attrs = if numeric.get(i).copied().unwrap_or(false) {
            " scope=\"col\" class=\"num\""
        } else {
            " scope=\"col\""
        };
        element(out, "th", attrs, column);
    }
    out.push_str("</tr></thead>\n");
}

/// Appends the data-sources section; nothing when `sources` is empty.
fn sources(out: &mut String, chrome: &Chrome, sources: &[SourceRow]) {
    if sources.is_empty() {
        return;
    }
    open_section(out, chrome, "sources");
    out.push_str("<div class=\"scroll\"><table class=\"sources\">\n");
    let columns = [
        text(chrome, "source_title"),
        text(chrome, "source_office"),
        text(chrome, "source_date"),
        text(chrome, "source_legal"),
    ];
    thead(out, &columns, &[false, false, true, false]);
    out.push_str("<tbody>\n");
    for source in sources {
        out.push_str("<tr>");
        element(out, "td", "", &source.title);
        element(out, "td", "", &source.office);
        element(out, "td", " class=\"num\"", &source.reference_date);
        element(out, "td", "", &source.legal_basis);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// Appends one key-figure row.
fn figure_row(out: &mut String, chrome: &Chrome, row: &FigureRow) {
    out.push_str("<tr><th scope=\"row\">");
    esc(out, &row.label);
    if !row.unit.is_empty() {
        out.push_str(" <span class=\"unit\">(");
        esc(out, &row.unit);
        out.push_str(")</span>");
    }
    badge(out, row.draft.as_ref());
    if let Some(weight) = &row.weight {
        out.push_str("<span class=\"weight\">");
        esc(out, text(chrome, "weight"));
        out.push_str(": ");
        esc(out, weight);
        out.push_str("</span>");
    }
    out.push_str("</th><td class=\"num\">");
    match (&row.value, &row.footnote) {
        (Some(value), _) => esc(out, value),
        (None, Some((mark, _))) => {
            out.push_str("&#8211;<sup>");
            esc(out, mark);
            out.push_str("</sup>");
        }
        (None, None) => out.push_str("&#8211;"),
    }
    out.push_str("</td>");
    element(out, "td", " class=\"num\"", &row.town);
    element(out, "td", " class=\"num\"", &row.rank);
    element(out, "td", "", &row.class);
    out.push_str("<td class=\"chart\">");
    svg::strip(&row.chart, out);
    out.push_str("</td></tr>\n");
}

/// The distinct footnotes of `rows` (mark and text), in order of first appearance.
fn footnotes(rows: &[FigureRow]) -> Vec<(&str, &str)> {
    let mut notes: Vec<(&str, &str)> = Vec::new();
    for row in rows {
        if let (None, Some((mark, note))) = (&row.value, &row.footnote) {
            let entry = (mark.as_str(), note.as_str());
            if !notes.contains(&entry) {
                notes.push(entry);
            }
        }
    }
    notes
}

/// Writes one quarter profile page.
///
/// Layout: back link (hidden in print), `<h1>`, subtitle, header facts with the callout and
/// the locator map beside them, the key-figure table with one inline strip chart per row and
/// the footnotes under it (each distinct mark and text once; a footnote is listed only for
/// a row whose value is `None`), the age structure when present, data sources, method,
/// footer. `chrome.figure_columns` is expected in the order indicator, value, town, rank,
/// class, comparison.
pub(crate) fn profile(view: &ProfileView<'_>, out: &mut String) {
    let chrome = &view.chrome;
    open(out, chrome, &view.title, "profile");
    out.push_str("<nav>");
    link(out, &view.index_href, text(chrome, "back"));
    out.push_str("</nav>\n<header>\n");
    title_block(out, &view.title, &view.subtitle);
    out.push_str("<div class=\"head\">\n<div>\n");
    if !view.facts.is_empty() {
        facts(out, "facts", &view.facts);
    }
    if let Some(callout) = &view.callout {
        element(out, "p", " class=\"callout\" role=\"note\"", callout);
        out.push('\n');
    }
    if let Some(note) = &view.draft_note {
        draft_note(out, note);
    }
    out.push_str("</div>\n<figure class=\"locator\">");
    svg::locator(&view.locator, out);
    out.push_str("</figure>\n</div>\n</header>\n<main>\n");

    open_section(out, chrome, "figures");
    out.push_str("<div class=\"scroll\"><table class=\"figures\">\n");
    let columns: Vec<&str> = chrome.figure_columns.iter().map(String::as_str).collect();
    thead(out, &columns, &[false, true, true, true, false, false]);
    out.push_str("<tbody>\n");
    for row in &view.figures {
        figure_row(out, chrome, row);
    }
    out.push_str("</tbody></table></div>\n");
    let notes = footnotes(&view.figures);
    if !notes.is_empty() {
        out.push_str("<ul class=\"notes\">\n");
        for (mark, note) in notes {
            out.push_str("<li><sup>");
            esc(out, mark);
            out.push_str("</sup> ");
            esc(out, note);
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");

    if let Some(trend) = &view.trend {
        trend_section(out, chrome, trend);
    }
    if let Some(age) = &view.age {
        open_section(out, chrome, "age");
        out.push_str("<figure class=\"bars\">");
        svg::bars(age, out);
        out.push_str("</figure>\n</section>\n");
    }
    sources(out, chrome, &view.sources);
    facts_section(out, chrome, "method", &view.method);
    out.push_str("</main>\n");
    close(out, chrome);
}

/// Appends one ranking row; `split` writes id and name in separate columns.
fn ranking_row(out: &mut String, chrome: &Chrome, row: &RankingRow, split: bool) {
    let excluded = !row.note.is_empty() && !row.selected;
    out.push_str(match (row.selected, excluded) {
        (true, _) => "<tr class=\"selected\">",
        (false, true) => "<tr class=\"excluded\">",
        (false, false) => "<tr>",
    });
    element(out, "td", " class=\"num\"", &row.rank);
    out.push_str("<th scope=\"row\">");
    if split {
        link(out, &row.href, &row.id);
        out.push_str("</th>");
        element(out, "td", "", &row.name);
    } else {
        let label = if row.name.is_empty() {
            row.id.clone()
        } else {
            format!("{} {}", row.id, row.name)
        };
        link(out, &row.href, &label);
        out.push_str("</th>");
    }
    element(out, "td", " class=\"num\"", &row.composite);
    element(out, "td", " class=\"num\"", &row.interval);
    element(out, "td", " class=\"num\"", &row.p_selected);
    element(out, "td", "", &row.class);
    out.push_str("<td>");
    match (row.selected, row.note.is_empty()) {
        (true, true) => element(out, "strong", "", text(chrome, "selected")),
        (true, false) => element(out, "strong", "", &row.note),
        (false, _) => esc(out, &row.note),
    }
    out.push_str("</td></tr>\n");
}

/// Writes the index page.
///
/// Layout: `<h1>`, subtitle, the composite map with the links to the other maps, the
/// ranking table (selected rows bold with a thick left border and their note in bold, or
/// the built-in text `selected` when the note is empty; excluded rows in italics with their
/// note), a compact list of all profiles sorted by unit
/// id, the protocol summary, data sources, method, footer.
///
/// `chrome.ranking_columns` is expected in the order rank, id, name, composite, interval,
/// probability selected, class, note (8 columns); with 7 columns id and name share one
/// column (`Q07 Altstadt-Nord`).
pub(crate) fn index(view: &IndexView<'_>, out: &mut String) {
    let chrome = &view.chrome;
    open(out, chrome, &view.title, "index");
    out.push_str("<header>\n");
    title_block(out, &view.title, &view.subtitle);
    out.push_str("</header>\n<main>\n");

    open_section(out, chrome, "map");
    out.push_str("<figure class=\"map\">");
    svg::map(&view.map, out);
    out.push_str("</figure>\n");
    if !view.map_links.is_empty() {
        element(out, "h3", "", text(chrome, "maps"));
        out.push_str("\n<ul class=\"links\">\n");
        for l in &view.map_links {
            out.push_str("<li>");
            link(out, &l.href, &l.label);
            badge(out, l.draft.as_ref());
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");

    open_section_marked(out, chrome, "ranking", view.ranking_draft.as_ref());
    let split = chrome.ranking_columns.len() != 7;
    let columns: Vec<&str> = chrome.ranking_columns.iter().map(String::as_str).collect();
    let numeric: &[bool] = if split {
        &[true, false, false, true, true, true, false, false]
    } else {
        &[true, false, true, true, true, false, false]
    };
    out.push_str("<div class=\"scroll\"><table class=\"ranking\">\n");
    thead(out, &columns, numeric);
    out.push_str("<tbody>\n");
    for row in &view.ranking {
        ranking_row(out, chrome, row, split);
    }
    out.push_str("</tbody></table></div>\n</section>\n");

    if let Some(changes) = &view.changes {
        changes_section(out, chrome, changes);
    }
    if let Some(dynamics) = &view.dynamics {
        dynamics_section(out, chrome, dynamics);
    }
    if !view.ranking.is_empty() {
        open_section(out, chrome, "profiles");
        let mut rows: Vec<&RankingRow> = view.ranking.iter().collect();
        rows.sort_by(|a, b| a.id.cmp(&b.id));
        out.push_str("<ul class=\"profiles\">\n");
        for row in rows {
            out.push_str("<li>");
            let label = if row.name.is_empty() {
                row.id.clone()
            } else {
                format!("{} {}", row.id, row.name)
            };
            link(out, &row.href, &label);
            out.push_str("</li>\n");
        }
        out.push_str("</ul>\n</section>\n");
    }

    facts_section(out, chrome, "protocol", &view.protocol);
    if let Some(release) = &view.release {
        release_section(out, chrome, release);
    }
    sources(out, chrome, &view.sources);
    facts_section(out, chrome, "method", &view.method);
    out.push_str("</main>\n");
    close(out, chrome);
}

/// Appends a profile's development section: facts (rank over time, dynamics), the table
/// of indicators with one sparkline each and the change, the note on estimated values.
fn trend_section(out: &mut String, chrome: &Chrome, trend: &ProfileTrend) {
    open_section(out, chrome, "trend");
    if !trend.facts.is_empty() {
        facts(out, "trend", &trend.facts);
    }
    if !trend.rows.is_empty() {
        out.push_str("<div class=\"scroll\"><table class=\"trend\">\n");
        let columns: Vec<&str> = trend.columns.iter().map(String::as_str).collect();
        thead(out, &columns, &[false, false, true]);
        out.push_str("<tbody>\n");
        for row in &trend.rows {
            out.push_str("<tr><th scope=\"row\">");
            esc(out, &row.label);
            if !row.unit.is_empty() {
                out.push_str(" <span class=\"unit\">(");
                esc(out, &row.unit);
                out.push_str(")</span>");
            }
            badge(out, row.draft.as_ref());
            out.push_str("</th><td class=\"spark\">");
            svg::sparkline(&row.chart, out);
            out.push_str("</td>");
            element(out, "td", " class=\"num\"", &row.change);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
    if let Some(note) = &trend.note {
        element(out, "p", " class=\"notes\"", note);
        out.push('\n');
    }
    out.push_str("</section>\n");
}

/// Appends the "what changed" section of the index (rows link to the profiles).
fn changes_section(out: &mut String, chrome: &Chrome, view: &ChangesView) {
    open_section(out, chrome, "changes");
    if !view.intro.is_empty() {
        element(out, "p", "", &view.intro);
        out.push('\n');
    }
    if view.rows.is_empty() {
        element(out, "p", "", &view.empty);
        out.push('\n');
    } else {
        out.push_str("<div class=\"scroll\"><table class=\"changes\">\n");
        let columns: Vec<&str> = view.columns.iter().map(String::as_str).collect();
        thead(out, &columns, &[false, false, true, false, false, true]);
        out.push_str("<tbody>\n");
        for row in &view.rows {
            out.push_str("<tr><th scope=\"row\">");
            link(out, &row.href, &row.unit);
            out.push_str("</th>");
            element(out, "td", "", &row.reason);
            element(out, "td", " class=\"num\"", &row.rank);
            element(out, "td", "", &row.dynamics);
            out.push_str("<td>");
            esc(out, &row.indicator);
            badge(out, row.draft.as_ref());
            out.push_str("</td>");
            element(out, "td", " class=\"num\"", &row.change);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
    if let Some(note) = &view.note {
        element(out, "p", " class=\"notes\"", note);
        out.push('\n');
    }
    out.push_str("</section>\n");
}

/// Appends the units per status × dynamics class.
fn dynamics_section(out: &mut String, chrome: &Chrome, view: &DynamicsSummary) {
    open_section(out, chrome, "dynamics");
    out.push_str("<div class=\"scroll\"><table class=\"dynamics\">\n");
    let columns: Vec<&str> = view.columns.iter().map(String::as_str).collect();
    thead(out, &columns, &[false, false, true]);
    out.push_str("<tbody>\n");
    for (combined, classes, count) in &view.rows {
        out.push_str("<tr>");
        element(out, "th", " scope=\"row\"", combined);
        element(out, "td", "", classes);
        element(out, "td", " class=\"num\"", count);
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n</section>\n");
}

/// Appends the sign-offs section of the index: the draft indicators, then the sign-offs.
fn release_section(out: &mut String, chrome: &Chrome, view: &ReleaseSection) {
    open_section(out, chrome, "release");
    if let Some(note) = &view.drafts {
        draft_note(out, note);
    }
    if view.rows.is_empty() {
        element(out, "p", "", &view.empty);
        out.push('\n');
    } else {
        out.push_str("<div class=\"scroll\"><table class=\"signoffs\">\n");
        let columns: Vec<&str> = view.columns.iter().map(String::as_str).collect();
        thead(
            out,
            &columns,
            &[false, true, false, true, false, false, false],
        );
        out.push_str("<tbody>\n");
        for row in &view.rows {
            out.push_str("<tr>");
            element(out, "th", " scope=\"row\"", &row.dataset);
            element(out, "td", " class=\"num\"", &row.reference_date);
            element(out, "td", "", &row.office);
            element(out, "td", " class=\"num\"", &row.signed_on);
            element(out, "td", "", &row.comment);
            out.push_str("<td>");
            element(out, "code", "", &row.sha256);
            out.push_str("</td>");
            let attrs = if row.current { "" } else { " class=\"stale\"" };
            element(out, "td", attrs, &row.status);
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
    out.push_str("</section>\n");
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use geo::{MultiPolygon, polygon};

    use super::*;
    use crate::render::view::{
        Bar, BarsView, Fill, Language, Legend, LegendClass, LocatorView, MapLink, MapUnit, MapView,
        NoDataEntry, Pattern, StripView,
    };

    const NASTY: &str = "Q<&\">'x";

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon::new(vec![polygon![
            (x: x, y: y),
            (x: x + 100.0, y: y),
            (x: x + 100.0, y: y + 100.0),
            (x: x, y: y + 100.0),
        ]])
    }

    fn squares() -> Vec<MultiPolygon<f64>> {
        vec![
            square(0.0, 0.0),
            square(100.0, 0.0),
            square(0.0, 100.0),
            square(100.0, 100.0),
        ]
    }

    fn headings() -> Vec<(&'static str, String)> {
        [
            ("figures", "Kennzahlen"),
            ("age", "Altersstruktur"),
            ("sources", "Datenquellen"),
            ("method", "Methode"),
            ("ranking", "Rangfolge"),
            ("profiles", "Quartiersprofile"),
            ("protocol", "Protokoll"),
            ("map", "Karte Gesamtindex"),
            ("back", "Zur Übersicht"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_owned()))
        .collect()
    }

    fn chrome() -> Chrome {
        Chrome {
            lang: "de",
            footer: "quartier 0.1.0".to_owned(),
            headings: headings(),
            figure_columns: ["Indikator", "Wert", "Stadt", "Rang", "Klasse", "Vergleich"]
                .map(str::to_owned)
                .to_vec(),
            ranking_columns: [
                "Rang",
                "Quartier",
                "Name",
                "Index",
                "Rangintervall",
                "P(ausgewählt)",
                "Klasse",
                "Hinweis",
            ]
            .map(str::to_owned)
            .to_vec(),
            extra_css: false,
        }
    }

    fn strip(this: Option<f64>) -> StripView {
        StripView {
            values: vec![1.0, 2.0, 3.5, 4.0],
            this,
            town: Some(2.5),
            min_label: "1,0".to_owned(),
            max_label: "4,0".to_owned(),
            description: "Vergleich mit allen Quartieren".to_owned(),
            width_px: 160.0,
        }
    }

    fn figure(label: &str, value: Option<&str>, weight: Option<&str>) -> FigureRow {
        FigureRow {
            label: label.to_owned(),
            unit: "%".to_owned(),
            value: value.map(str::to_owned),
            footnote: value.is_none().then(|| {
                (
                    "•".to_owned(),
                    "geheim gehalten (Fallzahl zu klein)".to_owned(),
                )
            }),
            town: "2,5".to_owned(),
            rank: if value.is_some() { "2 von 4" } else { "–" }.to_owned(),
            class: if value.is_some() {
                "2 von 3: 2,0 bis 3,5"
            } else {
                "–"
            }
            .to_owned(),
            weight: weight.map(str::to_owned),
            draft: None,
            chart: strip(value.map(|_| 2.0)),
        }
    }

    fn sources() -> Vec<SourceRow> {
        vec![
            SourceRow {
                title: "Einwohnermelderegister".to_owned(),
                office: "Bürgeramt".to_owned(),
                reference_date: "31.12.2024".to_owned(),
                legal_basis: "BMG".to_owned(),
            },
            SourceRow {
                title: "Unterhaltsvorschuss".to_owned(),
                office: "Jugendamt".to_owned(),
                reference_date: "31.12.2024".to_owned(),
                legal_basis: "–".to_owned(),
            },
        ]
    }

    fn method() -> Vec<Fact> {
        vec![
            Fact {
                label: "Normierung".to_owned(),
                value: "z-Werte".to_owned(),
            },
            Fact {
                label: "Geheimhaltung".to_owned(),
                value: "Mindestfallzahl 3".to_owned(),
            },
        ]
    }

    fn profile_view<'a>(units: &'a [MultiPolygon<f64>], title: &str) -> ProfileView<'a> {
        ProfileView {
            chrome: chrome(),
            title: title.to_owned(),
            subtitle: "Musterstadt · Ortsteil O1 · Quartiersprofil".to_owned(),
            facts: vec![
                Fact {
                    label: "Einwohner".to_owned(),
                    value: "1.234".to_owned(),
                },
                Fact {
                    label: "Rang".to_owned(),
                    value: "2 von 4 (1–3)".to_owned(),
                },
            ],
            callout: Some("ausgewählt: benachteiligtes Quartier".to_owned()),
            locator: LocatorView {
                id_prefix: "loc-".to_owned(),
                units: units.iter().collect(),
                highlight: 1,
                width_px: 200.0,
                description: "Lage von Q02 in Musterstadt".to_owned(),
            },
            draft_note: None,
            figures: vec![
                figure("Anteil unter 25 Jahre", Some("23,4"), Some("0,5")),
                figure("Anteil Unterhaltsvorschuss", None, Some("0,5")),
                figure("Einwohnerdichte", Some("3.210,0"), None),
            ],
            trend: None,
            age: Some(BarsView {
                id_prefix: "age-".to_owned(),
                bars: vec![
                    Bar {
                        label: "0-2".to_owned(),
                        value: Some(40),
                        value_label: "40".to_owned(),
                    },
                    Bar {
                        label: "3-5".to_owned(),
                        value: None,
                        value_label: "•".to_owned(),
                    },
                ],
                description: "Einwohner nach Altersgruppen".to_owned(),
                width_px: 400.0,
            }),
            sources: sources(),
            method: method(),
            index_href: "index.html".to_owned(),
        }
    }

    fn ranking_row(rank: &str, id: &str, name: &str, selected: bool, note: &str) -> RankingRow {
        RankingRow {
            rank: rank.to_owned(),
            id: id.to_owned(),
            name: name.to_owned(),
            href: format!("quartier-{id}.html"),
            composite: if note.is_empty() { "1,23" } else { "–" }.to_owned(),
            interval: if note.is_empty() { "1–2" } else { "–" }.to_owned(),
            p_selected: if note.is_empty() { "87 %" } else { "–" }.to_owned(),
            class: if note.is_empty() { "3 von 3" } else { "–" }.to_owned(),
            selected,
            note: note.to_owned(),
        }
    }

    fn index_view<'a>(units: &'a [MultiPolygon<f64>], name: &str) -> IndexView<'a> {
        let ids = ["Q01", "Q02", "Q03", "Q04"];
        let map_units = units
            .iter()
            .zip(ids)
            .enumerate()
            .map(|(i, (geometry, id))| MapUnit {
                id,
                label: Some(id.to_owned()),
                geometry,
                fill: if i == 3 {
                    Fill::NoData(0)
                } else {
                    Fill::Class(i)
                },
                outlined: i == 1,
                tooltip: format!("{id}: {i},0"),
                href: Some(format!("quartier-{id}.html")),
            })
            .collect();
        IndexView {
            chrome: chrome(),
            title: "Sozialraumbericht Musterstadt".to_owned(),
            subtitle: "Quartiere nach Gesamtindex".to_owned(),
            map: MapView {
                id_prefix: "m0-".to_owned(),
                title: "Gesamtindex".to_owned(),
                subtitle: "Quartiere, Quantile".to_owned(),
                units: map_units,
                context: Vec::new(),
                legend: Legend {
                    title: "Gesamtindex".to_owned(),
                    classes: ["#fee8c8", "#fdbb84", "#e34a33"]
                        .into_iter()
                        .enumerate()
                        .map(|(i, color)| LegendClass {
                            label: format!("{i},0 bis {},0", i + 1),
                            count: 1,
                            color,
                        })
                        .collect(),
                    no_data: vec![NoDataEntry {
                        label: "nicht bewertet".to_owned(),
                        count: 1,
                        pattern: Pattern::CrossHatch,
                    }],
                    outline: Some("ausgewählt: benachteiligt".to_owned()),
                },
                width_px: 600.0,
                language: Language::German,
                watermark: None,
            },
            map_links: vec![
                MapLink {
                    label: "Anteil unter 25 Jahre".to_owned(),
                    href: "maps/quartier-under25_share.svg".to_owned(),
                    draft: None,
                },
                MapLink {
                    label: "Einwohnerdichte".to_owned(),
                    href: "maps/quartier-density.svg".to_owned(),
                    draft: None,
                },
            ],
            ranking_draft: None,
            changes: None,
            dynamics: None,
            release: None,
            ranking: vec![
                ranking_row("1", "Q02", name, true, ""),
                ranking_row("2", "Q01", "Altstadt", false, ""),
                ranking_row("3", "Q03", "", false, ""),
                ranking_row("–", "Q04", "Gewerbe", false, "unter 50 Einwohner"),
            ],
            protocol: vec![Fact {
                label: "Gesperrte Zellen".to_owned(),
                value: "12".to_owned(),
            }],
            sources: sources(),
            method: method(),
        }
    }

    fn render_profile(title: &str) -> String {
        let units = squares();
        let mut out = String::new();
        profile(&profile_view(&units, title), &mut out);
        out
    }

    fn render_index(name: &str) -> String {
        let units = squares();
        let mut out = String::new();
        index(&index_view(&units, name), &mut out);
        out
    }

    /// The page without its doctype line (roxmltree accepts it, but be independent of that).
    fn xml(page: &str) -> &str {
        page.strip_prefix("<!DOCTYPE html>\n")
            .expect("page starts with the doctype")
    }

    /// All text of `node` and its descendants, concatenated.
    fn all_text(node: roxmltree::Node<'_, '_>) -> String {
        node.descendants()
            .filter(|n| n.is_text())
            .filter_map(|n| n.text())
            .collect()
    }

    fn elements<'a, 'i>(
        doc: &'a roxmltree::Document<'i>,
        tag: &'a str,
    ) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
        doc.descendants().filter(move |n| n.has_tag_name(tag))
    }

    /// Checks what every page must satisfy: XML, XHTML namespace and lang, no script, no
    /// external reference, one style element.
    fn check_self_contained(page: &str) {
        let doc = roxmltree::Document::parse(xml(page)).expect("page parses as XML");
        let root = doc.root_element();
        assert!(root.has_tag_name(("http://www.w3.org/1999/xhtml", "html")));
        assert_eq!(root.attribute("lang"), Some("de"));
        assert_eq!(elements(&doc, "style").count(), 1);
        assert_eq!(elements(&doc, "script").count(), 0);
        assert!(!page.to_ascii_lowercase().contains("<script"));
        assert!(!page.contains("@import"));
        // No URL other than the namespace names of XHTML and SVG (and xlink if used).
        let allowed = [
            "http://www.w3.org/1999/xhtml",
            "http://www.w3.org/2000/svg",
            "http://www.w3.org/1999/xlink",
        ];
        for (i, _) in page.match_indices("http") {
            assert!(
                allowed.iter().any(|url| page[i..].starts_with(url)),
                "unexpected URL at {i}: {}",
                &page[i..page.len().min(i + 60)]
            );
        }
        for node in doc.descendants().filter(|n| n.is_element()) {
            for attr in node.attributes() {
                if matches!(attr.name(), "href" | "src" | "action" | "data" | "poster") {
                    let value = attr.value();
                    assert!(
                        !value.contains(':') && !value.starts_with('/'),
                        "external reference {}={value}",
                        attr.name()
                    );
                }
            }
        }
        // Only the XML entities and numeric references.
        for (i, _) in page.match_indices('&') {
            let rest = &page[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "named entity at {i}: {}",
                &rest[..rest.len().min(10)]
            );
        }
    }

    #[test]
    fn profile_is_self_contained_xhtml() {
        check_self_contained(&render_profile("Quartier Q02 Altstadt-Nord"));
    }

    #[test]
    fn index_is_self_contained_xhtml() {
        check_self_contained(&render_index("Altstadt-Nord"));
    }

    #[test]
    fn profile_shows_every_heading_and_section() {
        let page = render_profile("Quartier Q02 Altstadt-Nord");
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let h1: Vec<String> = elements(&doc, "h1").map(all_text).collect();
        assert_eq!(h1, ["Quartier Q02 Altstadt-Nord"]);
        let title: Vec<String> = elements(&doc, "title")
            .filter(|n| n.parent().is_some_and(|p| p.has_tag_name("head")))
            .map(all_text)
            .collect();
        assert_eq!(title, ["Quartier Q02 Altstadt-Nord"]);
        let h2: Vec<String> = elements(&doc, "h2").map(all_text).collect();
        assert_eq!(
            h2,
            ["Kennzahlen", "Altersstruktur", "Datenquellen", "Methode"]
        );
        // The back link: to the index, inside the navigation (hidden in print).
        let back: Vec<_> = elements(&doc, "a")
            .filter(|a| a.attribute("href") == Some("index.html"))
            .collect();
        assert_eq!(back.len(), 1);
        assert_eq!(all_text(back[0]), "Zur Übersicht");
        assert!(back[0].parent().unwrap().has_tag_name("nav"));
        assert!(page.contains("@media print{"));
        assert!(page.contains("nav{display:none}"));
        assert!(page.contains("@page{size:A4;margin:15mm}"));
        // Facts, callout, the source rows and the method facts.
        let text = all_text(doc.root_element());
        for expected in [
            "Einwohner",
            "1.234",
            "ausgewählt: benachteiligtes Quartier",
            "Bürgeramt",
            "Jugendamt",
            "Mindestfallzahl 3",
            "Gewicht: 0,5",
            "Zur Übersicht",
            "quartier 0.1.0",
        ] {
            assert!(text.contains(expected), "missing {expected}");
        }
        let sources: Vec<_> = elements(&doc, "table")
            .filter(|t| t.attribute("class") == Some("sources"))
            .collect();
        assert_eq!(sources.len(), 1);
        assert_eq!(elements_in(sources[0], "tr").count(), 3);
        assert_eq!(
            elements_in(sources[0], "th")
                .map(all_text)
                .collect::<Vec<_>>(),
            ["Datensatz", "Fachamt", "Stichtag", "Rechtsgrundlage"]
        );
    }

    fn elements_in<'a, 'i>(
        node: roxmltree::Node<'a, 'i>,
        tag: &'a str,
    ) -> impl Iterator<Item = roxmltree::Node<'a, 'i>> + 'a {
        node.descendants().filter(move |n| n.has_tag_name(tag))
    }

    #[test]
    fn figure_table_has_one_row_per_indicator_with_columns_and_charts() {
        let page = render_profile("Q02");
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let table = elements(&doc, "table")
            .find(|t| t.attribute("class") == Some("figures"))
            .unwrap();
        let header: Vec<String> = elements_in(table, "thead")
            .flat_map(|h| elements_in(h, "th"))
            .map(all_text)
            .collect();
        assert_eq!(
            header,
            ["Indikator", "Wert", "Stadt", "Rang", "Klasse", "Vergleich"]
        );
        let body = elements_in(table, "tbody").next().unwrap();
        let rows: Vec<_> = body.children().filter(|n| n.is_element()).collect();
        assert_eq!(rows.len(), 3);
        for row in &rows {
            let cells = row.children().filter(|n| n.is_element()).count();
            assert_eq!(cells, 6);
            // Each row holds exactly one inline strip chart.
            assert_eq!(elements_in(*row, "svg").count(), 1);
        }
        let first: Vec<String> = rows[0]
            .children()
            .filter(|n| n.is_element())
            .map(all_text)
            .collect();
        assert_eq!(first[0], "Anteil unter 25 Jahre (%)Gewicht: 0,5");
        assert_eq!(
            first[1..5],
            ["23,4", "2,5", "2 von 4", "2 von 3: 2,0 bis 3,5"]
        );
    }

    #[test]
    fn suppressed_value_has_mark_in_table_and_footnote_under_it() {
        let page = render_profile("Q02");
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let table = elements(&doc, "table")
            .find(|t| t.attribute("class") == Some("figures"))
            .unwrap();
        let marks: Vec<String> = elements_in(table, "sup").map(all_text).collect();
        assert_eq!(marks, ["•"]);
        let value_cell = elements_in(table, "sup").next().unwrap().parent().unwrap();
        assert_eq!(all_text(value_cell), "–•");
        // The note follows the table, once.
        let notes: Vec<_> = elements(&doc, "ul")
            .filter(|u| u.attribute("class") == Some("notes"))
            .collect();
        assert_eq!(notes.len(), 1);
        let items: Vec<String> = elements_in(notes[0], "li").map(all_text).collect();
        assert_eq!(items, ["• geheim gehalten (Fallzahl zu klein)"]);
        assert!(table.range().end < notes[0].range().start);
    }

    #[test]
    fn footnotes_are_listed_once_per_distinct_mark() {
        let units = squares();
        let mut view = profile_view(&units, "Q02");
        view.figures
            .push(figure("Anteil Transferleistung", None, None));
        let mut other = figure("Kita-Einkommen", None, None);
        other.footnote = Some(("x".to_owned(), "keine Angabe".to_owned()));
        view.figures.push(other);
        // A footnote on an available value is not a note of the table.
        let mut stray = figure("Dichte", Some("1,0"), None);
        stray.footnote = Some(("y".to_owned(), "ungenutzt".to_owned()));
        view.figures.push(stray);
        let mut page = String::new();
        profile(&view, &mut page);
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let notes: Vec<String> = elements(&doc, "ul")
            .filter(|u| u.attribute("class") == Some("notes"))
            .flat_map(|u| elements_in(u, "li"))
            .map(all_text)
            .collect();
        assert_eq!(
            notes,
            ["• geheim gehalten (Fallzahl zu klein)", "x keine Angabe"]
        );
    }

    #[test]
    fn profile_without_age_callout_or_sources_leaves_them_out() {
        let units = squares();
        let mut view = profile_view(&units, "Q02");
        view.age = None;
        view.callout = None;
        view.sources.clear();
        view.figures.retain(|f| f.value.is_some());
        let mut page = String::new();
        profile(&view, &mut page);
        check_self_contained(&page);
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let h2: Vec<String> = elements(&doc, "h2").map(all_text).collect();
        assert_eq!(h2, ["Kennzahlen", "Methode"]);
        assert!(!page.contains("class=\"callout\""));
        assert!(!page.contains("class=\"notes\""));
    }

    #[test]
    fn index_shows_every_heading_and_links_every_ranking_row() {
        let page = render_index("Altstadt-Nord");
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let h2: Vec<String> = elements(&doc, "h2").map(all_text).collect();
        assert_eq!(
            h2,
            [
                "Karte Gesamtindex",
                "Rangfolge",
                "Quartiersprofile",
                "Protokoll",
                "Datenquellen",
                "Methode"
            ]
        );
        let table = elements(&doc, "table")
            .find(|t| t.attribute("class") == Some("ranking"))
            .unwrap();
        let header: Vec<String> = elements_in(table, "thead")
            .flat_map(|h| elements_in(h, "th"))
            .map(all_text)
            .collect();
        assert_eq!(header, chrome().ranking_columns);
        let rows: Vec<_> = elements_in(table, "tbody")
            .flat_map(|b| b.children().filter(|n| n.is_element()))
            .collect();
        let units = squares();
        let view = index_view(&units, "Altstadt-Nord");
        assert_eq!(rows.len(), view.ranking.len());
        for (row, expected) in rows.iter().zip(&view.ranking) {
            assert_eq!(row.children().filter(|n| n.is_element()).count(), 8);
            let links: Vec<_> = elements_in(*row, "a").collect();
            assert_eq!(links.len(), 1);
            assert_eq!(links[0].attribute("href"), Some(expected.href.as_str()));
            assert_eq!(all_text(links[0]), expected.id);
            let text = all_text(*row);
            assert!(text.contains(&expected.rank));
            assert!(text.contains(&expected.note));
        }
        // Selected: a class for the visible style and the word itself.
        assert_eq!(rows[0].attribute("class"), Some("selected"));
        assert!(all_text(rows[0]).contains("ausgewählt"));
        assert!(
            rows[1..]
                .iter()
                .all(|r| !all_text(*r).contains("ausgewählt"))
        );
        assert_eq!(rows[3].attribute("class"), Some("excluded"));
        assert!(all_text(rows[3]).contains("unter 50 Einwohner"));
        // Every profile is also listed, sorted by id.
        let profiles: Vec<_> = elements(&doc, "ul")
            .filter(|u| u.attribute("class") == Some("profiles"))
            .flat_map(|u| elements_in(u, "a"))
            .map(|a| a.attribute("href").unwrap().to_owned())
            .collect();
        assert_eq!(
            profiles,
            [
                "quartier-Q01.html",
                "quartier-Q02.html",
                "quartier-Q03.html",
                "quartier-Q04.html"
            ]
        );
        // The other maps, the protocol facts.
        let hrefs: Vec<&str> = elements(&doc, "a")
            .filter_map(|a| a.attribute("href"))
            .collect();
        assert!(hrefs.contains(&"maps/quartier-under25_share.svg"));
        assert!(hrefs.contains(&"maps/quartier-density.svg"));
        assert!(all_text(doc.root_element()).contains("Gesperrte Zellen"));
        // The composite map is inline.
        let map = elements(&doc, "figure")
            .find(|f| f.attribute("class") == Some("map"))
            .unwrap();
        assert_eq!(elements_in(map, "svg").count(), 1);
    }

    #[test]
    fn seven_ranking_columns_join_id_and_name() {
        let units = squares();
        let mut view = index_view(&units, "Altstadt-Nord");
        view.chrome.ranking_columns.remove(2);
        // The builders put the word into the note of a selected row: shown once, in bold.
        view.ranking[0].note = "ausgewählt".to_owned();
        let mut page = String::new();
        index(&view, &mut page);
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let table = elements(&doc, "table")
            .find(|t| t.attribute("class") == Some("ranking"))
            .unwrap();
        let rows: Vec<_> = elements_in(table, "tbody")
            .flat_map(|b| b.children().filter(|n| n.is_element()))
            .collect();
        for row in &rows {
            assert_eq!(row.children().filter(|n| n.is_element()).count(), 7);
        }
        let first = elements_in(rows[0], "a").next().unwrap();
        assert_eq!(all_text(first), "Q02 Altstadt-Nord");
        let third = elements_in(rows[2], "a").next().unwrap();
        assert_eq!(all_text(third), "Q03");
        assert_eq!(rows[0].attribute("class"), Some("selected"));
        assert_eq!(all_text(rows[0]).matches("ausgewählt").count(), 1);
        let strong: Vec<String> = elements_in(rows[0], "strong").map(all_text).collect();
        assert_eq!(strong, ["ausgewählt"]);
    }

    #[test]
    fn text_is_escaped() {
        let page = render_profile(NASTY);
        assert!(!page.contains(NASTY));
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let h1: Vec<String> = elements(&doc, "h1").map(all_text).collect();
        assert_eq!(h1, [NASTY]);

        let page = render_index(NASTY);
        assert!(!page.contains(NASTY));
        check_self_contained(&page);
        let doc = roxmltree::Document::parse(xml(&page)).unwrap();
        let cells: Vec<String> = elements(&doc, "td").map(all_text).collect();
        assert!(cells.iter().any(|c| c == NASTY));
    }

    #[test]
    fn external_links_are_written_as_text() {
        for href in [
            "https://example.org/x.html",
            "http://example.org",
            "//example.org/x",
            "/etc/passwd",
            "javascript:alert(1)",
            "file:///tmp/x",
            "",
        ] {
            assert!(!is_relative(href), "{href}");
            let mut out = String::new();
            link(&mut out, href, "Q01");
            assert_eq!(out, "Q01");
        }
        for href in [
            "index.html",
            "quartier-Q07.html",
            "maps/quartier-under25_share.svg",
            "../index.html#ranking",
            "a.html?x=1:2",
        ] {
            assert!(is_relative(href), "{href}");
        }
        let units = squares();
        let mut view = index_view(&units, "Altstadt-Nord");
        view.ranking[1].href = "https://example.org/q01.html".to_owned();
        view.map_links[0].href = "http://example.org/map.svg".to_owned();
        let mut page = String::new();
        index(&view, &mut page);
        check_self_contained(&page);
        assert!(page.contains("Anteil unter 25 Jahre"));
    }

    #[test]
    fn missing_heading_falls_back_to_key_and_builtins_follow_language() {
        let mut chrome = chrome();
        chrome.headings.retain(|(k, _)| *k != "method");
        assert_eq!(text(&chrome, "method"), "method");
        assert_eq!(text(&chrome, "figures"), "Kennzahlen");
        assert_eq!(text(&chrome, "source_office"), "Fachamt");
        chrome.lang = "en";
        assert_eq!(text(&chrome, "source_office"), "Office");
        chrome.headings.push(("source_office", "Owner".to_owned()));
        assert_eq!(text(&chrome, "source_office"), "Owner");
    }

    #[test]
    fn output_is_deterministic() {
        assert_eq!(render_profile("Q02"), render_profile("Q02"));
        assert_eq!(render_index("Nord"), render_index("Nord"));
    }

    #[test]
    fn overhead_is_small() {
        // The page without its SVG: a few KB of markup and style.
        let page = render_profile("Q02");
        let mut rest = page.as_str();
        let mut outside = 0;
        while let Some(start) = rest.find("<svg") {
            outside += start;
            let end = rest[start..].find("</svg>").unwrap() + start + "</svg>".len();
            rest = &rest[end..];
        }
        outside += rest.len();
        assert!(outside < 8_000, "{outside} bytes outside SVG");
    }

    #[test]
    fn profile_of_a_town_of_200_quarters_stays_below_300_kb() {
        // 200 quarters of 48 vertices each in a 20 × 10 grid, six indicators with a strip
        // chart over all 200 values each.
        let units: Vec<MultiPolygon<f64>> = (0..200)
            .map(|i| {
                let (cx, cy) = (f64::from(i % 20) * 250.0, f64::from(i / 20) * 250.0);
                let ring: Vec<(f64, f64)> = (0..48)
                    .map(|k| {
                        let angle = f64::from(k) * std::f64::consts::TAU / 48.0;
                        let r = 120.0 + 7.0 * f64::from((i * 7 + k) % 5);
                        (cx + r * angle.cos(), cy + r * angle.sin())
                    })
                    .collect();
                MultiPolygon::new(vec![geo::Polygon::new(ring.into(), Vec::new())])
            })
            .collect();
        let mut view = profile_view(&units, "Quartier Q117");
        view.locator.highlight = 117;
        let values: Vec<f64> = (0..200).map(|i| f64::from(i) * 0.37 + 1.0).collect();
        view.figures = (0..6)
            .map(|i| {
                let mut row = figure(&format!("Indikator {i}"), Some("12,3"), Some("0,2"));
                row.chart.values.clone_from(&values);
                row.chart.this = Some(values[117]);
                row
            })
            .collect();
        let mut page = String::new();
        profile(&view, &mut page);
        check_self_contained(&page);
        assert!(page.len() < 300_000, "{} bytes", page.len());
    }

    #[test]
    fn snapshot_profile() {
        insta::assert_snapshot!("html_profile", render_profile("Quartier Q02 Altstadt-Nord"));
    }

    #[test]
    fn snapshot_index() {
        insta::assert_snapshot!("html_index", render_index("Altstadt-Nord"));
    }
}
