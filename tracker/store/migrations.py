"""Named schema migrations, applied once each, in order, inside the transaction that records them.

Add a new function to MIGRATIONS to change the schema; never edit one that has shipped.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

Migration = Callable[[duckdb.DuckDBPyConnection], None]


def m001_core(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE TABLE sessions (
            session_id VARCHAR PRIMARY KEY,
            year INTEGER,
            session_type VARCHAR,
            number VARCHAR,
            title VARCHAR,
            date DATE,
            sdgs VARCHAR[],
            organizers VARCHAR[],
            speakers VARCHAR[],
            moderators VARCHAR[],
            rapporteur VARCHAR,
            updated_at TIMESTAMP
        )""")
    con.execute("""
        CREATE TABLE documents (
            source VARCHAR PRIMARY KEY,      -- file name; a re-load of the same name replaces it
            session_id VARCHAR NOT NULL,
            page_kind VARCHAR NOT NULL,      -- outcomes | glance | proposal
            content_hash VARCHAR NOT NULL,   -- sha256 of the raw bytes: unchanged files are skipped
            text VARCHAR NOT NULL,           -- the clean text that item offsets point into
            item_count INTEGER NOT NULL,
            loaded_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE items (
            item_id VARCHAR PRIMARY KEY,     -- hash of session id + normalized text
            session_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,           -- takeaway | action | question
            text VARCHAR NOT NULL,
            section VARCHAR NOT NULL,        -- every heading it was found under, joined by ' | '
            speaker VARCHAR NOT NULL DEFAULT '',
            explanation VARCHAR NOT NULL DEFAULT '',
            source VARCHAR NOT NULL,         -- the document it was last found in
            position INTEGER NOT NULL,
            in_source BOOLEAN NOT NULL DEFAULT TRUE,
            first_seen TIMESTAMP NOT NULL,
            status VARCHAR NOT NULL DEFAULT 'not_started',
            owner VARCHAR NOT NULL DEFAULT '',
            due_date DATE,
            notes VARCHAR NOT NULL DEFAULT '',
            updated_at TIMESTAMP,
            updated_by VARCHAR NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0  -- bumped on every edit: detects concurrent changes
        )""")
    con.execute("""
        CREATE TABLE occurrences (
            source VARCHAR NOT NULL,
            position INTEGER NOT NULL,
            item_id VARCHAR NOT NULL,
            section VARCHAR NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            PRIMARY KEY (source, position)
        )""")
    con.execute("CREATE SEQUENCE history_seq START 1")
    con.execute("""
        CREATE TABLE history (
            change_id BIGINT PRIMARY KEY DEFAULT nextval('history_seq'),
            item_id VARCHAR NOT NULL,
            field VARCHAR NOT NULL,          -- status | owner | due_date | notes | in_source
            old_value VARCHAR,
            new_value VARCHAR,
            changed_by VARCHAR NOT NULL,
            changed_at TIMESTAMP NOT NULL,
            via VARCHAR NOT NULL             -- dashboard | cli | loader | bulk
        )""")


def m002_analysis(con: duckdb.DuckDBPyConnection) -> None:
    """Recurrence analysis (tracker.analysis): results, people's decisions, embedding cache, run log."""
    con.execute("""
        CREATE TABLE embeddings (
            text_hash VARCHAR NOT NULL,      -- sha256 (32 hex) of the exact sentence embedded
            model VARCHAR NOT NULL,          -- model id: vectors of different models never mix
            vector FLOAT[384] NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (text_hash, model)
        )""")
    con.execute("""
        CREATE TABLE item_analysis (
            item_id VARCHAR PRIMARY KEY,
            themes VARCHAR[] NOT NULL,
            themes_by VARCHAR NOT NULL,      -- 'machine' or the person who corrected them
            addressee VARCHAR[] NOT NULL,    -- normalized actors the call names
            addressee_text VARCHAR NOT NULL, -- the same, as written
            specificity INTEGER NOT NULL,    -- 0-3: addressee + concrete action + date
            specificity_note VARCHAR NOT NULL,
            group_id VARCHAR,                -- NULL for items no longer in their source
            centrality DOUBLE NOT NULL DEFAULT 0,
            analyzed_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE analysis_groups (
            group_id VARCHAR PRIMARY KEY,    -- hash of the sorted member ids: stable while membership is
            label VARCHAR NOT NULL,
            label_item_id VARCHAR NOT NULL,
            themes VARCHAR[] NOT NULL,
            confirmed BOOLEAN NOT NULL
        )""")
    con.execute("CREATE SEQUENCE analysis_decision_seq START 1")
    con.execute("""
        CREATE TABLE analysis_decisions (
            decision_id BIGINT PRIMARY KEY DEFAULT nextval('analysis_decision_seq'),
            kind VARCHAR NOT NULL,           -- confirm | split | merge | themes
            item_ids VARCHAR[] NOT NULL,     -- decisions name items, never group ids (those change)
            other_ids VARCHAR[] NOT NULL,
            themes VARCHAR[] NOT NULL,
            decided_by VARCHAR NOT NULL,
            decided_at TIMESTAMP NOT NULL
        )""")
    con.execute("CREATE SEQUENCE analysis_run_seq START 1")
    con.execute("""
        CREATE TABLE analysis_runs (
            run_id BIGINT PRIMARY KEY DEFAULT nextval('analysis_run_seq'),
            finished_at TIMESTAMP NOT NULL,
            seconds DOUBLE NOT NULL,
            mode VARCHAR NOT NULL,           -- semantic | lexical
            reason VARCHAR NOT NULL,         -- why lexical, '' in semantic mode
            method VARCHAR NOT NULL,
            items INTEGER NOT NULL,
            groups INTEGER NOT NULL,
            recurring INTEGER NOT NULL,
            embedded INTEGER NOT NULL,       -- sentences embedded in this run (0 when all were cached)
            summary VARCHAR NOT NULL
        )""")


