"""Printed and downloaded list outputs: walk lists, call lists, mail lists and labels, booth page
lists and voter slips, for a segment, a list or (booth outputs) a part.

- ``housenumbers``: the natural sort of house numbers ("12/1", "12A", "Flat 3, 14").
- ``rows``: the reads — who goes on each output, in which order, with which phone (pure data).
- ``pdf`` / ``documents``: the printable PDFs (fpdf2 with HarfBuzz shaping and embedded Noto
  fonts, so Bengali and Devanagari names print correctly on any machine).
- ``tables``: the CSVs (streamed; every cell through ``people.exports.services.safe_cell``).
- ``services``: ``output_render`` — checks, limits, audit, then one of the above.
- ``views`` / ``urls``: the download endpoints (``lists:segment_output``, ``lists:list_output``,
  ``lists:area_output``); ``templates/lists/_outputs_menu.html`` renders the links.

See docs/guide/segments.md, "Walk, call and mail lists".
"""
