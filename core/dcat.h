/* The open-data catalogue in DCAT (W3C Data Catalog Vocabulary, as
 * data.gouv.fr's DCAT harvester reads it): one dcat:Catalog with the
 * impact figures and the ORDS repair records, each with its distributions.
 * Pure: the caller gathers the dates. */
#ifndef RL_CORE_DCAT_H
#define RL_CORE_DCAT_H

#include "core/buf.h"

enum dcat_format { DCAT_JSONLD, DCAT_TURTLE };

/* What the data says about one dataset; "" where unknown. */
struct dcat_span {
  char modified[32]; /* RFC 3339 date-time */
  char first[11];    /* YYYY-MM-DD: temporal coverage */
  char last[11];
};

struct dcat_info {
  const char *base_url; /* REPAIRD_PUBLIC_URL: downloads are absolute */
  const char *publisher;
  const char *contact_email;
  struct dcat_span impact;
  struct dcat_span ords;
};

#define DCAT_LICENCE_ETALAB "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
#define DCAT_LICENCE_CC_BY_SA "https://creativecommons.org/licenses/by-sa/4.0/"
#define DCAT_MONTHLY "http://publications.europa.eu/resource/authority/frequency/MONTHLY"

/* Appends the catalogue in format f to out. RL_OK or RL_ENOMEM. */
int dcat_catalog(struct rl_buf *out, enum dcat_format f, const struct dcat_info *info);

#endif
