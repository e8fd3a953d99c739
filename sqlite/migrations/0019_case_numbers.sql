-- Cases get a number people can say and type (F-2026-000123): the year the
-- case was opened (in Paris) and its rank among that year's cases. Cases
-- from before are numbered in the order they were opened.
ALTER TABLE cases ADD COLUMN number TEXT NOT NULL DEFAULT '';
UPDATE cases SET number = (
    SELECT 'F-' || n.year || '-' || printf('%06d', n.rank)
    FROM (SELECT id,
                 strftime('%Y', created_at / 1000000, 'unixepoch', '+1 hour') AS year,
                 row_number() OVER (PARTITION BY strftime('%Y', created_at / 1000000, 'unixepoch', '+1 hour') ORDER BY created_at, id) AS rank
          FROM cases) AS n
    WHERE n.id = cases.id);
CREATE UNIQUE INDEX cases_number ON cases (number);
