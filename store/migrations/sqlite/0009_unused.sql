-- Version 9 was set aside for the event catalogue, which needed no schema change; this no-op
-- keeps the versions gapless.
SELECT 1;
