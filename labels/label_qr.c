/*
 * labels/label_qr.c — QR symbols through libqrencode (thread-safe when, as
 * on Debian, it is built with pthread). Error correction M at least; Q when
 * the payload still fits the same symbol size, since it costs nothing then.
 */
#include <errno.h>

#include "label_internal.h"

int label_qr_encode(QRcode **out, const char *payload)
{
  *out = NULL;
  int rc = label_text_check_payload(payload);
  if (rc < 0)
    return rc;

  errno = 0;
  QRcode *m = QRcode_encodeString(payload, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  if (!m)
    return errno == ENOMEM ? LABEL_ENOMEM : LABEL_EQR;

  QRcode *q = QRcode_encodeString(payload, m->version, QR_ECLEVEL_Q, QR_MODE_8, 1);
  if (q && q->version == m->version) {
    QRcode_free(m);
    *out = q;
  } else {
    if (q)
      QRcode_free(q);
    *out = m;
  }
  return 0;
}
