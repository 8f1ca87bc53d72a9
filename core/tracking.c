/* Public views and their wording. */
#include "core/tracking.h"

#include <string.h>

#include "core/code.h"
#include "core/error.h"
#include "core/store/store_tracking.h"

struct wording {
  const char *status;
  const char *label_fr, *label_en;
  const char *message_fr, *message_en;
};

static const struct wording wordings[] = {
    {"received", "Déposé", "Dropped off",
     "Votre appareil a bien été déposé. Il attend d'être examiné par un·e bénévole.",
     "Your device has been dropped off and is waiting for a volunteer to look at it."},
    {"diagnosing", "En diagnostic", "Being diagnosed",
     "Votre appareil est en cours de diagnostic : un·e bénévole cherche d'où vient la panne.",
     "Your device is being diagnosed: a volunteer is looking for the cause of the fault."},
    {"in_repair", "En réparation", "Being repaired", "Votre appareil est en cours de réparation.",
     "Your device is being repaired."},
    {"awaiting_parts", "En attente de pièce", "Waiting for a part",
     "Nous attendons une pièce détachée pour réparer votre appareil.",
     "We are waiting for a spare part to repair your device."},
    {"repaired", "Réparé", "Repaired",
     "Bonne nouvelle : votre appareil est réparé ! Venez le chercher aux heures d'ouverture.",
     "Good news: your device is repaired! Come and collect it during opening hours."},
    {"unrepairable", "Non réparable", "Cannot be repaired",
     "Malheureusement, votre appareil n'a pas pu être réparé. Venez le récupérer aux heures "
     "d'ouverture.",
     "Unfortunately your device could not be repaired. Come and collect it during opening "
     "hours."},
    {"returned", "Rendu", "Returned",
     "Votre appareil vous a été rendu. Merci d'avoir choisi la réparation !",
     "Your device has been returned to you. Thank you for choosing repair!"},
    {"available", "Disponible", "Available",
     "Cet appareil a été remis en état et attend une seconde vie.",
     "This device has been refurbished and is waiting for a second life."},
    {"on_loan", "Prêté", "On loan", "Cet appareil est prêté à un·e habitant·e.",
     "This device is on loan to a resident."},
    {"rehomed", "Donné", "Rehomed", "Cet appareil a trouvé une nouvelle maison.",
     "This device has found a new home."},
    {"harvested", "Démonté pour pièces", "Harvested for parts",
     "Cet appareil a été démonté : ses pièces serviront à d'autres réparations.",
     "This device was taken apart: its parts will serve other repairs."},
    {"recycled", "Recyclé", "Recycled",
     "L'appareil a été confié à une filière de recyclage agréée.",
     "The device was sent to an approved recycling channel."},
    {"lost", "Perdu", "Lost", "Cet appareil prêté n'a pas été rendu.",
     "This device was lent and not given back."},
};

static const struct wording *find(const char *status)
{
  for (size_t i = 0; i < sizeof wordings / sizeof wordings[0]; i++)
    if (status && strcmp(wordings[i].status, status) == 0)
      return &wordings[i];
  return &wordings[0];
}

const char *tracking_status_label(const char *status, enum rl_lang lang)
{
  const struct wording *w = find(status);
  return lang == RL_LANG_EN ? w->label_en : w->label_fr;
}

const char *tracking_status_message(const char *status, enum rl_lang lang)
{
  const struct wording *w = find(status);
  return lang == RL_LANG_EN ? w->message_en : w->message_fr;
}

int tracking_token_shaped(const char *t)
{
  size_t n = t ? strlen(t) : 0;
  if (n < 22 || n > 64)
    return 0;
  for (size_t i = 0; i < n; i++) {
    char c = t[i];
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
          c == '_'))
      return 0;
  }
  return 1;
}

int tracking_by_token(json_t **out, const char *token)
{
  if (!tracking_token_shaped(token))
    return RL_ENOTFOUND;
  int rc = store_tracking_by_token(out, token);
  if (rc == RL_OK) {
    const char *status = json_string_value(json_object_get(*out, "status"));
    json_object_set_new(*out, "message",
                        json_pack("{s:s s:s}", "fr", tracking_status_message(status, RL_LANG_FR),
                                  "en", tracking_status_message(status, RL_LANG_EN)));
  }
  return rc;
}

int tracking_by_code(json_t **out, const char *code)
{
  char body[RL_CODE_BODY_LEN + 1];
  if (rl_code_parse(body, code) != RL_CODE_OK)
    return RL_ENOTFOUND;
  return store_tracking_by_code(out, body);
}
