/*
 * predicate.c - lexer, recursive-descent parser, binder, evaluator and
 * printer for the group language; see predicate.h for the grammar.
 *
 * The lexer works on byte offsets and produces one token of lookahead;
 * positions are turned into 1-based code-point positions only when an error
 * is reported (the input was checked to be UTF-8 first).  Recursion happens
 * only at '(' and NOT, and both count against max_depth before recursing, so
 * the C stack is bounded no matter what the input is.  AND and OR nodes are
 * n-ary and flattened while parsing, so a long chain `a=1 OR b=2 OR ...` is
 * one node with many children rather than a deep tree.
 *
 * Evaluation builds, for each leaf, a byte per distinct value of the leaf's
 * column saying whether that value matches; string literals are looked up
 * in the column's dictionary, number literals against numeric columns are
 * compared with the per-value numbers.  One pass over the row codes then
 * packs the matches 64 rows to a word.
 */
#include "common/fa.h"
#include "common/util.h"
#include "cohorts/predicate.h"

const struct predicate_limits predicate_default_limits = {
	PREDICATE_MAX_BYTES, PREDICATE_MAX_DEPTH, PREDICATE_MAX_IN,
};

enum node_kind { N_CMP, N_IN, N_AND, N_OR, N_NOT };
enum cmp_op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

