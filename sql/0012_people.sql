-- Finding a person among the contacts (docs/privacy.md): owners of devices
-- and members, by e-mail or phone whatever way the phone was typed.

-- A phone number's digits, last digit first: "06 12 34 56 78" and
-- "+33 6 12 34 56 78" both end in the national number 612345678, so a
-- number is found by the prefix of this column that its national number,
-- reversed, makes. "C" collation: a range on it is a range on bytes.
ALTER TABLE device_owners ADD COLUMN phone_rev text COLLATE "C"
  GENERATED ALWAYS AS (reverse(regexp_replace(phone, '[^0-9]', '', 'g'))) STORED;
ALTER TABLE member_contacts ADD COLUMN phone_rev text COLLATE "C"
  GENERATED ALWAYS AS (reverse(regexp_replace(phone, '[^0-9]', '', 'g'))) STORED;
CREATE INDEX device_owners_phone_rev ON device_owners (phone_rev) WHERE phone_rev <> '';
CREATE INDEX member_contacts_phone_rev ON member_contacts (phone_rev) WHERE phone_rev <> '';
CREATE INDEX device_owners_email ON device_owners (lower(email)) WHERE email IS NOT NULL;
CREATE INDEX member_contacts_email ON member_contacts (lower(email)) WHERE email IS NOT NULL;

-- The national significant number of a phone number, reversed (what
-- phone_rev begins with when it is that number), or NULL when it has
-- fewer than 6 digits: the digits without an international prefix ("+",
-- "00") followed by country (the programme's calling code, e.g. '33') and
-- without the national trunk zero. A number of another country keeps its
-- calling code, as it is stored.
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
  WITH seeds AS (
    SELECT o.device_id, NULL::bigint AS member_id, o.email, o.phone FROM device_owners o
    WHERE o.device_id = (SELECT id FROM devices WHERE code_body = p_device)
       OR lower(o.email) = lower(p_email)
       OR (o.phone_rev >= rl_phone_key(p_phone, p_country)
           AND o.phone_rev < rl_phone_key(p_phone, p_country) || ':')
    UNION
    SELECT NULL, c.member_id, c.email, c.phone FROM member_contacts c
    WHERE c.member_id = (SELECT id FROM members WHERE number_body = p_member)
       OR lower(c.email) = lower(p_email)
       OR (c.phone_rev >= rl_phone_key(p_phone, p_country)
           AND c.phone_rev < rl_phone_key(p_phone, p_country) || ':')
  ),
  keys AS (
    SELECT DISTINCT lower(email) AS email, rl_phone_key(phone, p_country) AS phone FROM seeds
  )
  SELECT device_id, member_id FROM seeds
  UNION
  SELECT o.device_id, NULL FROM device_owners o JOIN keys k
    ON lower(o.email) = k.email OR (o.phone_rev >= k.phone AND o.phone_rev < k.phone || ':')
  UNION
  SELECT NULL, c.member_id FROM member_contacts c JOIN keys k
    ON lower(c.email) = k.email OR (c.phone_rev >= k.phone AND c.phone_rev < k.phone || ':')
  UNION
  -- A device or a member named whose contact is already gone still has a
  -- record: the repairs of the device, the member's loans.
  SELECT d.id, NULL FROM devices d WHERE d.code_body = p_device AND d.kind = 'repair'
  UNION
  SELECT NULL, m.id FROM members m WHERE m.number_body = p_member
$$;