def m003_recommendations(con: duckdb.DuckDBPyConnection) -> None:
    """Recommendations as stored things people follow up; the machine's groupings become suggestions.

    Existing groups carry over: each becomes a recommendation whose first call is its member and whose
    other items are suggestions to review, except in groups a person had confirmed (all members).
    """
    con.execute("CREATE SEQUENCE recommendation_seq START 1")
    con.execute("""
        CREATE TABLE recommendations (
            rec_id VARCHAR PRIMARY KEY,      -- 'R' + a number: given once, never reused or changed
            title VARCHAR NOT NULL,
            title_by VARCHAR NOT NULL,       -- 'machine' (suggested from the members) or the person
            status VARCHAR NOT NULL DEFAULT 'not_started',
            owner VARCHAR NOT NULL DEFAULT '',
            due_date DATE,
            notes VARCHAR NOT NULL DEFAULT '',
            confirmed BOOLEAN NOT NULL DEFAULT FALSE,  -- a person accepted, titled or followed it up
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL,     -- 'machine' or the person who started it
            updated_at TIMESTAMP,
            updated_by VARCHAR NOT NULL DEFAULT '',
            version INTEGER NOT NULL DEFAULT 0
        )""")
    con.execute("""
        CREATE TABLE memberships (
            item_id VARCHAR PRIMARY KEY,     -- an item belongs to at most one recommendation
            rec_id VARCHAR NOT NULL,
            state VARCHAR NOT NULL,          -- member | suggested (pending review)
            score DOUBLE NOT NULL DEFAULT 0, -- average similarity to the members when the machine placed it
            evidence_item_id VARCHAR NOT NULL DEFAULT '',  -- the member it matched best ...
            evidence_mine VARCHAR NOT NULL DEFAULT '',     -- ... this item's sentence ...
            evidence_theirs VARCHAR NOT NULL DEFAULT '',   -- ... and the member's sentence
            decided_by VARCHAR NOT NULL,     -- 'machine' or the person
            decided_at TIMESTAMP NOT NULL
        )""")
    con.execute("""
        CREATE TABLE rejections (
            item_id VARCHAR NOT NULL,        -- a person said: this item is not that recommendation
            rec_id VARCHAR NOT NULL,
            decided_by VARCHAR NOT NULL,
            decided_at TIMESTAMP NOT NULL,
            PRIMARY KEY (item_id, rec_id)
        )""")
    con.execute("ALTER TABLE history ADD COLUMN subject VARCHAR NOT NULL DEFAULT 'item'")  # item | recommendation
    groups = con.execute("""
        SELECT g.group_id, g.label, g.confirmed, list(a.item_id ORDER BY s.year NULLS LAST, i.session_id, i.position)
        FROM analysis_groups g JOIN item_analysis a USING (group_id) JOIN items i USING (item_id)
        LEFT JOIN sessions s USING (session_id)
        WHERE i.kind IN ('takeaway', 'action')
        GROUP BY ALL ORDER BY min(s.year), g.group_id""").fetchall()
    for k, (_, label, confirmed, members) in enumerate(groups, start=1):
        rec_id = f"R{k}"
        con.execute("""INSERT INTO recommendations (rec_id, title, title_by, confirmed, created_at, created_by)
                       VALUES (?, ?, 'machine', ?, now(), 'machine')""", [rec_id, label[:80], confirmed])
        for n, item_id in enumerate(members):
            state = "member" if confirmed or n == 0 else "suggested"
            con.execute("""INSERT INTO memberships (item_id, rec_id, state, decided_by, decided_at)
                           VALUES (?, ?, ?, 'machine', now())""", [item_id, rec_id, state])
        con.execute("SELECT nextval('recommendation_seq')")
    con.execute("DROP TABLE analysis_groups")
    con.execute("ALTER TABLE item_analysis DROP COLUMN group_id")
    con.execute("ALTER TABLE item_analysis DROP COLUMN centrality")
    con.execute("DELETE FROM analysis_decisions WHERE kind <> 'themes'")  # now memberships and rejections


