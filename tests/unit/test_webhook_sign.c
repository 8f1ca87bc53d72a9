/* Webhook signatures and the address check (core/webhook_send.h): the
 * signature must be the one the Standard Webhooks specification's own
 * example gives, and a webhook must never reach a non-public address that
 * the settings do not allow. */
#include <criterion/criterion.h>
#include <string.h>

#include "core/error.h"
#include "core/netaddr.h"
#include "core/webhook_send.h"

/* The example of the specification's reference libraries. */
Test(webhook_sign, matches_the_specification_example)
{
  const char *body = "{\"test\": 2432232314}";
  char sig[64];
  cr_assert_eq(webhook_sign(sig, sizeof sig, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                            "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body, strlen(body)),
               RL_OK);
  cr_assert_str_eq(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

Test(webhook_sign, any_change_changes_it)
{
  const char *secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  char a[64], b[64], c[64];
  cr_assert_eq(webhook_sign(a, sizeof a, secret, "msg_1", 1700000000, "{}", 2), RL_OK);
  cr_assert_eq(webhook_sign(b, sizeof b, secret, "msg_1", 1700000001, "{}", 2), RL_OK);
  cr_assert_eq(webhook_sign(c, sizeof c, secret, "msg_2", 1700000000, "{}", 2), RL_OK);
  cr_assert_str_neq(a, b);
  cr_assert_str_neq(a, c);
}

Test(webhook_sign, refuses_secrets_not_of_the_form)
{
  char sig[64];
  const char *bad[] = {"", "whsec_", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_abc",
                       "whsec_!!!!!!!!"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    cr_expect_eq(webhook_sign(sig, sizeof sig, bad[i], "m", 1, "{}", 2), RL_EINVALID, "%s", bad[i]);
  /* Too small a buffer is refused, not overrun. */
  cr_expect_eq(webhook_sign(sig, 10, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "m", 1, "{}", 2),
               RL_EINVALID);
}

static int allowed(const char *text, const char *allow)
{
  struct rl_netaddr a;
  cr_assert_eq(rl_netaddr_parse(&a, text, strlen(text)), RL_OK, "%s", text);
  struct rl_cidrs blocks;
  char why[128];
  cr_assert_eq(rl_netaddr_cidrs_parse(&blocks, allow, why, sizeof why), RL_OK, "%s", why);
  return webhook_address_allowed(&a, &blocks);
}

Test(webhook_address, public_addresses_only)
{
  const char *refused[] = {"127.0.0.1",
                           "127.1.2.3",
                           "10.1.2.3",
                           "172.16.0.1",
                           "172.31.255.255",
                           "192.168.1.1",
                           "169.254.169.254",
                           "100.64.0.1",
                           "0.0.0.0",
                           "224.0.0.1",
                           "255.255.255.255",
                           "::1",
                           "::",
                           "fe80::1",
                           "fd00:ec2::254",
                           "fc00::1",
                           "::ffff:127.0.0.1",
                           "::ffff:10.0.0.1",
                           "64:ff9b::a00:1",
                           "ff02::1"};
  for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
    cr_expect(!allowed(refused[i], ""), "%s should be refused", refused[i]);
  const char *public_ones[] = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "2a00:1450:4007::1",
                               "2606:4700::1111"};
  for (size_t i = 0; i < sizeof public_ones / sizeof *public_ones; i++)
    cr_expect(allowed(public_ones[i], ""), "%s should be allowed", public_ones[i]);
}

Test(webhook_address, the_settings_open_blocks)
{
  cr_expect(allowed("127.0.0.1", "127.0.0.1/32"));
  cr_expect(!allowed("127.0.0.2", "127.0.0.1/32"));
  cr_expect(allowed("10.20.3.4", "10.20.0.0/16,::1"));
  cr_expect(allowed("::1", "10.20.0.0/16,::1"));
  cr_expect(!allowed("169.254.169.254", "10.20.0.0/16,::1"));
}
