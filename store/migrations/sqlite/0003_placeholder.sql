-- Placeholder for the migration another branch adds as version 0003; replaced by it at merge.
SELECT 1;
