-- Placeholder for the migration another branch adds as version 0002; dropped at merge (the lead
-- merges that branch's file in its place).
SELECT 1;
