/* The service's front door: the home page, the help page for residents
 * tracking a repair, the favicon and robots.txt. Static content from web/,
 * built into the binary; the pages in French or English. */

#include "api/page.h"
#include "api/routes.h"
#include "core/embedded.h"
#include "core/error.h"

/* Replies with web/<base>-fr.html or web/<base>-en.html: prose pages keep
 * one template per language, so that their text reads as written. */
static void static_page(struct rl_req *req, struct _u_response *res, const char *fr, const char *en)
{
  rl_reply_template(res, 200, rl_page_lang(req) == RL_LANG_EN ? en : fr, json_object(),
                    "public, max-age=300");
}

void h_home(struct rl_req *req, struct _u_response *res)
{
  static_page(req, res, "home-fr.html", "home-en.html");
}

void h_help_tracking(struct rl_req *req, struct _u_response *res)
{
  static_page(req, res, "help-tracking-fr.html", "help-tracking-en.html");
}

static void static_file(struct _u_response *res, const char *path, const char *type)
{
  const struct rl_embedded_file *f = rl_embedded_find(path);
  if (f == NULL) {
    rl_reply_error(res, RL_ENOTFOUND, NULL);
    return;
  }
  rl_reply_bytes(res, 200, type, f->data, f->len);
  u_map_put(res->map_header, "Cache-Control", "public, max-age=86400");
  u_map_put(res->map_header, "X-Content-Type-Options", "nosniff");
}

/* An SVG under the name browsers ask for by themselves: they read the
 * type, not the extension. */
void h_favicon(struct rl_req *req, struct _u_response *res)
{
  (void)req;
  static_file(res, "web/favicon.svg", "image/svg+xml");
}

void h_robots(struct rl_req *req, struct _u_response *res)
{
  (void)req;
  static_file(res, "web/robots.txt", "text/plain; charset=utf-8");
}
