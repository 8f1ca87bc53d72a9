-- Finding a person among the contacts (docs/privacy.md): owners of devices
-- and members, by e-mail or phone whatever way the phone was typed.

-- A phone number's digits, last digit first (collation "C": compared as
-- bytes), indexed: a number is found by equality with the few ways its
-- national number can be written (rl_phone_forms).
ALTER TABLE device_owners ADD COLUMN phone_rev text COLLATE "C"
  GENERATED ALWAYS AS (reverse(regexp_replace(phone, '[^0-9]', '', 'g'))) STORED;
ALTER TABLE member_contacts ADD COLUMN phone_rev text COLLATE "C"
  GENERATED ALWAYS AS (reverse(regexp_replace(phone, '[^0-9]', '', 'g'))) STORED;
CREATE INDEX device_owners_phone_rev ON device_owners (phone_rev) WHERE phone_rev <> '';
CREATE INDEX member_contacts_phone_rev ON member_contacts (phone_rev) WHERE phone_rev <> '';
CREATE INDEX device_owners_email ON device_owners (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX member_contacts_email ON member_contacts (lower(email)) WHERE email IS NOT NULL;

-- The national significant number of a phone number, reversed, or NULL
-- when it has fewer than 6 digits: the digits without an international
-- prefix ("+", "00") followed by country (the programme's calling code,
-- e.g. '33') and without the national trunk zero. A number of another
-- country keeps its calling code, as it is stored.
CREATE FUNCTION rl_phone_key(phone text, country text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN length(n) >= 6 THEN reverse(n) END
  FROM (SELECT ltrim(CASE WHEN d LIKE '00' || country || '%' AND length(d) >= 10 + length(country)
                          THEN substr(d, 3 + length(country))
                          WHEN trim(phone) LIKE '+%' AND d LIKE country || '%'
                          THEN substr(d, 1 + length(country))
                          ELSE d END, '0') AS n
        FROM (SELECT regexp_replace(phone, '[^0-9]', '', 'g') AS d) digits) nsn
$$;

-- Every phone_rev a number with this key (rl_phone_key) can have: the
-- national number as typed at the desk, with its trunk zero, after the
-- calling code ("+33", "0033", "+33 (0)"), or a foreign number with "00".
-- A number is the same number only when the whole of it is: "06 12 34 56
-- 78" is not "+49 612345678", nor "12 34 56" part of "01 99 12 34 56".
CREATE FUNCTION rl_phone_forms(key text, country text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN key IS NOT NULL THEN
    ARRAY[key, key || '0', key || '00', key || reverse(country), key || reverse(country) || '00',
          key || '0' || reverse(country), key || '0' || reverse(country) || '00'] END
$$;

-- The contact records of one person, which an access export lists and an
-- erasure erases: those named (a device's owner by the device's code body,
-- a member by number body) or holding the e-mail or the phone given, and
-- then every record sharing an e-mail or a phone with those (the same
-- person at another visit). Names alone never join records: two people
-- may share one. Arguments left NULL name nothing.
CREATE FUNCTION person_records(p_device text, p_member text, p_email text, p_phone text,
                               p_country text)
RETURNS TABLE (device_id bigint, member_id bigint)
LANGUAGE sql STABLE AS $$
  WITH given AS (SELECT rl_phone_forms(rl_phone_key(p_phone, p_country), p_country) AS phones),
  seeds AS (
    SELECT o.device_id, NULL::bigint AS member_id, o.email, o.phone FROM device_owners o
    WHERE o.device_id = (SELECT id FROM devices WHERE code_body = p_device)
    UNION
    SELECT o.device_id, NULL, o.email, o.phone FROM device_owners o
    WHERE o.email IS NOT NULL AND lower(o.email) = lower(p_email)
    UNION
    SELECT o.device_id, NULL, o.email, o.phone FROM device_owners o, given g
    WHERE o.phone_rev <> '' AND o.phone_rev = ANY (g.phones)
    UNION
    SELECT NULL, c.member_id, c.email, c.phone FROM member_contacts c
    WHERE c.member_id = (SELECT id FROM members WHERE number_body = p_member)
    UNION
    SELECT NULL, c.member_id, c.email, c.phone FROM member_contacts c
    WHERE c.email IS NOT NULL AND lower(c.email) = lower(p_email)
    UNION
    SELECT NULL, c.member_id, c.email, c.phone FROM member_contacts c, given g
    WHERE c.phone_rev <> '' AND c.phone_rev = ANY (g.phones)
  ),
  -- One step further, by each e-mail and phone the seeds hold, each probe
  -- on its index.
  keys AS (
    SELECT DISTINCT lower(email) AS email,
           rl_phone_forms(rl_phone_key(phone, p_country), p_country) AS phones
    FROM seeds
  )
  SELECT device_id, member_id FROM seeds
  UNION
  SELECT x.device_id, NULL FROM keys k CROSS JOIN LATERAL (
    SELECT o.device_id FROM device_owners o
    WHERE k.email IS NOT NULL AND o.email IS NOT NULL AND lower(o.email) = k.email
    UNION
    SELECT o.device_id FROM device_owners o WHERE o.phone_rev <> '' AND o.phone_rev = ANY (k.phones)
  ) x
  UNION
  SELECT NULL, x.member_id FROM keys k CROSS JOIN LATERAL (
    SELECT c.member_id FROM member_contacts c
    WHERE k.email IS NOT NULL AND c.email IS NOT NULL AND lower(c.email) = k.email
    UNION
    SELECT c.member_id FROM member_contacts c WHERE c.phone_rev <> '' AND c.phone_rev = ANY (k.phones)
  ) x
  UNION
  -- A device or a member named whose contact is already gone still has a
  -- record: the repairs of the device, the member's loans.
  SELECT d.id, NULL FROM devices d WHERE d.code_body = p_device AND d.kind = 'repair'
  UNION
  SELECT NULL, m.id FROM members m WHERE m.number_body = p_member
$$;
