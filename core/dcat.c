/* The DCAT catalogue (core/dcat.h). The model is built once as a list of
 * nodes and written either as JSON-LD (with a context, so that it reads
 * as plain JSON too) or as Turtle: both formats say the same triples. */
#include "core/dcat.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/opendata.h"

#define NS_DCAT "http://www.w3.org/ns/dcat#"
#define NS_DCT "http://purl.org/dc/terms/"
#define NS_FOAF "http://xmlns.com/foaf/0.1/"
#define NS_VCARD "http://www.w3.org/2006/vcard/ns#"
#define NS_XSD "http://www.w3.org/2001/XMLSchema#"
#define NS_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define IANA "https://www.iana.org/assignments/media-types/"
#define FILE_TYPE "http://publications.europa.eu/resource/authority/file-type/"

#define CREDIT                                                                                     \
  "Category weights and CO2e footprints: The Restart Project / Open Repair Alliance, 2021 LCA"     \
  " data, CC BY-SA 4.0"
#define RESTART_DATA "https://github.com/TheRestartProject/environmental-impact-data"
#define ORDS_STANDARD "https://standard.openrepair.org/"

struct dist {
  const char *path, *title, *media, *format;
};

struct dataset {
  const char *id, *title, *description, *licence;
  const char *const *keywords;
  const struct dcat_span *span;
  struct dist dists[2];
  int ndists;
  bool credit; /* the Restart Project's factors made it */
};

static const char *const impact_keywords[] = {"réparation", "repair café",         "déchets évités",
                                              "CO2e",       "économie circulaire", NULL};
static const char *const ords_keywords[] = {
    "réparation", "repair café", "ORDS", "Open Repair Data Standard", "open repair", NULL};

static int datasets(struct dataset *d, const struct dcat_info *info)
{
  d[0] = (struct dataset){
      "impact",
      "Déchets et CO2e évités par la réparation",
      "Appareils réparés, déchets évités (kg) et CO2e évité (kg) par mois, catégorie et site, "
      "selon la méthode du Restart Project; chaque chiffre porte la version de ses facteurs.",
      DCAT_LICENCE_ETALAB,
      impact_keywords,
      &info->impact,
      {{OD_PATH_IMPACT_JSON, "Chiffres d'impact (JSON)", "application/json", "JSON"},
       {OD_PATH_IMPACT_CSV, "Chiffres d'impact (CSV)", "text/csv", "CSV"}},
      2,
      true,
  };
  d[1] = (struct dataset){
      "ords",
      "Tentatives de réparation (Open Repair Data Standard v0.3)",
      "Une ligne par tentative de réparation, aux colonnes et valeurs de l'ORDS v0.3 de l'Open "
      "Repair Alliance; descriptions des pannes sans données personnelles.",
      DCAT_LICENCE_CC_BY_SA,
      ords_keywords,
      &info->ords,
      {{OD_PATH_ORDS_CSV, "Réparations ORDS v0.3 (CSV)", "text/csv", "CSV"}, {0}},
      1,
      false,
  };
  return 2;
}

/* ---- JSON-LD ---- */

static json_t *typed(const char *value, const char *type)
{
  return json_pack("{s:s s:s}", "@value", value, "@type", type);
}

static json_t *ref(const char *iri) { return json_pack("{s:s}", "@id", iri); }

