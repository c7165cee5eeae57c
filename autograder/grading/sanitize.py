"""Strip active content from a graded notebook before instructors open it (issue 14, item 5).

Formgrader and `nbgrader generate_feedback` render `autograded/` notebooks in the instructor's
Jupyter page, so anything a student's code displays or a student's markdown holds would run
there with the instructor's session. `clean_notebook` keeps what grading needs to show (text,
PNG/JPEG images, tables) and removes or neutralises the rest:

* outputs: only an allowlist of mime types is kept; `text/html` goes through nh3 (Ammonia) with
  a conservative allowlist, `text/markdown` like a markdown cell; output metadata is rebuilt
  from numbers only (nbconvert writes image width/height into the page unquoted);
* markdown cells a student could write: nbconvert turns markdown into HTML with raw HTML and
  `javascript:` links passed through, so a source is kept as it is only if what nbconvert
  renders from it passes the sanitizer unchanged; otherwise its raw HTML is sanitized, and if
  the rendering still is not clean (a `[x](javascript:…)` link) it is shown as a code block;
* attachments other than PNG/JPEG, and widget state, are dropped.

Cells the instructor wrote (locked, from the source) keep their text; every cell's nbgrader
metadata is left alone. `clean_html` is also the filter nbgrader_config.py gives nbconvert.
"""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import nbformat
import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbformat import NotebookNode

IMAGES = ("image/png", "image/jpeg")
# Rendered inertly by nbconvert's templates (escaped text, <img src=data:…>); text/latex is
# escaped and typeset by MathJax, which nbconvert loads with its Safe extension.
INERT = {"text/plain", "text/latex", *IMAGES}
REMOVED = "[{} removed by the grader: active content is not shown to graders]"

_HEADINGS = {f"h{n}" for n in range(1, 7)}
TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "code", "col", "colgroup", "dd", "del",
        "details", "div", "dl", "dt", "em", "hr", "i", "img", "ins", "kbd", "li", "mark", "ol",
        "p", "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var",
        *_HEADINGS}
# Removed with their content (must not overlap TAGS).
DROP_WITH_CONTENT = {"script", "style", "template", "iframe", "frame", "frameset", "object",
                     "embed", "applet", "noscript", "noembed", "noframes", "svg", "math",
                     "textarea", "select", "button", "form", "title", "xmp"}
ATTRIBUTES = {"*": {"class", "title"}, "a": {"href"}, "img": {"src", "alt", "width", "height"},
              "table": {"border"}, "td": {"colspan", "rowspan", "align"},
              "th": {"colspan", "rowspan", "align", "scope"}, "ol": {"start"},
              **{h: {"class", "title", "id"} for h in _HEADINGS}}  # ids of nbconvert's anchors
# nbconvert renders markdown table alignment as style="text-align:…": those values only.
_ALIGN = {"style": {f"text-align:{side}" for side in ("left", "center", "right")}}
TAG_ATTRIBUTE_VALUES = {"td": _ALIGN, "th": _ALIGN}
SCHEMES = {"http", "https", "mailto"}
DATA_IMAGES = tuple(f"data:{mime};base64," for mime in IMAGES)


def _url_filter(tag: str, attribute: str, value: str) -> str | None:
    """Links: same-page anchors and http(s)/mailto only; images: http(s) or embedded PNG/JPEG
    (what nbconvert makes of an attachment). Nothing relative reaches the grader's server."""
    if attribute not in ("href", "src"):
        return value
    url = value.strip()
    if tag == "img" and url.lower().startswith(DATA_IMAGES):
        return value
    if tag == "a" and url.startswith("#"):
        return value
    scheme = urlsplit(url).scheme.lower()  # urlsplit drops tabs/newlines as browsers do
    return value if scheme in SCHEMES and (tag == "a" or scheme != "mailto") else None


def clean_html(html: str | bytes) -> str:
    """Sanitized HTML: allowed tags and attributes only, no scripts, handlers or unsafe URLs."""
    text = html.decode() if isinstance(html, bytes) else str(html)
    return nh3.clean(text, tags=TAGS, clean_content_tags=DROP_WITH_CONTENT, attributes=ATTRIBUTES,
                     tag_attribute_values=TAG_ATTRIBUTE_VALUES, attribute_filter=_url_filter,
                     url_schemes=SCHEMES | {"data"}, link_rel=None, strip_comments=True)


