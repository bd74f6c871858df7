-- 0004_label_domains.sql - datasets declare the values their labels take.
--
-- A binary dataset used to take any label, so a typo such as "l" or "yes"
-- among 0/1 labels was stored and silently made the dataset multi-class.
-- Now a classification or score dataset declares its label domain when it
-- is created, and uploads are checked against it:
--   binary        labels = {positive, negative} (positive_label repeats
--                 labels[1] for v1 readers);
--   multi-class   labels = the classes, positive_label NULL.
-- labels is NULL for regression and asr, and for every dataset created
-- before this migration: those keep the v1 rule (any non-empty label; a
-- score dataset, its positive label and one other value).

ALTER TABLE datasets ADD COLUMN labels text[];
