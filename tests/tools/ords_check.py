#!/usr/bin/python3
"""Reads an ORDS CSV on stdin as a strict consumer would: Python's csv
module in strict mode (a stray quote or a bad line end is an error), the
header exactly the 14 ORDS v0.3 columns in order, each row 14 fields,
CRLF line ends, and repair_status, barrier, country, dates and ages from
ORDS's lists and formats. Prints "rows N" then each row as JSON; exits 1
with the reason on the first failure."""
import csv
import io
import json
import re
import sys

COLUMNS = ["id", "data_provider", "country", "partner_product_category", "product_category",
           "product_category_id", "brand", "year_of_manufacture", "product_age", "repair_status",
           "repair_barrier_if_end_of_life", "group_identifier", "event_date", "problem"]
STATUSES = {"Fixed", "Repairable", "End of life", "Unknown"}
BARRIERS = {"", "Spare parts not available", "Spare parts too expensive",
            "No way to open the product", "Repair information not available",
            "Lack of equipment", "Item too worn out"}

raw = sys.stdin.buffer.read()
text = raw.decode("utf-8")
if not text.endswith("\r\n"):
    sys.exit("the last row does not end with CRLF")
rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
if rows[0] != COLUMNS:
    sys.exit("header is %r" % rows[0])
for r in rows[1:]:
    if len(r) != 14:
        sys.exit("row of %d fields: %r" % (len(r), r))
    rec = dict(zip(COLUMNS, r))
    if rec["country"] != "FRA":
        sys.exit("country %r" % rec["country"])
    if rec["repair_status"] not in STATUSES:
        sys.exit("repair_status %r" % rec["repair_status"])
    if rec["repair_barrier_if_end_of_life"] not in BARRIERS:
        sys.exit("barrier %r" % rec["repair_barrier_if_end_of_life"])
    if rec["repair_barrier_if_end_of_life"] and rec["repair_status"] != "End of life":
        sys.exit("barrier without End of life: %r" % r)
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", rec["event_date"]):
        sys.exit("event_date %r" % rec["event_date"])
    if not re.fullmatch(r"[a-z0-9]+-\d+", rec["id"]):
        sys.exit("id %r" % rec["id"])
    if rec["product_age"] and not re.fullmatch(r"\d+\.\d", rec["product_age"]):
        sys.exit("product_age %r" % rec["product_age"])
    if not 1 <= int(rec["product_category_id"]) <= 40:
        sys.exit("product_category_id %r" % rec["product_category_id"])
print("rows %d" % (len(rows) - 1))
for r in rows[1:]:
    print(json.dumps(dict(zip(COLUMNS, r)), ensure_ascii=False))
