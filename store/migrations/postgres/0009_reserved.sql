-- Version 9 is reserved for another branch of round 2; this no-op keeps the versions gapless
-- until that branch lands (the lead replaces this file with it when merging).
SELECT 1;
