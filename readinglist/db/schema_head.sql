CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
CREATE TABLE auto_exports (
	id INTEGER NOT NULL, 
	path TEXT NOT NULL, 
	scope VARCHAR(10) NOT NULL, 
	value TEXT, 
	content_hash VARCHAR(64), 
	last_written DATETIME, 
	last_error TEXT, format VARCHAR(20) DEFAULT 'bibtex' NOT NULL, 
	CONSTRAINT pk_auto_exports PRIMARY KEY (id), 
	CONSTRAINT uq_auto_exports_path UNIQUE (path)
);
CREATE TABLE papers (
	id INTEGER NOT NULL, 
	arxiv_id VARCHAR(40), 
	version INTEGER, 
	doi VARCHAR(200) COLLATE "NOCASE", 
	title TEXT NOT NULL, 
	title_norm TEXT NOT NULL, 
	authors TEXT NOT NULL, 
	abstract TEXT NOT NULL, 
	published DATE, 
	updated DATE, 
	primary_category VARCHAR(40), 
	categories TEXT NOT NULL, 
	journal_ref TEXT, 
	comment TEXT, 
	github_repo TEXT, 
	project_page TEXT, 
	ai_summary TEXT, 
	ai_keywords TEXT NOT NULL, 
	entry_type VARCHAR(40), 
	journal TEXT, 
	booktitle TEXT, 
	volume VARCHAR(40), 
	number VARCHAR(40), 
	pages VARCHAR(40), 
	publisher TEXT, 
	year INTEGER, 
	month INTEGER, 
	url TEXT, 
	upvotes INTEGER NOT NULL, 
	num_comments INTEGER NOT NULL, 
	last_feed_date DATE, 
	saved BOOLEAN NOT NULL, 
	dismissed BOOLEAN NOT NULL, 
	starred BOOLEAN NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	rating INTEGER NOT NULL, 
	note TEXT NOT NULL, 
	citekey VARCHAR(200) COLLATE "NOCASE", 
	needs_review BOOLEAN NOT NULL, 
	added_at DATETIME NOT NULL, 
	modified_at DATETIME NOT NULL, bib_source TEXT, note_version INTEGER DEFAULT '0' NOT NULL, note_author VARCHAR(100) DEFAULT '' NOT NULL, 
	CONSTRAINT pk_papers PRIMARY KEY (id), 
	CONSTRAINT uq_papers_arxiv_id UNIQUE (arxiv_id), 
	CONSTRAINT uq_papers_citekey UNIQUE (citekey)
);
CREATE TABLE reading_lists (
	id INTEGER NOT NULL, 
	name VARCHAR(200) COLLATE "NOCASE" NOT NULL, 
	position INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_reading_lists PRIMARY KEY (id), 
	CONSTRAINT uq_reading_lists_name UNIQUE (name)
);
CREATE TABLE saved_searches (
	id INTEGER NOT NULL, 
	name VARCHAR(200) COLLATE "NOCASE" NOT NULL, 
	"query" TEXT NOT NULL, 
	is_alert BOOLEAN NOT NULL, 
	position INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	CONSTRAINT pk_saved_searches PRIMARY KEY (id), 
	CONSTRAINT uq_saved_searches_name UNIQUE (name)
);
CREATE TABLE settings (
	"key" VARCHAR(100) NOT NULL, 
	value TEXT NOT NULL, 
	CONSTRAINT pk_settings PRIMARY KEY ("key")
);
CREATE TABLE synced_days (
	feed_date DATE NOT NULL, 
	synced_at DATETIME NOT NULL, 
	papers INTEGER NOT NULL, 
	CONSTRAINT pk_synced_days PRIMARY KEY (feed_date)
);
CREATE TABLE tags (
	id INTEGER NOT NULL, 
	name VARCHAR(100) COLLATE "NOCASE" NOT NULL, 
	color VARCHAR(7), 
	CONSTRAINT pk_tags PRIMARY KEY (id), 
	CONSTRAINT uq_tags_name UNIQUE (name)
);
CREATE TABLE alert_matches (
	search_id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	feed_date DATE, 
	seen BOOLEAN NOT NULL, 
	matched_at DATETIME NOT NULL, 
	CONSTRAINT pk_alert_matches PRIMARY KEY (search_id, paper_id), 
	CONSTRAINT fk_alert_matches_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	CONSTRAINT fk_alert_matches_search_id_saved_searches FOREIGN KEY(search_id) REFERENCES saved_searches (id) ON DELETE CASCADE
);
CREATE TABLE annotations (
	id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	page INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	color VARCHAR(7) NOT NULL, 
	rects TEXT NOT NULL, 
	ink TEXT NOT NULL, 
	text TEXT NOT NULL, 
	comment TEXT NOT NULL, 
	fingerprint VARCHAR(64), 
	created DATETIME NOT NULL, 
	modified DATETIME NOT NULL, tags TEXT DEFAULT '[]' NOT NULL, author VARCHAR(100) DEFAULT '' NOT NULL, row_version INTEGER DEFAULT '1' NOT NULL, 
	CONSTRAINT pk_annotations PRIMARY KEY (id), 
	CONSTRAINT fk_annotations_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	CONSTRAINT uq_annotations_paper_id UNIQUE (paper_id, fingerprint)
);
CREATE TABLE attachments (
	id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	path TEXT NOT NULL, 
	size INTEGER NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	page_count INTEGER NOT NULL, 
	text_indexed BOOLEAN NOT NULL, 
	has_text BOOLEAN NOT NULL, 
	source TEXT, 
	added_at DATETIME NOT NULL, 
	CONSTRAINT pk_attachments PRIMARY KEY (id), 
	CONSTRAINT fk_attachments_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	CONSTRAINT uq_attachments_path UNIQUE (path)
);
CREATE TABLE feed_appearances (
	paper_id INTEGER NOT NULL, 
	feed_date DATE NOT NULL, 
	upvotes INTEGER NOT NULL, 
	num_comments INTEGER NOT NULL, 
	submitted_by VARCHAR(100), 
	first_seen DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	CONSTRAINT pk_feed_appearances PRIMARY KEY (paper_id, feed_date), 
	CONSTRAINT fk_feed_appearances_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE
);
CREATE TABLE list_items (
	list_id INTEGER NOT NULL, 
	paper_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	CONSTRAINT pk_list_items PRIMARY KEY (list_id, paper_id), 
	CONSTRAINT fk_list_items_list_id_reading_lists FOREIGN KEY(list_id) REFERENCES reading_lists (id) ON DELETE CASCADE, 
	CONSTRAINT fk_list_items_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE
);
CREATE TABLE paper_tags (
	paper_id INTEGER NOT NULL, 
	tag_id INTEGER NOT NULL, auto BOOLEAN DEFAULT 0 NOT NULL, 
	CONSTRAINT pk_paper_tags PRIMARY KEY (paper_id, tag_id), 
	CONSTRAINT fk_paper_tags_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE, 
	CONSTRAINT fk_paper_tags_tag_id_tags FOREIGN KEY(tag_id) REFERENCES tags (id) ON DELETE CASCADE
);
CREATE TABLE undo_steps (
	id INTEGER NOT NULL, 
	member VARCHAR(100) NOT NULL, 
	label TEXT NOT NULL, 
	state VARCHAR(10) NOT NULL, 
	coalesce_key VARCHAR(200), 
	papers TEXT NOT NULL, 
	payload BLOB NOT NULL, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	CONSTRAINT pk_undo_steps PRIMARY KEY (id)
);
CREATE TABLE import_links (
	source VARCHAR(40) NOT NULL, 
	"key" VARCHAR(200) NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	paper_id INTEGER NOT NULL, 
	CONSTRAINT pk_import_links PRIMARY KEY (source, "key"), 
	CONSTRAINT fk_import_links_paper_id_papers FOREIGN KEY(paper_id) REFERENCES papers (id) ON DELETE CASCADE
);
CREATE TABLE change_log (
	seq INTEGER NOT NULL, 
	member VARCHAR(100) NOT NULL, 
	payload TEXT NOT NULL, 
	at DATETIME NOT NULL, 
	CONSTRAINT pk_change_log PRIMARY KEY (seq)
);
CREATE VIRTUAL TABLE "pdf_fts" USING fts5(body, paper_id UNINDEXED, page UNINDEXED, prefix='2 3', tokenize='unicode61 remove_diacritics 2');
CREATE TABLE rendered_entries (paper_id INTEGER NOT NULL, fmt VARCHAR(20) NOT NULL, version VARCHAR(40) NOT NULL, text TEXT NOT NULL, CONSTRAINT pk_rendered_entries PRIMARY KEY (paper_id, fmt));
CREATE VIRTUAL TABLE "papers_fts" USING fts5(title, abstract, authors, tags, notes, annots, prefix='1 2 3', tokenize='unicode61 remove_diacritics 2');
CREATE INDEX ix_papers_doi ON papers (doi);
CREATE INDEX ix_papers_last_feed_date ON papers (last_feed_date);
CREATE INDEX ix_papers_published ON papers (published);
CREATE INDEX ix_papers_saved ON papers (saved);
CREATE INDEX ix_papers_status ON papers (status);
CREATE INDEX ix_papers_title_norm ON papers (title_norm);
CREATE INDEX ix_papers_upvotes ON papers (upvotes);
CREATE INDEX ix_alert_matches_paper_id ON alert_matches (paper_id);
CREATE INDEX ix_annotations_paper_id ON annotations (paper_id);
CREATE INDEX ix_attachments_paper_id ON attachments (paper_id);
CREATE INDEX ix_attachments_sha256 ON attachments (sha256);
CREATE INDEX ix_feed_appearances_feed_date ON feed_appearances (feed_date, upvotes);
CREATE INDEX ix_list_items_paper_id ON list_items (paper_id);
CREATE INDEX ix_paper_tags_tag_id ON paper_tags (tag_id);
CREATE INDEX ix_undo_steps_member ON undo_steps (member);
CREATE INDEX ix_import_links_paper_id ON import_links (paper_id);
CREATE INDEX ix_papers_sort_upvotes ON papers (dismissed, upvotes);
CREATE INDEX ix_papers_sort_published ON papers (dismissed, published);
CREATE INDEX ix_papers_sort_added ON papers (dismissed, added_at);
CREATE INDEX ix_papers_sort_feed ON papers (dismissed, last_feed_date, upvotes);
CREATE INDEX ix_papers_sort_status ON papers (dismissed, status);
CREATE INDEX ix_papers_sort_citekey ON papers (dismissed, citekey);
CREATE INDEX ix_papers_sort_comments ON papers (dismissed, num_comments);
CREATE INDEX ix_papers_sort_title ON papers (dismissed, title COLLATE NOCASE);
CREATE INDEX ix_papers_sort_author ON papers (dismissed, json_extract(authors, '$[0]') COLLATE NOCASE);
CREATE INDEX ix_papers_year ON papers (COALESCE(year, CAST(strftime('%Y', published) AS INTEGER)));
CREATE INDEX ix_papers_export ON papers (dismissed, saved, citekey, entry_type);
CREATE TRIGGER rendered_entries_on_update AFTER UPDATE ON papers BEGIN DELETE FROM rendered_entries WHERE paper_id = OLD.id; END;
CREATE TRIGGER rendered_entries_on_delete AFTER DELETE ON papers BEGIN DELETE FROM rendered_entries WHERE paper_id = OLD.id; END;
INSERT INTO "alembic_version" VALUES ('0017_export');
