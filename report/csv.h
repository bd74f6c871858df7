/*
 * csv.h - the evaluation as CSV (`GET /v1/evaluations/{id}/report?format=csv`).
 *
 * One header line, then one record per cohort x metric, in the order of
 * the evaluation JSON (groupings, their cohorts, each cohort's metrics).
 * RFC 4180: records end in CRLF; a field is quoted when it contains a
 * comma, a double quote, CR or LF, or starts or ends with a space, and
 * quotes inside are doubled.  The file is UTF-8 without a byte-order mark.
 *
 * Columns:
 *   grouping     the grouping's attributes joined by " & "
 *   cohort       the cohort label, "attr = value" joined by " & "
 *   attributes   the cohort's attributes as a JSON object (exact values)
 *   n            cohort size
 *   too_small    true or false
 *   metric       metric key (fpr, wer, ...)
 *   value, low, high, reason                  the metric
 *   difference, diff_low, diff_high, ratio, ratio_low, ratio_high,
 *   p_value, p_adjusted, test, disparity_reason
 *                                             its disparity to the reference
 *   flagged      true or false
 *   direction, verdict, p_equivalence, p_equivalence_adjusted,
 *   verdict_reason                            which way and what the data
 *                                             says (evaluate/verdict.h)
 *   p_family, family                          the p-value in the family of
 *                                             the summary's claims, and
 *                                             which family (primary or
 *                                             secondary)
 * Numbers are printed with the fewest digits that read back to the same
 * double; a missing or null value is an empty field.
 *
 * Spreadsheet safety: a text field (never a number) that starts with =, +,
 * -, @, TAB or CR gets a leading apostrophe, so that a hostile attribute
 * value cannot become a formula when the file is opened in a spreadsheet.
 * The "attributes" column keeps the exact values.
 */
#ifndef FA_REPORT_CSV_H
#define FA_REPORT_CSV_H

#include "common/fa.h"
#include "common/buf.h"
#include <cjson/cJSON.h>

/*
 * Append the CSV of an evaluation (the JSON of API.md) to out.  Returns 0,
 * or -1 with a sentence in err when eval is not a JSON object or the output
 * does not fit under out's cap.
 */
int csv_render_evaluation(struct buf *out, const cJSON *eval,
			  struct buf *err);

/*
 * Append the CSV of a slice search (GET /v1/slices/{id}) to out: one
 * record per slice, best first: rank, slice ("attr = value" joined by
 * " & "), attributes (JSON), size, speakers, value, low, high, complement,
 * complement_low, complement_high, difference, diff_low, diff_high,
 * p_value, p_adjusted, significant, found_in_first_half, confirmed,
 * score.  0, or -1 with err set.
 */
int csv_render_slices(struct buf *out, const cJSON *job, struct buf *err);

/*
 * Append one field of n bytes, quoted when RFC 4180 needs it.  text marks
 * a text field, which gets the spreadsheet-formula guard described above.
 */
void csv_add_field(struct buf *out, const char *s, size_t n, bool text);
/*
 * Append one cell of a CSV meant for people whose cells may be numbers or
 * text (exports of stored rows): a cell that reads as a finite number is
 * written as it is, "-2.5" stays a number; any other cell is a text field
 * with the formula guard, as OWASP recommends for CSV injection.
 */
void csv_add_cell(struct buf *out, const char *s, size_t n);

#endif
