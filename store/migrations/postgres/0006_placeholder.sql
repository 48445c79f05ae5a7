-- Placeholder: version 0006 belongs to another branch (phones/events); the lead renumbers at merge. Intentionally empty.
SELECT 1;
