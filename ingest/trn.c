/*
 * trn.c - sclite trn transcripts as records; see trn.h for the format.
 *
 * Lines come from the shared line splitter.  Each one is trimmed, the id
 * is cut out from the end (last '(' to the final ')'), and the speaker is
 * derived from the id.  The text points into the line; the id is copied
 * once, ASCII lower-cased, because sclite compares trn ids (and so
 * speakers) without regard to ASCII case: "SPK1-a" and "spk1-a" are one
 * utterance of one speaker there, and here too.
 */
#include "common/fa.h"
#include "ingest/trn.h"

/* A line holds a text of at most FA_MAX_FIELD_BYTES and its id. */
#define TRN_MAX_LINE (2 * (size_t)FA_MAX_FIELD_BYTES)

struct trn_parser {
	struct ingest_sink sink;
	struct ingest_errors *errs;
	struct ingest_bom bom;
	struct ingest_lines lines;
	bool speaker;
	bool started;
	char *text_column;
	struct ingest_column cols[3];
	size_t ncols;
	struct buf id;		/* the current line's id, lower-cased */
};

static void trn_line(void *ctx, uint64_t line, const char *s, size_t n);

struct trn_parser *trn_parser_new(const char *text_column, bool speaker,
				  const struct ingest_sink *sink,
				  struct ingest_errors *errs)
{
	struct trn_parser *p = xcalloc(1, sizeof(*p));

	p->sink = *sink;
	p->errs = errs;
	p->speaker = speaker;
	buf_init(&p->id, 0);
	p->text_column = xstrdup(text_column);
	p->cols[0] = (struct ingest_column){ "id", 2 };
	p->cols[1] = (struct ingest_column){ p->text_column,
					     strlen(p->text_column) };
	p->cols[2] = (struct ingest_column){ "speaker", 7 };
	p->ncols = speaker ? 3 : 2;
	ingest_lines_init(&p->lines, TRN_MAX_LINE, errs, trn_line, p);
	return p;
}

void trn_parser_free(struct trn_parser *p)
{
	if (!p)
		return;
	ingest_lines_release(&p->lines);
	free(p->text_column);
	buf_release(&p->id);
	free(p);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* The speaker of an id as sclite -i rm derives it; false if none. */
static bool speaker_of(const char *id, size_t n, size_t *len)
{
	const char *c = memchr(id, '-', n);

	if (!c)
		c = memchr(id, '_', n);
	if (!c)
		return false;
	*len = (size_t)(c - id);
	return true;
}

static void trn_line(void *ctx, uint64_t line, const char *s, size_t n)
{
	struct trn_parser *p = ctx;
	const char *open, *id, *text;
	size_t idn, textn, spk = 0;
	struct buf q = BUF_INIT;
	bool bad = false;
	int chk;

	while (n && is_space(s[n - 1]))
		n--;
	while (n && is_space(*s)) {
		s++;
		n--;
	}
	if (!n || (n >= 2 && s[0] == ';' && s[1] == ';'))
		return;
	open = NULL;
	if (s[n - 1] == ')')
		for (size_t i = n - 1; i-- > 0;)
			if (s[i] == '(') {
				open = s + i;
				break;
			}
	if (!open) {
		ingest_errors_addf(p->errs, line, NULL, "line does not end "
				   "with an utterance id in parentheses, as in "
				   "\"words ... (speaker-utterance)\"");
		return;
	}
	id = open + 1;
	idn = (size_t)(s + n - 1 - id);
	text = s;
	textn = (size_t)(open - s);
	while (textn && is_space(text[textn - 1]))
		textn--;

	if (textn > FA_MAX_FIELD_BYTES) {
		ingest_errors_addf(p->errs, line, p->cols[1].name, "field is "
				   "longer than %d bytes (FA_MAX_FIELD_BYTES)",
				   FA_MAX_FIELD_BYTES);
		bad = true;
	} else if ((chk = ingest_text_check(text, textn))) {
		ingest_errors_addf(p->errs, line, p->cols[1].name, "field %s",
				   ingest_text_reason(chk));
		bad = true;
	}
	if (!idn) {
		ingest_errors_addf(p->errs, line, "id", "empty utterance id");
		return;
	}
	if (idn > FA_MAX_FIELD_BYTES) {
		ingest_errors_addf(p->errs, line, "id", "field is longer than "
				   "%d bytes (FA_MAX_FIELD_BYTES)",
				   FA_MAX_FIELD_BYTES);
		return;
	}
	if ((chk = ingest_text_check(id, idn))) {
		ingest_errors_addf(p->errs, line, "id", "field %s",
				   ingest_text_reason(chk));
		return;
	}
	if (p->speaker) {
		if (!speaker_of(id, idn, &spk)) {
			ingest_quote(&q, id, idn);
			ingest_errors_addf(p->errs, line, "id", "utterance id "
					   "%s contains neither '-' nor '_', so "
					   "no speaker can be derived from it "
					   "(sclite -i rm takes the id up to "
					   "the first '-', else the first '_')",
					   q.s);
			bad = true;
		} else if (!spk) {
			ingest_quote(&q, id, idn);
			ingest_errors_addf(p->errs, line, "id", "utterance id "
					   "%s starts with '%c', which leaves "
					   "an empty speaker", q.s, *id);
			bad = true;
		}
		buf_release(&q);
	}
	if (bad || !p->sink.record)
		return;
	buf_reset(&p->id);
	buf_add(&p->id, id, idn);
	for (size_t i = 0; i < idn; i++)
		if (p->id.s[i] >= 'A' && p->id.s[i] <= 'Z')
			p->id.s[i] = (char)(p->id.s[i] - 'A' + 'a');
	id = p->id.s;

	struct ingest_value v[3] = {
		{ id, idn, false },
		{ text, textn, false },
		{ id, spk, false },
	};
	struct ingest_record r = {
		.row = line, .n = p->ncols, .cols = p->cols, .v = v,
	};
	p->sink.record(p->sink.ctx, &r);
}

static void start(struct trn_parser *p)
{
	if (p->started)
		return;
	p->started = true;
	if (p->sink.header)
		p->sink.header(p->sink.ctx, 0, p->cols, p->ncols);
}

int trn_parser_feed(struct trn_parser *p, const char *data, size_t n)
{
	start(p);
	if (!p->bom.done) {
		size_t replay = ingest_bom_step(&p->bom, &data, &n);

		if (replay)
			ingest_lines_feed(&p->lines, ingest_bom_bytes, replay);
	}
	ingest_lines_feed(&p->lines, data, n);
	return 0;
}

int trn_parser_finish(struct trn_parser *p)
{
	size_t replay;

	start(p);
	replay = ingest_bom_flush(&p->bom);
	if (replay)
		ingest_lines_feed(&p->lines, ingest_bom_bytes, replay);
	ingest_lines_finish(&p->lines);
	return p->errs->total ? -1 : 0;
}
