/*
 * banned.h - functions that must not be used in fairaudit.
 *
 * Each of these either writes without a bound or fails silently on bad
 * input.  Use the buf_* helpers (common/buf.h) and the checked number
 * parsers (common/util.h) instead.  Included last by common/fa.h, so a use
 * anywhere in the tree is a compile error.
 */
#ifndef FA_BANNED_H
#define FA_BANNED_H

#define BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atof
#define atof(x) BANNED(atof)
#undef gets
#define gets(x) BANNED(gets)

#endif
