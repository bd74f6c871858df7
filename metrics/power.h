/*
 * power.h - power and sample size for comparing a cohort's rate with a
 * reference rate, as the evaluation tests it: the two-sided
 * two-proportion z-test at level alpha (pooled variance under the null,
 * unpooled under the alternative).
 *
 *   power_two_prop    the power to detect rates p1 and p2 with n1 and n2
 *                     examples;
 *   power_n_equal     examples per group (equal groups) for the given
 *                     power; the textbook formula (Fleiss, Levin & Paik,
 *                     Statistical Methods for Rates and Proportions, 3rd
 *                     ed., 2003, ch. 4), with or without its continuity
 *                     correction: 0.20 against 0.25 at alpha 0.05 and
 *                     power 0.8 needs 1,094 a group, 1,134 corrected;
 *   power_n1_for      a cohort's examples for the given power when the
 *                     reference keeps its n2 (INFINITY when no n1 will do);
 *   power_mdr         the smallest rate the cohort must have, above (up)
 *                     or below the reference rate p2, to be detected with
 *                     the given power: as a ratio p1 / p2 (NAN when none).
 *
 * Clustered data (speech: utterances of one speaker are alike) enter as a
 * design effect: deff = 1 + (m - 1) icc for m units a cluster and
 * intra-cluster correlation icc, and effective sizes n / deff.
 * Pure; nothing allocates.
 */
#ifndef FA_POWER_H
#define FA_POWER_H

#include "common/fa.h"

double power_two_prop(double p1, double p2, double n1, double n2,
		      double alpha);
double power_n_equal(double p1, double p2, double alpha, double power,
		     bool continuity);
double power_n1_for(double p1, double p2, double n2, double alpha,
		    double power);
double power_mdr(double p2, double n1, double n2, double alpha,
		 double power, bool up);
/* 1 + (m - 1) icc, at least 1. */
double power_deff(double m, double icc);

#endif