static const char *const op_text[] = {
	[OP_EQ] = "=", [OP_NE] = "!=", [OP_LT] = "<",
	[OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=",
};

struct lit {
	char *text;		/* string contents, or the number as written */
	size_t len;
	bool is_num;
	double num;
	size_t pos;		/* 1-based character position */
};

struct node {
	enum node_kind kind;
	size_t pos;		/* character position of the first token */
	/* N_CMP, N_IN */
	char *attr;
	size_t op_pos;
	enum cmp_op op;		/* N_CMP */
	bool negated;		/* N_IN: NOT IN */
	struct lit *lits;
	size_t nlits, lcap;
	int attr_idx;
	/* N_AND, N_OR, N_NOT */
	struct node **kids;
	size_t nkids, kcap;
};

struct predicate {
	struct node *root;
	const struct table *bound;
	size_t bound_nattrs, bound_nrows;
};

/* ---- lexer ---------------------------------------------------------- */

enum tok_kind {
	T_END, T_IDENT, T_QIDENT, T_STRING, T_NUMBER, T_LPAREN, T_RPAREN,
	T_COMMA, T_OP, T_AND, T_OR, T_NOT, T_IN, T_ERROR,
};

struct token {
	enum tok_kind kind;
	size_t off, end;	/* lexeme bytes [off, end) */
	enum cmp_op op;
	struct buf val;		/* unescaped string or identifier */
};

struct parser {
	const char *s;
	size_t n;
	size_t at;		/* next byte to lex */
	struct token tok;
	const struct predicate_limits *lim;
	size_t depth;
	struct buf *err;
	bool failed;
};

static size_t char_pos(const struct parser *p, size_t off)
{
	size_t pos = 1;

	for (size_t i = 0; i < off && i < p->n; i++)
		if (((unsigned char)p->s[i] & 0xC0) != 0x80)
			pos++;
	return pos;
}

/* Append at most ~40 bytes of text, cut at a character boundary. */
static void add_snippet(struct buf *b, const char *s, size_t n)
{
	size_t cut = n;

	if (cut > 40) {
		cut = 40;
		while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
			cut--;
	}
	for (size_t i = 0; i < cut; i++) {
		unsigned char c = (unsigned char)s[i];

		buf_addch(b, c < 0x20 || c == 0x7f ? '?' : (char)c);
	}
	if (cut < n)
		buf_adds(b, "...");
}

static void describe(const struct parser *p, const struct token *t,
		     struct buf *b)
{
	switch (t->kind) {
	case T_END:
		buf_adds(b, "end of input");
		break;
	case T_IDENT:
	case T_QIDENT:
		buf_addch(b, '"');
		add_snippet(b, t->val.s, t->val.len);
		buf_addch(b, '"');
		break;
	case T_STRING:
		buf_adds(b, "the string '");
		add_snippet(b, t->val.s, t->val.len);
		buf_addch(b, '\'');
		break;
	case T_NUMBER:
		buf_adds(b, "the number ");
		add_snippet(b, p->s + t->off, t->end - t->off);
		break;
	case T_AND:
		buf_adds(b, "AND");
		break;
	case T_OR:
		buf_adds(b, "OR");
		break;
	case T_NOT:
		buf_adds(b, "NOT");
		break;
	case T_IN:
		buf_adds(b, "IN");
		break;
	default:
		buf_addch(b, '\'');
		add_snippet(b, p->s + t->off, t->end - t->off);
		buf_addch(b, '\'');
		break;
	}
}

/* Report an error at byte offset off; only the first error is kept. */
static void FA_PRINTF(3, 4) fail_at(struct parser *p, size_t off,
				    const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	buf_addf(p->err, "at position %zu: ", char_pos(p, off));
	va_start(ap, fmt);
	buf_vaddf(p->err, fmt, ap);
	va_end(ap);
}

/* "at position N: expected WHAT, got <current token>". */
static void expected(struct parser *p, const char *what)
{
	struct buf got = BUF_INIT;

	describe(p, &p->tok, &got);
	fail_at(p, p->tok.off, "expected %s, got %s", what, got.s);
	buf_release(&got);
}

static bool is_ident_start(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_ident_char(unsigned char c)
{
	return is_ident_start(c) || (c >= '0' && c <= '9');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool word_is(const char *s, size_t n, const char *kw)
{
	return strlen(kw) == n && !strncasecmp(s, kw, n);
}

static enum tok_kind keyword(const char *s, size_t n)
{
	if (word_is(s, n, "and"))
		return T_AND;
	if (word_is(s, n, "or"))
		return T_OR;
	if (word_is(s, n, "not"))
		return T_NOT;
	if (word_is(s, n, "in"))
		return T_IN;
	return T_IDENT;
}

/* Lex a quoted run starting at the opening quote q; '' (or "") escapes. */
static bool lex_quoted(struct parser *p, char q, const char *what)
{
	size_t i = p->at + 1;

	buf_reset(&p->tok.val);
	for (;;) {
		if (i >= p->n) {
			fail_at(p, p->at, "unterminated %s", what);
			return false;
		}
		if (p->s[i] == '\0') {
			fail_at(p, i, "unexpected NUL byte in %s", what);
			return false;
		}
		if (p->s[i] == q) {
			if (i + 1 < p->n && p->s[i + 1] == q) {
				buf_addch(&p->tok.val, q);
				i += 2;
				continue;
			}
			i++;
			break;
		}
		buf_addch(&p->tok.val, p->s[i]);
		i++;
	}
	p->tok.end = i;
	return true;
}

static bool lex_number(struct parser *p)
{
	const char *s = p->s;
	size_t i = p->at, digits = 0;
	double d;

	if (s[i] == '-')
		i++;
	while (i < p->n && is_digit((unsigned char)s[i]))
		i++, digits++;
	if (i < p->n && s[i] == '.') {
		i++;
		while (i < p->n && is_digit((unsigned char)s[i]))
			i++, digits++;
	}
	if (digits && i < p->n && (s[i] == 'e' || s[i] == 'E')) {
		size_t j = i + 1;

		if (j < p->n && (s[j] == '+' || s[j] == '-'))
			j++;
		if (j < p->n && is_digit((unsigned char)s[j])) {
			while (j < p->n && is_digit((unsigned char)s[j]))
				j++;
			i = j;
		}
	}
	/* A number runs into letters, digits, '_' or '.': malformed. */
	if (!digits || (i < p->n && (is_ident_char((unsigned char)s[i]) ||
				      s[i] == '.'))) {
		while (i < p->n && (is_ident_char((unsigned char)s[i]) ||
				    s[i] == '.' || s[i] == '-' || s[i] == '+'))
			i++;
		fail_at(p, p->at, "malformed number '%.*s'",
			(int)(i - p->at > 40 ? 40 : i - p->at), s + p->at);
		return false;
	}
	if (parse_double(s + p->at, i - p->at, &d)) {
		fail_at(p, p->at, "number '%.*s' is out of range",
			(int)(i - p->at > 40 ? 40 : i - p->at), s + p->at);
		return false;
	}
	p->tok.end = i;
	return true;
}

/* Read the next token into p->tok; on error p->failed is set. */
static void next(struct parser *p)
{
	const char *s = p->s;
	unsigned char c;

	while (p->at < p->n && (s[p->at] == ' ' || s[p->at] == '\t' ||
				s[p->at] == '\n' || s[p->at] == '\r'))
		p->at++;
	p->tok.off = p->at;
	p->tok.end = p->at;
	if (p->failed) {
		p->tok.kind = T_ERROR;
		return;
	}
	if (p->at >= p->n) {
		p->tok.kind = T_END;
		return;
	}
	c = (unsigned char)s[p->at];
	p->tok.end = p->at + 1;
	switch (c) {
	case '(':
		p->tok.kind = T_LPAREN;
		break;
	case ')':
		p->tok.kind = T_RPAREN;
		break;
	case ',':
		p->tok.kind = T_COMMA;
		break;
	case '=':
		p->tok.kind = T_OP;
		p->tok.op = OP_EQ;
		break;
	case '!':
		if (p->at + 1 < p->n && s[p->at + 1] == '=') {
			p->tok.kind = T_OP;
			p->tok.op = OP_NE;
			p->tok.end++;
			break;
		}
		fail_at(p, p->at, "expected '=' after '!'");
		p->tok.kind = T_ERROR;
		return;
	case '<':
	case '>':
		p->tok.kind = T_OP;
		if (p->at + 1 < p->n && s[p->at + 1] == '=') {
			p->tok.op = c == '<' ? OP_LE : OP_GE;
			p->tok.end++;
		} else {
			p->tok.op = c == '<' ? OP_LT : OP_GT;
		}
		break;
	case '\'':
		p->tok.kind = lex_quoted(p, '\'', "string literal") ?
			      T_STRING : T_ERROR;
		break;
	case '"':
		if (!lex_quoted(p, '"', "quoted attribute name")) {
			p->tok.kind = T_ERROR;
		} else if (!p->tok.val.len) {
			fail_at(p, p->at, "empty attribute name");
			p->tok.kind = T_ERROR;
		} else {
			p->tok.kind = T_QIDENT;
		}
		break;
	default:
		if (is_digit(c) || ((c == '-' || c == '.') &&
				    p->at + 1 < p->n)) {
			if (c != '-' && c != '.') {
				p->tok.kind = lex_number(p) ? T_NUMBER : T_ERROR;
				break;
			}
			if (is_digit((unsigned char)s[p->at + 1]) ||
			    (c == '-' && s[p->at + 1] == '.')) {
				p->tok.kind = lex_number(p) ? T_NUMBER : T_ERROR;
				break;
			}
		}
		if (is_ident_start(c)) {
			size_t i = p->at;

			while (i < p->n && is_ident_char((unsigned char)s[i]))
				i++;
			p->tok.end = i;
			p->tok.kind = keyword(s + p->at, i - p->at);
			if (p->tok.kind == T_IDENT) {
				buf_reset(&p->tok.val);
				buf_add(&p->tok.val, s + p->at, i - p->at);
			}
			break;
		}
		if (c == 0)
			fail_at(p, p->at, "unexpected NUL byte");
		else if (c < 0x20 || c == 0x7f)
			fail_at(p, p->at, "unexpected control character 0x%02x",
				c);
		else if (c >= 0x80)
			fail_at(p, p->at, "unexpected character '%.*s' "
				"(attribute names with such characters "
				"take double quotes)",
				(int)(((c & 0xE0) == 0xC0) ? 2 :
				      ((c & 0xF0) == 0xE0) ? 3 : 4),
				s + p->at);
		else
			fail_at(p, p->at, "unexpected character '%c'", c);
		p->tok.kind = T_ERROR;
		return;
	}
	if (!p->failed)
		p->at = p->tok.end;
}

/* ---- tree ----------------------------------------------------------- */

static struct node *node_new(enum node_kind kind, size_t pos)
{
	struct node *nd = xcalloc(1, sizeof(*nd));

	nd->kind = kind;
	nd->pos = pos;
	nd->attr_idx = -1;
	return nd;
}

static void node_free(struct node *nd)
{
	if (!nd)
		return;
	for (size_t i = 0; i < nd->nkids; i++)
		node_free(nd->kids[i]);
	free(nd->kids);
	for (size_t i = 0; i < nd->nlits; i++)
		free(nd->lits[i].text);
	free(nd->lits);
	free(nd->attr);
	free(nd);
}

static void node_add_kid(struct node *nd, struct node *kid)
{
	nd->kids = xgrow(nd->kids, &nd->kcap, nd->nkids + 1, sizeof(*nd->kids));
	nd->kids[nd->nkids++] = kid;
}

/* Add kid to an AND/OR node, splicing in the children of a same-kind kid. */
static void node_absorb(struct node *nd, struct node *kid)
{
	if (kid->kind != nd->kind) {
		node_add_kid(nd, kid);
		return;
	}
	for (size_t i = 0; i < kid->nkids; i++)
		node_add_kid(nd, kid->kids[i]);
	kid->nkids = 0;
	node_free(kid);
}

/* ---- parser --------------------------------------------------------- */

static struct node *parse_or(struct parser *p);

static bool parse_value(struct parser *p, struct node *nd, const char *what)
{
	struct lit *l;

	if (p->tok.kind != T_STRING && p->tok.kind != T_NUMBER) {
		if (p->tok.kind == T_IDENT || p->tok.kind == T_QIDENT) {
			struct buf w = BUF_INIT;

			buf_addf(&w, "%s (text values take single quotes)",
				 what);
			expected(p, w.s);
			buf_release(&w);
		} else {
			expected(p, what);
		}
		return false;
	}
	nd->lits = xgrow(nd->lits, &nd->lcap, nd->nlits + 1, sizeof(*nd->lits));
	l = &nd->lits[nd->nlits++];
	memset(l, 0, sizeof(*l));
	l->pos = char_pos(p, p->tok.off);
	if (p->tok.kind == T_STRING) {
		l->len = p->tok.val.len;
		l->text = xstrndup(p->tok.val.s, l->len);
	} else {
		l->is_num = true;
		l->len = p->tok.end - p->tok.off;
		l->text = xstrndup(p->s + p->tok.off, l->len);
		if (parse_double(l->text, l->len, &l->num))
			die("predicate: lexed number '%s' does not parse",
			    l->text);
	}
	next(p);
	return true;
}

static struct node *parse_in_list(struct parser *p, struct node *nd)
{
	if (p->tok.kind != T_LPAREN) {
		expected(p, nd->negated ? "'(' after NOT IN" : "'(' after IN");
		goto fail;
	}
	next(p);
	for (;;) {
		if (nd->nlits >= p->lim->max_in) {
			fail_at(p, p->tok.off,
				"IN list has more than %zu values",
				p->lim->max_in);
			goto fail;
		}
		if (!parse_value(p, nd, "a value in the IN list"))
			goto fail;
		if (p->tok.kind == T_COMMA) {
			next(p);
			continue;
		}
		if (p->tok.kind == T_RPAREN) {
			next(p);
			break;
		}
		expected(p, "',' or ')' in the IN list");
		goto fail;
	}
	if (p->failed)
		goto fail;
	return nd;
fail:
	node_free(nd);
	return NULL;
}

static struct node *parse_cmp(struct parser *p)
{
	struct node *nd = node_new(N_CMP, char_pos(p, p->tok.off));
	char what[64];

	nd->attr = xstrndup(p->tok.val.s, p->tok.val.len);
	next(p);
	nd->op_pos = char_pos(p, p->tok.off);
	switch (p->tok.kind) {
	case T_OP:
		nd->op = p->tok.op;
		snprintf(what, sizeof(what), "a value after '%s'",
			 op_text[nd->op]);
		next(p);
		if (!parse_value(p, nd, what)) {
			node_free(nd);
			return NULL;
		}
		return nd;
	case T_NOT:
		next(p);
		if (p->tok.kind != T_IN) {
			expected(p, "IN after NOT");
			node_free(nd);
			return NULL;
		}
		nd->negated = true;
		/* fall through */
	case T_IN:
		nd->kind = N_IN;
		next(p);
		return parse_in_list(p, nd);
	default:
		break;
	}
	if (!p->failed) {
		struct buf w = BUF_INIT;

		buf_adds(&w, "an operator (=, !=, <, <=, >, >=, IN or NOT IN) "
			 "after the attribute \"");
		add_snippet(&w, nd->attr, strlen(nd->attr));
		buf_addch(&w, '"');
		expected(p, w.s);
		buf_release(&w);
	}
	node_free(nd);
	return NULL;
}

static bool enter(struct parser *p)
{
	if (p->depth >= p->lim->max_depth) {
		fail_at(p, p->tok.off, "expression nests deeper than %zu levels",
			p->lim->max_depth);
		return false;
	}
	p->depth++;
	return true;
}

static struct node *parse_not(struct parser *p)
{
	if (p->tok.kind == T_NOT) {
		struct node *nd, *kid;

		if (!enter(p))
			return NULL;
		nd = node_new(N_NOT, char_pos(p, p->tok.off));
		next(p);
		kid = parse_not(p);
		p->depth--;
		if (!kid) {
			node_free(nd);
			return NULL;
		}
		node_add_kid(nd, kid);
		return nd;
	}
	if (p->tok.kind == T_LPAREN) {
		struct node *nd;

		if (!enter(p))
			return NULL;
		next(p);
		nd = parse_or(p);
		p->depth--;
		if (!nd)
			return NULL;
		if (p->tok.kind != T_RPAREN) {
			expected(p, "AND, OR or ')'");
			node_free(nd);
			return NULL;
		}
		next(p);
		return nd;
	}
	if (p->tok.kind == T_IDENT || p->tok.kind == T_QIDENT)
		return parse_cmp(p);
	if (!p->failed)
		expected(p, "an attribute name, '(' or NOT");
	return NULL;
}

static struct node *parse_chain(struct parser *p, enum node_kind kind)
{
	enum tok_kind sep = kind == N_OR ? T_OR : T_AND;
	struct node *first, *nd;

	first = kind == N_OR ? parse_chain(p, N_AND) : parse_not(p);
	if (!first || p->tok.kind != sep)
		return first;
	nd = node_new(kind, first->pos);
	node_absorb(nd, first);
	while (p->tok.kind == sep) {
		struct node *kid;

		next(p);
		kid = kind == N_OR ? parse_chain(p, N_AND) : parse_not(p);
		if (!kid) {
			node_free(nd);
			return NULL;
		}
		node_absorb(nd, kid);
	}
	return nd;
}

static struct node *parse_or(struct parser *p)
{
	return parse_chain(p, N_OR);
}

int predicate_parse(const char *s, size_t n, const struct predicate_limits *lim,
		    struct predicate **out, struct buf *err)
{
	struct buf canon = BUF_INIT;
	struct parser p;
	struct node *root;

	*out = NULL;
	if (!lim)
		lim = &predicate_default_limits;
	if (n > lim->max_bytes) {
		buf_addf(err, "predicate is %zu bytes long, over the limit of "
			 "%zu bytes", n, lim->max_bytes);
		return -1;
	}
	if (!utf8_valid(s, n)) {
		buf_adds(err, "predicate is not valid UTF-8");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.n = n;
	p.lim = lim;
	p.err = err;
	buf_init(&p.tok.val, 0);
	next(&p);
	root = parse_or(&p);
	if (root && !p.failed && p.tok.kind != T_END)
		expected(&p, "AND, OR or end of input");
	buf_release(&p.tok.val);
	if (p.failed || !root) {
		node_free(root);
		if (!p.failed)
			buf_adds(err, "predicate could not be parsed");
		return -1;
	}
	*out = xcalloc(1, sizeof(**out));
	(*out)->root = root;
	/*
	 * The canonical text is what callers store and parse again later
	 * (server/bounty_run.c), and it can be longer than the input ("a=1"
	 * is "a = 1"), so it must fit the limit too.  Depth and IN lists
	 * cannot grow.
	 */
	predicate_format(*out, &canon);
	if (canon.len > lim->max_bytes) {
		buf_addf(err, "predicate is %zu bytes long in canonical form, "
			 "over the limit of %zu bytes", canon.len,
			 lim->max_bytes);
		predicate_free(*out);
		*out = NULL;
	}
	buf_release(&canon);
	return *out ? 0 : -1;
}

void predicate_free(struct predicate *p)
{
	if (!p)
		return;
	node_free(p->root);
	free(p);
}

/* ---- binding -------------------------------------------------------- */

struct binder {
	const struct table *t;
	struct buf unknown;	/* the list of unknown names, formatted */
	size_t nunknown;
	struct buf type;	/* the first type error */
	char **seen;		/* unknown names already listed */
	size_t nseen, seencap;
};

static void bind_node(struct binder *b, struct node *nd)
{
	const struct attr_col *col;
	int idx;

	if (nd->kind == N_AND || nd->kind == N_OR || nd->kind == N_NOT) {
		for (size_t i = 0; i < nd->nkids; i++)
			bind_node(b, nd->kids[i]);
		return;
	}
	idx = table_find_attr(b->t, nd->attr);
	nd->attr_idx = idx;
	if (idx < 0) {
		for (size_t i = 0; i < b->nseen; i++)
			if (!strcmp(b->seen[i], nd->attr))
				return;
		b->seen = xgrow(b->seen, &b->seencap, b->nseen + 1,
				sizeof(*b->seen));
		b->seen[b->nseen++] = nd->attr;
		if (b->nunknown)
			buf_adds(&b->unknown, ", ");
		buf_addch(&b->unknown, '"');
		add_snippet(&b->unknown, nd->attr, strlen(nd->attr));
		buf_addf(&b->unknown, "\" at position %zu", nd->pos);
		b->nunknown++;
		return;
	}
	if (nd->kind != N_CMP || nd->op == OP_EQ || nd->op == OP_NE ||
	    b->type.len)
		return;
	col = &b->t->attrs[idx];
	if (!col->numeric) {
		buf_addf(&b->type, "at position %zu: '%s' needs a numeric "
			 "attribute, but \"", nd->op_pos, op_text[nd->op]);
		add_snippet(&b->type, nd->attr, strlen(nd->attr));
		buf_adds(&b->type, "\" is not numeric");
	} else if (!nd->lits[0].is_num) {
		buf_addf(&b->type, "at position %zu: '%s' needs a number, got "
			 "the string '", nd->lits[0].pos, op_text[nd->op]);
		add_snippet(&b->type, nd->lits[0].text, nd->lits[0].len);
		buf_addch(&b->type, '\'');
	}
}

int predicate_bind(struct predicate *p, const struct table *t, struct buf *err)
{
	struct binder b;
	int ret = 0;

	memset(&b, 0, sizeof(b));
	b.t = t;
	buf_init(&b.unknown, 0);
	buf_init(&b.type, 0);
	p->bound = NULL;
	bind_node(&b, p->root);
	if (b.nunknown) {
		buf_addf(err, "unknown attribute%s %s", b.nunknown > 1 ? "s" : "",
			 b.unknown.s);
		ret = -1;
	} else if (b.type.len) {
		buf_add(err, b.type.s, b.type.len);
		ret = -1;
	} else {
		p->bound = t;
		p->bound_nattrs = t->nattrs;
		p->bound_nrows = t->nrows;
	}
	buf_release(&b.unknown);
	buf_release(&b.type);
	free(b.seen);
	return ret;
}

int predicate_compile(const char *s, size_t n, const struct table *t,
		      struct predicate **out, struct buf *err)
{
	if (predicate_parse(s, n, NULL, out, err))
		return -1;
	if (predicate_bind(*out, t, err)) {
		predicate_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- evaluation ----------------------------------------------------- */

static bool num_in(const double *sorted, size_t n, double x)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (sorted[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && sorted[lo] == x;
}

/* Per distinct value of the leaf's column: does it match?  (0 or 1.) */
static uint8_t *leaf_matches(const struct node *nd, const struct attr_col *col)
{
	uint32_t nv = col->dict.n;
	uint8_t *m = xcalloc(nv, 1);
	bool numeric = col->numeric;

	if (nd->kind == N_CMP && nd->op != OP_EQ && nd->op != OP_NE) {
		double x = nd->lits[0].num;

		for (uint32_t v = 0; v < nv; v++) {
			double y = col->num[v];

			switch (nd->op) {
			case OP_LT: m[v] = y < x; break;
			case OP_LE: m[v] = y <= x; break;
			case OP_GT: m[v] = y > x; break;
			default: m[v] = y >= x; break;
			}
		}
		return m;
	}

	/* '=', '!=', IN, NOT IN: equality with any literal, then negate. */
	{
		double *nums = xmalloc((nd->nlits ? nd->nlits : 1) *
				       sizeof(*nums));
		size_t nnum = 0;
		bool negate = nd->kind == N_IN ? nd->negated : nd->op == OP_NE;

		for (size_t i = 0; i < nd->nlits; i++) {
			const struct lit *l = &nd->lits[i];

			if (l->is_num && numeric) {
				nums[nnum++] = l->num;
			} else {
				int64_t code = strmap_find(&col->dict, l->text,
							   l->len);
				if (code >= 0)
					m[code] = 1;
			}
		}
		if (nnum) {
			qsort(nums, nnum, sizeof(*nums), cmp_double);
			for (uint32_t v = 0; v < nv; v++)
				if (!m[v] && num_in(nums, nnum, col->num[v]))
					m[v] = 1;
		}
		free(nums);
		if (negate)
			for (uint32_t v = 0; v < nv; v++)
				m[v] ^= 1;
	}
	return m;
}

static void eval_leaf(const struct node *nd, const struct table *t,
		      struct bitset *out)
{
	const struct attr_col *col = &t->attrs[nd->attr_idx];
	uint8_t *m = leaf_matches(nd, col);
	const uint32_t *codes = col->codes;
	size_t nrows = t->nrows, any = 0, all = 1;

	for (uint32_t v = 0; v < col->dict.n; v++) {
		any |= m[v];
		all &= m[v];
	}
	if (!any) {
		/* out is already clear */
	} else if (all) {
		bitset_fill(out);
	} else {
		for (size_t w = 0; w < out->nwords; w++) {
			size_t base = w * 64;
			size_t lim = nrows - base < 64 ? nrows - base : 64;
			const uint32_t *c = codes + base;
			uint64_t bits = 0;

			for (size_t j = 0; j < lim; j++)
				bits |= (uint64_t)m[c[j]] << j;
			out->w[w] = bits;
		}
	}
	free(m);
}

/* Evaluate nd into out, which the caller has reset to t->nrows, all clear. */
static void eval_node(const struct node *nd, const struct table *t,
		      struct bitset *out)
{
	struct bitset tmp;

	switch (nd->kind) {
	case N_CMP:
	case N_IN:
		eval_leaf(nd, t, out);
		return;
	case N_NOT:
		eval_node(nd->kids[0], t, out);
		bitset_not(out);
		return;
	case N_AND:
	case N_OR:
		eval_node(nd->kids[0], t, out);
		bitset_init(&tmp);
		for (size_t i = 1; i < nd->nkids; i++) {
			bitset_reset(&tmp, t->nrows);
			eval_node(nd->kids[i], t, &tmp);
			if (nd->kind == N_AND)
				bitset_and(out, &tmp);
			else
				bitset_or(out, &tmp);
		}
		bitset_release(&tmp);
		return;
	}
}

int predicate_eval(const struct predicate *p, const struct table *t,
		   struct bitset *out, struct buf *err)
{
	if (!p->bound || p->bound != t || p->bound_nattrs != t->nattrs) {
		buf_adds(err, "predicate is not bound to this table");
		return -1;
	}
	bitset_reset(out, t->nrows);
	eval_node(p->root, t, out);
	return 0;
}

/* ---- canonical text ------------------------------------------------- */

static void format_attr(const char *a, struct buf *out)
{
	size_t n = strlen(a);
	bool bare = n > 0 && is_ident_start((unsigned char)a[0]) &&
		    keyword(a, n) == T_IDENT;

	for (size_t i = 1; bare && i < n; i++)
		bare = is_ident_char((unsigned char)a[i]);
	if (bare) {
		buf_add(out, a, n);
		return;
	}
	buf_addch(out, '"');
	for (size_t i = 0; i < n; i++) {
		if (a[i] == '"')
			buf_addch(out, '"');
		buf_addch(out, a[i]);
	}
	buf_addch(out, '"');
}

static void format_lit(const struct lit *l, struct buf *out)
{
	if (l->is_num) {
		buf_add(out, l->text, l->len);
		return;
	}
	buf_addch(out, '\'');
	for (size_t i = 0; i < l->len; i++) {
		if (l->text[i] == '\'')
			buf_addch(out, '\'');
		buf_addch(out, l->text[i]);
	}
	buf_addch(out, '\'');
}

static void format_node(const struct node *nd, struct buf *out)
{
	switch (nd->kind) {
	case N_CMP:
		format_attr(nd->attr, out);
		buf_addf(out, " %s ", op_text[nd->op]);
		format_lit(&nd->lits[0], out);
		return;
	case N_IN:
		format_attr(nd->attr, out);
		buf_adds(out, nd->negated ? " NOT IN (" : " IN (");
		for (size_t i = 0; i < nd->nlits; i++) {
			if (i)
				buf_adds(out, ", ");
			format_lit(&nd->lits[i], out);
		}
		buf_addch(out, ')');
		return;
	case N_NOT: {
		const struct node *k = nd->kids[0];
		bool paren = k->kind == N_AND || k->kind == N_OR;

		buf_adds(out, paren ? "NOT (" : "NOT ");
		format_node(k, out);
		if (paren)
			buf_addch(out, ')');
		return;
	}
	case N_AND:
	case N_OR:
		for (size_t i = 0; i < nd->nkids; i++) {
			const struct node *k = nd->kids[i];
			bool paren = nd->kind == N_AND && k->kind == N_OR;

			if (i)
				buf_adds(out, nd->kind == N_AND ? " AND " :
					 " OR ");
			if (paren)
				buf_addch(out, '(');
			format_node(k, out);
			if (paren)
				buf_addch(out, ')');
		}
		return;
	}
}

void predicate_format(const struct predicate *p, struct buf *out)
{
	format_node(p->root, out);
}
