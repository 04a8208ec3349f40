-- A sent outbox row keeps what went out, less the ID and mobile numbers it carried. They are
-- replaced inside JSON strings only: the same digits as a JSON number (an amount in an agency's
-- record details) stay, so the body stays valid JSON and marking it sent can never fail.
-- depends: s0002_outbox_vacuum

CREATE OR REPLACE FUNCTION outbox_scrubbed(body jsonb) RETURNS jsonb
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
  CASE jsonb_typeof(body)
    WHEN 'string' THEN
      RETURN to_jsonb(regexp_replace(
        body #>> '{}', '(?<![0-9A-Za-z])([0-9]{17}[0-9Xx]|1[3-9][0-9]{9})(?![0-9A-Za-z])', '[redacted]', 'g'
      ));
    WHEN 'object' THEN
      RETURN coalesce((SELECT jsonb_object_agg(key, outbox_scrubbed(value)) FROM jsonb_each(body)), '{}'::jsonb);
    WHEN 'array' THEN
      RETURN coalesce(
        (SELECT jsonb_agg(outbox_scrubbed(value) ORDER BY ordinality)
         FROM jsonb_array_elements(body) WITH ORDINALITY), '[]'::jsonb
      );
    ELSE
      RETURN body;
  END CASE;
END
$$;
