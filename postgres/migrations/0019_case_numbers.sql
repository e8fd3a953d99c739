-- Cases get a number people can say and type (F-2026-000123): the year the
-- case was opened (in Paris) and its rank among that year's cases. Cases
-- from before are numbered in the order they were opened.
ALTER TABLE cases ADD COLUMN number TEXT NOT NULL DEFAULT '';
UPDATE cases SET number = n.number
FROM (SELECT id,
             'F-' || extract(year FROM to_timestamp(created_at / 1000000.0) AT TIME ZONE 'Europe/Paris')::int || '-' ||
             lpad(row_number() OVER (PARTITION BY extract(year FROM to_timestamp(created_at / 1000000.0) AT TIME ZONE 'Europe/Paris')
                                     ORDER BY created_at, id)::text, 6, '0') AS number
      FROM cases) AS n
WHERE n.id = cases.id;
CREATE UNIQUE INDEX cases_number ON cases (number);