def m004_ngram_vectors(con: duckdb.DuckDBPyConnection) -> None:
    """Cache of the sentences' character n-gram vectors (tracker.analysis.similarity.char_vectors)."""
    con.execute("""
        CREATE TABLE ngram_vectors (
            text_hash VARCHAR NOT NULL,      -- sha256 (32 hex) of the exact sentence
            model VARCHAR NOT NULL,          -- how the vector was made: another recipe never mixes with it
            vector FLOAT[768] NOT NULL,
            created_at TIMESTAMP NOT NULL,
            PRIMARY KEY (text_hash, model)
        )""")


def m006_drafts(con: duckdb.DuckDBPyConnection) -> None:
    """Proposal drafts (tracker.services.planning): named, per target year, every save a new version."""
    con.execute("CREATE SEQUENCE draft_seq START 1")
    con.execute("""
        CREATE TABLE drafts (
            draft_id BIGINT PRIMARY KEY DEFAULT nextval('draft_seq'),
            name VARCHAR NOT NULL,
            target_year INTEGER NOT NULL,
            scope VARCHAR NOT NULL,          -- since-last | all | years (2023-2025, 2024,2025) | sessions:ID,ID
            created_at TIMESTAMP NOT NULL,
            created_by VARCHAR NOT NULL      -- (target_year, name) is unique, checked when a draft is made
        )""")
    con.execute("""
        CREATE TABLE draft_versions (
            draft_id BIGINT NOT NULL,
            version INTEGER NOT NULL,        -- 1, 2, ...: a save never overwrites, it adds the next version
            content VARCHAR NOT NULL,        -- the proposal's fields as JSON (planning.FIELDS)
            saved_at TIMESTAMP NOT NULL,
            saved_by VARCHAR NOT NULL,
            note VARCHAR NOT NULL DEFAULT '', -- 'created', 'restored version 2', ...
            PRIMARY KEY (draft_id, version)
        )""")


def m007_forum_url(con: duckdb.DuckDBPyConnection) -> None:
    """The forum a session belongs to (IGF, or a regional, national or youth IGF), and the web address a
    document was fetched from (so it can be refreshed)."""
    con.execute("ALTER TABLE sessions ADD COLUMN forum VARCHAR")
    # until now only the IGF's "Type #number" titles were recognised; other pages get theirs when reloaded
    con.execute("UPDATE sessions SET forum = 'IGF' WHERE session_type IS NOT NULL")
    con.execute("ALTER TABLE documents ADD COLUMN url VARCHAR")  # NULL for a file or an upload


def m008_report_calls(con: duckdb.DuckDBPyConnection) -> None:
    """Calls to action found in a page's narrative (reading.report_calls): suggestions a person accepts (the
    call becomes an item with origin 'report') or rejects (it never comes back). Kept out of `items` until
    accepted, so no figure, grouping or brief counts a suggestion."""
    con.execute("ALTER TABLE items ADD COLUMN origin VARCHAR NOT NULL DEFAULT 'section'")  # section | report
    con.execute("""
        CREATE TABLE report_calls (
            call_id VARCHAR PRIMARY KEY,     -- hash of session + normalized sentence = its item id once accepted
            session_id VARCHAR NOT NULL,
            text VARCHAR NOT NULL,           -- the sentence as written (whitespace folded)
            source VARCHAR NOT NULL,         -- the document it was last found in
            section VARCHAR NOT NULL,        -- the narrative heading it sits under
            start_offset INTEGER NOT NULL,   -- into documents.text of that source
            end_offset INTEGER NOT NULL,
            cue VARCHAR NOT NULL,            -- the rule that found it
            in_source BOOLEAN NOT NULL DEFAULT TRUE,
            review VARCHAR NOT NULL DEFAULT 'suggested',  -- suggested | accepted | rejected
            decided_by VARCHAR NOT NULL DEFAULT '',
            decided_at TIMESTAMP,
            first_seen TIMESTAMP NOT NULL
        )""")


def m009_roles(con: duckdb.DuckDBPyConnection) -> None:
    """Roles of signed-in people (tracker.services.access); admins named in the configuration are not rows."""
    con.execute("""
        CREATE TABLE roles (
            email VARCHAR PRIMARY KEY,       -- lower case, as the identity provider gives it
            role VARCHAR NOT NULL,           -- viewer | editor | admin
            granted_by VARCHAR NOT NULL,
            granted_at TIMESTAMP NOT NULL
        )""")


