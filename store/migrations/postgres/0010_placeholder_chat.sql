-- Placeholder on branch chat for a migration another branch owns (0010); dropped when merged.
SELECT 1;
