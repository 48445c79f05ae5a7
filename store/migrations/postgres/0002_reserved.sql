-- Placeholder: version 2 is assigned to another branch. This file only keeps the versions
-- contiguous on this branch and is dropped when the branches are merged.
SELECT 1;