static json_t *jsonld_dataset(const struct dataset *d, const struct dcat_info *info,
                              json_t *publisher, json_t *contact)
{
  char id[600];
  snprintf(id, sizeof id, "%s" OD_PATH_CATALOG "#%s", info->base_url, d->id);
  json_t *kw = json_array(), *dists = json_array();
  for (const char *const *k = d->keywords; *k; k++)
    json_array_append_new(kw, json_string(*k));
  for (int i = 0; i < d->ndists; i++) {
    const struct dist *x = &d->dists[i];
    char url[600], media[128], format[128], did[640];
    snprintf(url, sizeof url, "%s%s", info->base_url, x->path);
    snprintf(did, sizeof did, "%s-%d", id, i + 1);
    snprintf(media, sizeof media, IANA "%s", x->media);
    snprintf(format, sizeof format, FILE_TYPE "%s", x->format);
    json_t *dist = json_pack("{s:s s:s s:s s:o s:o s:o s:o s:o}", "@id", did, "@type",
                             "dcat:Distribution", "dct:title", x->title, "dcat:downloadURL",
                             ref(url), "dcat:accessURL", ref(url), "dcat:mediaType", ref(media),
                             "dct:format", ref(format), "dct:license", ref(d->licence));
    if (dist && d->span->modified[0])
      json_object_set_new(dist, "dct:modified", typed(d->span->modified, "xsd:dateTime"));
    json_array_append_new(dists, dist);
  }
  json_t *ds = json_pack("{s:s s:s s:s s:s s:o s:o s:o s:O s:O s:o}", "@id", id, "@type",
                         "dcat:Dataset", "dct:title", d->title, "dct:description", d->description,
                         "dcat:keyword", kw, "dct:license", ref(d->licence),
                         "dct:accrualPeriodicity", ref(DCAT_MONTHLY), "dct:publisher", publisher,
                         "dcat:contactPoint", contact, "dcat:distribution", dists);
  if (ds == NULL)
    return NULL;
  if (d->span->modified[0])
    json_object_set_new(ds, "dct:modified", typed(d->span->modified, "xsd:dateTime"));
  if (d->span->first[0] && d->span->last[0])
    json_object_set_new(ds, "dct:temporal",
                        json_pack("{s:s s:o s:o}", "@type", "dct:PeriodOfTime", "dcat:startDate",
                                  typed(d->span->first, "xsd:date"), "dcat:endDate",
                                  typed(d->span->last, "xsd:date")));
  if (d->credit) {
    json_object_set_new(ds, "dct:source", ref(RESTART_DATA));
    json_object_set_new(
        ds, "dct:rights",
        json_pack("{s:s s:s}", "@type", "dct:RightsStatement", "rdfs:label", CREDIT));
  } else {
    json_object_set_new(ds, "dct:conformsTo", ref(ORDS_STANDARD));
  }
  return ds;
}

static int write_jsonld(struct rl_buf *out, const struct dcat_info *info)
{
  char cat[600], pub[600], mail[260];
  snprintf(cat, sizeof cat, "%s" OD_PATH_CATALOG, info->base_url);
  snprintf(pub, sizeof pub, "%s" OD_PATH_CATALOG "#publisher", info->base_url);
  snprintf(mail, sizeof mail, "mailto:%s", info->contact_email);
  json_t *publisher =
      json_pack("{s:s s:s s:s}", "@id", pub, "@type", "foaf:Agent", "foaf:name", info->publisher);
  json_t *contact = json_pack("{s:s s:s s:o}", "@type", "vcard:Kind", "vcard:fn", info->publisher,
                              "vcard:hasEmail", ref(mail));
  struct dataset d[2];
  int n = datasets(d, info);
  json_t *list = json_array();
  for (int i = 0; i < n; i++)
    json_array_append_new(list, jsonld_dataset(&d[i], info, publisher, contact));
  json_t *doc = json_pack(
      "{s:{s:s s:s s:s s:s s:s s:s} s:s s:s s:s s:s s:O s:o s:o}", "@context", "dcat", NS_DCAT,
      "dct", NS_DCT, "foaf", NS_FOAF, "vcard", NS_VCARD, "xsd", NS_XSD, "rdfs", NS_RDFS, "@id", cat,
      "@type", "dcat:Catalog", "dct:title", "Données ouvertes du programme de réparation",
      "dct:description",
      "Chiffres d'impact et tentatives de réparation publiés par le programme de réparation.",
      "dct:publisher", publisher, "dct:language",
      ref("http://publications.europa.eu/resource/authority/language/FRA"), "dcat:dataset", list);
  json_decref(publisher);
  json_decref(contact);
  char *text = doc ? json_dumps(doc, JSON_INDENT(1)) : NULL;
  json_decref(doc);
  if (text == NULL)
    return RL_ENOMEM;
  rl_buf_add(out, text);
  rl_buf_add(out, "\n");
  free(text);
  return rl_buf_status(out);
}

/* ---- Turtle ---- */

static void ttl_string(struct rl_buf *b, const char *s)
{
  rl_buf_add(b, "\"");
  for (const char *p = s; *p; p++) {
    if (*p == '"' || *p == '\\') {
      char esc[3] = {'\\', *p, 0};
      rl_buf_add(b, esc);
    } else if (*p == '\n') {
      rl_buf_add(b, "\\n");
    } else if (*p == '\r') {
      rl_buf_add(b, "\\r");
    } else {
      rl_buf_add_len(b, p, 1);
    }
  }
  rl_buf_add(b, "\"");
}

