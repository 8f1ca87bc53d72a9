#!/usr/bin/python3
"""Checks a DCAT catalogue as a harvester reads it (rdflib, the Debian
package python3-rdflib, hence /usr/bin/python3): parses the document in
the given format (turtle or json-ld) and asks SPARQL for the catalogue,
its datasets and each distribution's download URL and media type.
Prints one line per distribution, "dataset<TAB>downloadURL<TAB>mediaType",
after a line "datasets N"; exits 1 on any failure.
Usage: dcat_check.py FORMAT < document"""
import sys

import rdflib

fmt = sys.argv[1]
g = rdflib.Graph()
g.parse(data=sys.stdin.read(), format=fmt)
PREFIXES = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX vcard: <http://www.w3.org/2006/vcard/ns#>
"""
catalogs = list(g.query(PREFIXES + "SELECT ?c WHERE { ?c a dcat:Catalog }"))
if len(catalogs) != 1:
    sys.exit("expected one dcat:Catalog, found %d" % len(catalogs))
datasets = list(g.query(PREFIXES + """
SELECT ?d ?title ?licence ?freq ?start ?end ?pub ?email WHERE {
  ?c a dcat:Catalog ; dcat:dataset ?d .
  ?d a dcat:Dataset ; dct:title ?title ; dct:license ?licence ;
     dct:accrualPeriodicity ?freq ; dct:modified ?mod ; dcat:keyword ?kw ;
     dct:temporal [ a dct:PeriodOfTime ; dcat:startDate ?start ; dcat:endDate ?end ] ;
     dct:publisher [ a foaf:Agent ; foaf:name ?pub ] ;
     dcat:contactPoint [ vcard:hasEmail ?email ] .
}"""))
names = sorted({str(r.d) for r in datasets})
print("datasets %d" % len(names))
rows = g.query(PREFIXES + """
SELECT ?d ?url ?media ?licence WHERE {
  ?d a dcat:Dataset ; dcat:distribution ?x .
  ?x a dcat:Distribution ; dcat:downloadURL ?url ; dcat:mediaType ?media ;
     dct:format ?format ; dct:license ?licence ; dct:modified ?mod .
}""")
n = 0
for r in rows:
    n += 1
    print("%s\t%s\t%s\t%s" % (r.d, r.url, r.media, r.licence))
if n == 0:
    sys.exit("no distribution")
credit = list(g.query(PREFIXES + """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?label WHERE { ?d dct:rights [ rdfs:label ?label ] ; dct:source ?src }"""))
for r in credit:
    print("credit\t%s" % r.label)
