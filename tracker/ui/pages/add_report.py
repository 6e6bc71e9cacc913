"""Add a report: upload session pages (or paste text), preview what will be extracted, import.

Uploads never touch the disk: the bytes go straight to the parser and the store, under a name
cleaned by ``safe_source_name``. Each file is parsed once, when it is chosen: Streamlit runs the page again
on every click, so the parse is kept in the session while the file stays chosen, and the preview, the
import's item count and the store all use it (a PDF starts one PDFium process, not three). A file over the
size limit or that the loader rejects is reported with its reason and nothing is written for it.
"""

from __future__ import annotations

import streamlit as st

from tracker.reading.files import pasted_name, safe_source_name
from tracker.reading.parsed import ParsedFile, content_hash, parse_file
from tracker.reading.text import MAX_BYTES
from tracker.services.access import PermissionDenied
from tracker.services.importing import ImportTooLarge, import_files, replacement_note
from tracker.services.web import import_targets, refresh, web_documents
from tracker.ui import auth
from tracker.ui.dashboard_data import import_summary, kind_label, preview_items, session_label
from tracker.ui.pages import common

FLASH = "add_flash"
PARSED = "add_parsed"  # {(name, content hash): ParsedFile} of the files chosen now
LIMIT_MB = MAX_BYTES // 2**20


def collect() -> list[tuple[str, bytes]]:
    """(safe name, bytes) for every upload and the pasted text, refusing oversize files with a message."""
    files: list[tuple[str, bytes]] = []
    nonce = st.session_state.get("add_nonce", 0)
    # no type= list: every file reaches the loader's checks, which say in one line why a file cannot be read
    uploads = st.file_uploader(f"Session pages (.txt, .html, .pdf or .docx, up to {LIMIT_MB} MB each)",
                               accept_multiple_files=True, key=f"uploads-{nonce}")
    for upload in uploads or []:
        name = safe_source_name(upload.name)
        if upload.size > MAX_BYTES:
            st.error(common.md(f"{name}: file too large ({upload.size / 1e6:.1f} MB; limit {LIMIT_MB} MB). "
                               "Not imported."), icon=":material/block:")
            continue
        files.append((name, upload.getvalue()))
    with st.expander("… or paste the text of a session page", expanded=not uploads):
        pasted = st.text_area("Page text", key=f"paste-{nonce}", height=200,
                              placeholder="Paste the whole page, from the title to the end of the report")
        name = st.text_input("Name it", value="pasted-session.txt", key=f"paste-name-{nonce}")
    if pasted.strip():
        data = pasted.encode("utf-8")
        safe = pasted_name(name)
        if len(data) > MAX_BYTES:
            st.error(f"Pasted text is too large ({len(data) / 1e6:.1f} MB; limit {LIMIT_MB} MB).")
        else:
            files.append((safe, data))
    return files


# a count in words: "1 call to action", "3 calls to action"
KIND_COUNT = {"takeaway": ("key takeaway", "key takeaways"), "action": ("call to action", "calls to action"),
              "question": ("question", "questions")}


def read_once(files: list[tuple[str, bytes]]) -> list[ParsedFile]:
    """Each chosen file parsed, the parse kept for the reruns that follow (the Import click is one) for as
    long as the file stays chosen; a file chosen again with other bytes is parsed again."""
    kept: dict[tuple[str, str], ParsedFile] = st.session_state.get(PARSED, {})
    now: dict[tuple[str, str], ParsedFile] = {}
    parsed = []
    for name, data in files:
        key = (name, content_hash(data))
        page = now.get(key) or kept.get(key) or parse_file(name, data, digest=key[1])
        now[key] = page
        parsed.append(page)
    st.session_state[PARSED] = now
    return parsed


