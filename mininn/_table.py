"""The one table formatter: plain text for ``summary()``, HTML for notebooks.

Every network, result and report in mininn describes itself as a *table*:
a title, a header row, body rows and an optional footer. ``Tabular`` turns
that description into ``summary()`` (plain text, columns padded to equal
width) and ``_repr_html_()`` (what Jupyter shows), so the two never differ
in content.
"""
from __future__ import annotations

import html
from typing import List, Optional, Sequence, Tuple

Row = Sequence[object]


def format_table(header: Row, rows: Sequence[Row], *, title: Optional[str] = None,
                 footer: Optional[str] = None) -> str:
    """Columns padded to their widest cell, a rule under the header.

    >>> print(format_table(["a", "bb"], [[1, 2], [10, 20]]))
    a   bb
    ------
    1   2
    10  20
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    n_cols = max(len(r) for r in cells)
    cells = [r + [""] * (n_cols - len(r)) for r in cells]
    widths = [max(len(r[c]) for r in cells) for c in range(n_cols)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths)).rstrip() for r in cells]
    lines.insert(1, "-" * max(len(line) for line in lines))
    if title:
        lines.insert(0, title)
    if footer:
        lines.append(footer)
    return "\n".join(lines)


def html_table(header: Row, rows: Sequence[Row], *, title: Optional[str] = None,
               footer: Optional[str] = None) -> str:
    """The same table as HTML (cells escaped), for Jupyter's rich display."""
    esc = html.escape
    parts = []
    if title:
        parts.append(f"<p><b>{_lines(title)}</b></p>")
    parts.append("<table>")
    parts.append("<tr>" + "".join(f"<th>{esc(str(c))}</th>" for c in header) + "</tr>")
    for row in rows:
        parts.append("<tr>" + "".join(f"<td>{esc(str(c))}</td>" for c in row) + "</tr>")
    parts.append("</table>")
    if footer:
        parts.append(f"<p>{_lines(footer)}</p>")
    return "\n".join(parts)


def _lines(text: str) -> str:
    """Escaped text whose line breaks survive in HTML."""
    return "<br>".join(html.escape(line) for line in text.split("\n"))


class Tabular:
    """Mixin: define ``_table()``, get ``summary()`` and ``_repr_html_()``.

    ``_table()`` returns ``(title, header, rows, footer)``; title and footer
    may be None.
    """

    def _table(self) -> Tuple[Optional[str], Row, List[Row], Optional[str]]:
        raise NotImplementedError

    def summary(self) -> str:
        """A plain-text table of this object (``print(obj.summary())``)."""
        title, header, rows, footer = self._table()
        return format_table(header, rows, title=title, footer=footer)

    def _repr_html_(self) -> str:
        title, header, rows, footer = self._table()
        return html_table(header, rows, title=title, footer=footer)