def m010_candidates(con: duckdb.DuckDBPyConnection) -> None:
    """The recommendations offered for each suggested call, best first, with their evidence (review queue)."""
    con.execute("""
        CREATE TABLE candidates (
            item_id VARCHAR NOT NULL,        -- a call placed by the machine as a suggestion
            rank INTEGER NOT NULL,           -- 1: the suggestion itself, then the next most likely
            rec_id VARCHAR NOT NULL,
            score DOUBLE NOT NULL,           -- average probability with the recommendation's calls
            evidence_item_id VARCHAR NOT NULL,  -- its member the call matches best ...
            evidence_mine VARCHAR NOT NULL,  -- ... this call's sentence ...
            evidence_theirs VARCHAR NOT NULL,  -- ... and the member's sentence
            PRIMARY KEY (item_id, rank)
        )""")


def m011_history_subject_id(con: duckdb.DuckDBPyConnection) -> None:
    """The history's id column names any subject (an item, R3, a report call, D1, an e-mail address), not only
    items: ``item_id`` becomes ``subject_id``; every row is kept."""
    con.execute("ALTER TABLE history RENAME COLUMN item_id TO subject_id")


def m013_loaded_by(con: duckdb.DuckDBPyConnection) -> None:
    """Who imported each document: the signed-in person, the name given in the dashboard, or the command line's
    user. Empty for the documents loaded before it was recorded."""
    con.execute("ALTER TABLE documents ADD COLUMN loaded_by VARCHAR NOT NULL DEFAULT ''")


def m014_outcomes_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """A recommendation's outcome as audit offices record it (open, or closed: implemented, partly implemented,
    not implemented with a reason) and when it was closed; evidence (links and small files) on recommendations
    and items (tracker.services.evidence)."""
    con.execute("ALTER TABLE recommendations ADD COLUMN outcome VARCHAR NOT NULL DEFAULT 'open'")
    con.execute("ALTER TABLE recommendations ADD COLUMN outcome_reason VARCHAR NOT NULL DEFAULT ''")
    con.execute("ALTER TABLE recommendations ADD COLUMN closed_on DATE")
    con.execute("CREATE SEQUENCE evidence_seq START 1")
    con.execute("""
        CREATE TABLE evidence (
            evidence_id BIGINT PRIMARY KEY DEFAULT nextval('evidence_seq'),
            subject VARCHAR NOT NULL,        -- recommendation | item
            subject_id VARCHAR NOT NULL,     -- R3, or an item id
            label VARCHAR NOT NULL,          -- what it is, in the words of the person who added it
            url VARCHAR,                     -- a link (http/https) ...
            file_name VARCHAR,               -- ... or a file: its name, type, size and bytes
            media_type VARCHAR,
            size INTEGER,
            content BLOB,
            added_by VARCHAR NOT NULL,
            added_at TIMESTAMP NOT NULL,
            removed_by VARCHAR NOT NULL DEFAULT '',  -- kept when taken off: nothing a person added is lost
            removed_at TIMESTAMP
        )""")


def m015_item_actions(con: duckdb.DuckDBPyConnection) -> None:
    """What each call asks, as the pair score reads it (tracker.analysis.similarity.Action), kept with its
    other annotations so that an import does not parse every call again. NULL until an analysis reads it."""
    con.execute("ALTER TABLE item_analysis ADD COLUMN action_verbs VARCHAR[]")  # stems of its action verbs
    con.execute("ALTER TABLE item_analysis ADD COLUMN object_words VARCHAR[]")  # stems of its content words
    con.execute("ALTER TABLE item_analysis ADD COLUMN ask_verb VARCHAR")  # its extracted ask's verb, '' for none


MIGRATIONS: list[tuple[str, Migration]] = [
    ("001_core", m001_core),
    ("002_analysis", m002_analysis),
    ("003_recommendations", m003_recommendations),
    ("004_ngram_vectors", m004_ngram_vectors),
    ("006_drafts", m006_drafts),
    ("007_forum_url", m007_forum_url),
    ("008_report_calls", m008_report_calls),
    ("009_roles", m009_roles),
    ("010_candidates", m010_candidates),
    ("011_history_subject_id", m011_history_subject_id),
    ("013_loaded_by", m013_loaded_by),
    ("014_outcomes_evidence", m014_outcomes_evidence),
    ("015_item_actions", m015_item_actions),
]


def apply_migrations(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a database up to the current schema; returns the names of the migrations applied now."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP)")
    done = {row[0] for row in con.execute("SELECT name FROM schema_migrations").fetchall()}
    applied = []
    for name, migration in MIGRATIONS:
        if name in done:
            continue
        con.begin()
        try:
            migration(con)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name])
            con.commit()
        except Exception:
            con.rollback()
            raise
        applied.append(name)
    return applied


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute("SELECT count(*) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0