class _StartTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, sorted((k, v or "") for k, v in attrs)))

    handle_startendtag = handle_starttag


def _start_tags(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    parser = _StartTags()
    parser.feed(html)
    parser.close()
    return parser.tags


def is_clean(html: str) -> bool:
    """Would the sanitizer remove no tag, attribute or URL from `html`?"""
    return _start_tags(html) == _start_tags(clean_html(html))


def render_markdown(source: str, attachments: dict | None = None) -> str:
    """HTML as nbconvert's HTMLExporter (hence formgrader, generate_feedback) renders it."""
    renderer = IPythonRenderer(escape=False, attachments=dict(attachments or {}))
    return MarkdownWithMath(renderer=renderer).render(source)


def _renders_clean(source: str, attachments: dict | None) -> bool:
    try:
        return is_clean(render_markdown(source, attachments))
    except Exception:  # e.g. a missing attachment, which would break the grader's page too
        return False


def _code_block(text: str) -> str:
    """`text` as a fenced code block: shown verbatim, rendered as escaped text."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * max(3, longest + 1)
    return f"{fence}\n{text}\n{fence}"


def clean_markdown(source: str, attachments: dict | None = None) -> str:
    """Markdown that renders without active content: unchanged when it already does, else
    with its raw HTML sanitized, else (a dangerous markdown link) shown as a code block."""
    if _renders_clean(source, attachments):
        return source
    cleaned = clean_html(source)
    if _renders_clean(cleaned, attachments):
        return cleaned
    block = _code_block(source)
    return block if _renders_clean(block, attachments) else REMOVED.format("this text")


def _image_metadata(meta: dict) -> dict:
    """Per-image width/height as numbers and `unconfined` as a flag: the only metadata
    nbconvert's templates use, and they write width and height unquoted into <img>."""
    kept: dict = {}
    for mime in IMAGES:
        given = meta.get(mime)
        if not isinstance(given, dict):
            continue
        sizes = {k: v for k, v in given.items() if k in ("width", "height")
                 and isinstance(v, (int, float)) and not isinstance(v, bool)}
        if given.get("unconfined") is True:
            sizes["unconfined"] = True
        if sizes:
            kept[mime] = sizes
    return kept


def clean_output(output: NotebookNode) -> NotebookNode:
    """A display or result output with only inert or sanitized data (streams and errors are
    shown as escaped text already)."""
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output
    data = {}
    for mime, value in output.get("data", {}).items():
        if mime in INERT:
            data[mime] = value
        elif mime in ("text/html", "text/markdown") and isinstance(value, (str, list)):
            text = "".join(value) if isinstance(value, list) else value
            safe = clean_html(text) if mime == "text/html" else clean_markdown(text)
            if safe.strip():
                data[mime] = safe
    if not data:
        kinds = ", ".join(sorted(output.get("data", {}))) or "an output"
        data["text/plain"] = REMOVED.format(kinds)
    output["data"] = data
    output["metadata"] = _image_metadata(output.get("metadata", {}))
    return output


def _trusted(cell: NotebookNode) -> bool:
    """A locked cell of the instructor's source (the grader put it back from the source)."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(meta.get("locked")) and not meta.get("solution")


def _clean_attachments(cell: NotebookNode) -> None:
    if "attachments" not in cell:
        return
    kept = {}
    for name, bundle in (cell.attachments or {}).items():
        images = {m: v for m, v in bundle.items() if m in IMAGES} if isinstance(bundle, dict) else {}
        if images:
            kept[name] = images
    cell.attachments = kept


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """A copy of the graded notebook that can be rendered in an instructor's browser."""
    nb = nbformat.from_dict(nb)
    nb.metadata.pop("widgets", None)  # widget state is rendered by the widgets' own JS
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [clean_output(o) for o in cell.get("outputs", [])]
        elif cell.cell_type in ("markdown", "raw"):
            _clean_attachments(cell)
            if _trusted(cell):
                continue
            cell.source = (clean_markdown(cell.source, cell.get("attachments"))
                           if cell.cell_type == "markdown" else clean_html(cell.source))
    return nb
