/*
 * predicate.h - the small, safe language that names a subgroup of rows.
 *
 * A bounty hunter names a group with text such as
 *
 *	accent IN ('scottish', 'welsh') AND age >= 60
 *	NOT (gender = 'f' OR "odd name" != 'x')
 *
 * Grammar (keywords case-insensitive; NOT binds tighter than AND, AND
 * tighter than OR; whitespace is space, tab, CR, LF):
 *
 *	expr     := and { OR and }
 *	and      := not { AND not }
 *	not      := NOT not | primary
 *	primary  := '(' expr ')' | cmp
 *	cmp      := attr op value | attr [NOT] IN '(' value { ',' value } ')'
 *	op       := '=' | '!=' | '<' | '<=' | '>' | '>='
 *	attr     := identifier [A-Za-z_][A-Za-z0-9_]* (not a keyword)
 *	          | '"' any text, "" for a quote '"'
 *	value    := '\'' any text, '' for a quote '\'' | number
 *	number   := [-] digits [. digits] [e [+-] digits]  (also .5, 5.)
 *
 * Text is parsed into a tree and never executed or turned into SQL.  Input
 * is bounded: at most max_bytes bytes of valid UTF-8, both as written and
 * in canonical form (predicate_format(), which callers store and parse
 * again), nesting ('(' and NOT) at most max_depth deep, IN lists at most
 * max_in values.  Breaking a limit is an ordinary error.  Error sentences
 * name the 1-based character (code point) position and what was expected,
 * e.g. "at position 17: expected a value after '=', got end of input".
 *
 * Semantics, fixed by predicate_bind() against a table:
 *   - every attribute must be a column of the table;
 *   - a number literal against a numeric column (attr_col.numeric) compares
 *     numerically with attr_col.num, so `age = 60` matches "60.0"; every
 *     other comparison is byte-exact on the text (a number literal against
 *     a non-numeric column compares its text as written);
 *   - '<', '<=', '>', '>=' need a numeric column and a number literal;
 *     anything else is a type error;
 *   - missing values are the empty string: they never satisfy an ordering
 *     comparison or a numeric '=', and '!=' / NOT IN are the exact negations
 *     of '=' / IN, so missing values do satisfy them.
 *
 * Evaluation compares each leaf once per distinct value of its column
 * (dictionary codes), then makes one pass over the rows' codes; AND, OR and
 * NOT are word-wise bitset operations.
 *
 * Ownership: predicate_parse() returns a tree the caller frees with
 * predicate_free().  A bound predicate remembers the table it was bound to
 * (not owning it) and evaluates only against that table.
 */
#ifndef FA_PREDICATE_H
#define FA_PREDICATE_H

#include "common/fa.h"
#include "common/buf.h"
#include "cohorts/table.h"
#include "cohorts/bitset.h"

#ifndef PREDICATE_MAX_BYTES
#define PREDICATE_MAX_BYTES 4096	/* bytes of predicate text */
#endif
#ifndef PREDICATE_MAX_DEPTH
#define PREDICATE_MAX_DEPTH 64		/* nested '(' and NOT */
#endif
#ifndef PREDICATE_MAX_IN
#define PREDICATE_MAX_IN 1000		/* values in one IN list */
#endif

struct predicate_limits {
	size_t max_bytes;
	size_t max_depth;
	size_t max_in;
};

/* The PREDICATE_MAX_* values. */
extern const struct predicate_limits predicate_default_limits;

struct predicate;

/*
 * Parse [s, s+n) into *out.  lim may be NULL for the defaults.  Returns 0,
 * or -1 with one sentence appended to err and *out left NULL.
 */
int predicate_parse(const char *s, size_t n, const struct predicate_limits *lim,
		    struct predicate **out, struct buf *err);

void predicate_free(struct predicate *p);

/*
 * Resolve attribute names against t and type-check every comparison.  All
 * unknown attributes are named in the one error sentence.  A predicate may
 * be bound again (to the same or another table); the last bind wins.
 * Returns 0, or -1 with err set (the predicate is then unbound).
 */
int predicate_bind(struct predicate *p, const struct table *t, struct buf *err);

/* predicate_parse() then predicate_bind(); *out is NULL on failure. */
int predicate_compile(const char *s, size_t n, const struct table *t,
		      struct predicate **out, struct buf *err);

/*
 * Set out to the rows of t that satisfy p (out is reset to t->nrows rows).
 * p must be bound to t; -1 with err set otherwise.
 */
int predicate_eval(const struct predicate *p, const struct table *t,
		   struct bitset *out, struct buf *err);

/*
 * Append the canonical text of p to out: keywords upper-case, one space
 * around operators, ", " in IN lists, attributes bare when they can be and
 * double-quoted otherwise, strings single-quoted, numbers as written,
 * nested AND/OR flattened and only the parentheses precedence needs.
 * Parsing the canonical text gives the same tree, so the canonical text is
 * a fixed point: format(parse(format(x))) == format(x).
 */
void predicate_format(const struct predicate *p, struct buf *out);

#endif