def preview(files: list[ParsedFile]) -> list[ParsedFile]:
    """Show what each parsed file would import, writing nothing; return the ones that parse."""
    good = []
    for page in files:
        with st.container(border=True):
            doc, name = page.document, page.source
            if doc is None:
                st.error(common.md(page.error), icon=":material/error:")
                continue
            good.append(page)
            meta = doc.meta
            label = session_label(meta.year, meta.session_type, meta.number, meta.title, 80, meta.forum)
            st.markdown(f"**{common.md(name)}** → {common.md(label)}")
            counts: dict[str, int] = {}
            for item in doc.items:
                counts[item.kind] = counts.get(item.kind, 0) + 1
            summary = ", ".join(f"{n} {KIND_COUNT[k][n != 1] if k in KIND_COUNT else kind_label(k).lower()}"
                                for k, n in counts.items())
            st.caption(common.md(f"Page type: {doc.page_kind}; " + (summary or "no published outcomes")))
            for warning in doc.warnings:  # nothing that reads badly is imported without being said
                st.warning(common.md(f"{name}: {warning}."), icon=":material/warning:")
            if note := replacement_note(common.get_store(), name, doc):
                st.info(common.md(note), icon=":material/swap_horiz:")
            if doc.report_calls:
                n = len(doc.report_calls)
                st.caption(f"{n} sentence{'s' if n != 1 else ''} of the report text read{'' if n != 1 else 's'} "
                           "as a call to action: after the import, accept or reject them in To review.")
            if doc.items:
                st.dataframe(preview_items(doc), hide_index=True, width="stretch", column_config={
                    "kind": st.column_config.TextColumn("Kind", width="small"),
                    "section": st.column_config.TextColumn("Section", width="small"),
                    "text": st.column_config.TextColumn("Item", width="large"),
                    "speaker": st.column_config.TextColumn("Asked by", width="small")})
            else:
                st.warning("No key takeaways, calls to action or questions found: the session will be flagged "
                           "as having no published outcomes.")
    return good


def from_the_web() -> None:
    """Import session pages by their web address, and refresh the ones imported that way (services.web)."""
    store = common.get_store()
    stored = web_documents(store)
    with st.expander("From the web: import session pages by their address, or refresh them",
                     icon=":material/language:", expanded=bool(stored)):
        addresses = st.text_area("Session page addresses (http:// or https://), one per line", key="web-urls",
                                 placeholder="https://www.intgovforum.org/en/content/igf-2024-open-forum-6-…")
        wanted = [line.strip() for line in addresses.splitlines() if line.strip()]
        c = st.columns(2)
        fetch_now = c[0].button("Fetch and import", disabled=not wanted, icon=":material/download:", key="web-fetch")
        again = c[1].button(f"Refresh from the web ({len(stored)} page{'s' if len(stored) != 1 else ''})",
                            disabled=not stored, icon=":material/refresh:", key="web-refresh",
                            help="Fetch every page imported from an address again; every edit is kept and items "
                                 "no longer on a page are marked")
        if not (fetch_now or again):
            return
        with st.spinner("Fetching, importing and re-analyzing …"):
            who = {"by": common.editor_name(), "actor": auth.current_actor()}
            imported = import_targets(store, wanted, **who) if fetch_now else refresh(store, **who)
        common.clear_caches()
        for failure in imported.report.failed:
            st.error(common.md(failure.error), icon=":material/error:")
        for result in imported.report.results:
            for warning in result.warnings:
                st.warning(common.md(f"{result.url or result.source}: {warning}."), icon=":material/warning:")
        summary = imported.report.summary() + (f". {imported.analysis}" if imported.analysis else "")
        (st.success if imported.report.ok else st.info)(common.md(summary))


def render() -> None:
    common.page_header("Add a report", "Upload IGF session pages, check what will be extracted, then import.")
    message = st.session_state.pop(FLASH, None)
    from_the_web()
    files = collect()
    if message and not files:  # the last import's result, until the next files are chosen
        st.success(common.md(message), icon=":material/check_circle:")
    if not files:
        st.session_state.pop(PARSED, None)  # nothing chosen: no parse to keep
        st.caption("Saved pages from intgovforum.org work best (File → Save as … .html, or copy all text).")
        return
    st.subheader("Preview")
    good = preview(read_once(files))
    label = f"Import {len(good)} page(s)" if good else "Nothing to import"
    if st.button(label, type="primary", disabled=not good, icon=":material/download_done:", key="import"):
        store = common.get_store()
        try:
            with st.spinner("Importing and re-analyzing …"):
                imported = import_files(store, good, by=common.editor_name(), actor=auth.current_actor())
        except (ImportTooLarge, PermissionDenied) as exc:  # nothing was written: say why next to the button
            st.error(common.md(str(exc)), icon=":material/block:")
            return
        report = imported.report
        summary = import_summary(imported)
        common.clear_caches()
        for failure in report.failed:
            st.error(common.md(failure.error))
        if report.ok:
            st.session_state[FLASH] = summary
            st.session_state["add_nonce"] = st.session_state.get("add_nonce", 0) + 1  # empty the uploader
            st.rerun()
        st.info(common.md(summary))


if __name__ == "__main__":
    render()