static void ttl_dataset(struct rl_buf *b, const struct dataset *d, const struct dcat_info *info)
{
  const char *base = info->base_url;
  rl_buf_printf(b, "\n<%s" OD_PATH_CATALOG "#%s> a dcat:Dataset ;\n  dct:title ", base, d->id);
  ttl_string(b, d->title);
  rl_buf_add(b, " ;\n  dct:description ");
  ttl_string(b, d->description);
  rl_buf_add(b, " ;\n  dcat:keyword ");
  for (const char *const *k = d->keywords; *k; k++) {
    if (k != d->keywords)
      rl_buf_add(b, ", ");
    ttl_string(b, *k);
  }
  rl_buf_printf(b,
                " ;\n  dct:license <%s> ;\n  dct:accrualPeriodicity <" DCAT_MONTHLY
                "> ;\n  dct:publisher <%s" OD_PATH_CATALOG "#publisher> ;\n"
                "  dcat:contactPoint [ a vcard:Kind ; vcard:fn ",
                d->licence, base);
  ttl_string(b, info->publisher);
  rl_buf_printf(b, " ; vcard:hasEmail <mailto:%s> ] ;\n", info->contact_email);
  if (d->span->modified[0])
    rl_buf_printf(b, "  dct:modified \"%s\"^^xsd:dateTime ;\n", d->span->modified);
  if (d->span->first[0] && d->span->last[0])
    rl_buf_printf(b,
                  "  dct:temporal [ a dct:PeriodOfTime ; dcat:startDate \"%s\"^^xsd:date ;"
                  " dcat:endDate \"%s\"^^xsd:date ] ;\n",
                  d->span->first, d->span->last);
  if (d->credit) {
    rl_buf_add(b, "  dct:source <" RESTART_DATA "> ;\n"
                  "  dct:rights [ a dct:RightsStatement ; rdfs:label ");
    ttl_string(b, CREDIT);
    rl_buf_add(b, " ] ;\n");
  } else {
    rl_buf_add(b, "  dct:conformsTo <" ORDS_STANDARD "> ;\n");
  }
  for (int i = 0; i < d->ndists; i++) {
    const struct dist *x = &d->dists[i];
    rl_buf_printf(b, "  dcat:distribution [ a dcat:Distribution ;\n    dct:title ");
    ttl_string(b, x->title);
    rl_buf_printf(b,
                  " ;\n    dcat:downloadURL <%s%s> ;\n    dcat:accessURL <%s%s> ;\n"
                  "    dcat:mediaType <" IANA "%s> ;\n    dct:format <" FILE_TYPE "%s> ;\n"
                  "    dct:license <%s>",
                  base, x->path, base, x->path, x->media, x->format, d->licence);
    if (d->span->modified[0])
      rl_buf_printf(b, " ;\n    dct:modified \"%s\"^^xsd:dateTime", d->span->modified);
    rl_buf_add(b, i + 1 < d->ndists ? " ] ;\n" : " ] .\n");
  }
}

static int write_turtle(struct rl_buf *b, const struct dcat_info *info)
{
  const char *base = info->base_url;
  rl_buf_add(b, "@prefix dcat: <" NS_DCAT "> .\n@prefix dct: <" NS_DCT
                "> .\n@prefix foaf: <" NS_FOAF "> .\n@prefix vcard: <" NS_VCARD
                "> .\n@prefix xsd: <" NS_XSD "> .\n@prefix rdfs: <" NS_RDFS "> .\n\n");
  rl_buf_printf(b, "<%s" OD_PATH_CATALOG "#publisher> a foaf:Agent ;\n  foaf:name ", base);
  ttl_string(b, info->publisher);
  rl_buf_printf(b,
                " .\n\n<%s" OD_PATH_CATALOG "> a dcat:Catalog ;\n"
                "  dct:title \"Données ouvertes du programme de réparation\" ;\n"
                "  dct:description \"Chiffres d'impact et tentatives de réparation publiés par le "
                "programme de réparation.\" ;\n"
                "  dct:publisher <%s" OD_PATH_CATALOG "#publisher> ;\n"
                "  dct:language <http://publications.europa.eu/resource/authority/language/FRA> ;\n"
                "  dcat:dataset <%s" OD_PATH_CATALOG "#impact>, <%s" OD_PATH_CATALOG "#ords> .\n",
                base, base, base, base);
  struct dataset d[2];
  int n = datasets(d, info);
  for (int i = 0; i < n; i++)
    ttl_dataset(b, &d[i], info);
  return rl_buf_status(b);
}

int dcat_catalog(struct rl_buf *out, enum dcat_format f, const struct dcat_info *info)
{
  return f == DCAT_TURTLE ? write_turtle(out, info) : write_jsonld(out, info);
}
