/* Avoided waste and CO2e against worked examples. */
#include <criterion/criterion.h>

#include "core/impact.h"

Test(impact, fixed_medium_laptop)
{
  struct rl_impact_device d = {-1, 1.83, 265.32, 1};
  double kg, co2e;
  cr_assert_eq(rl_impact_of(&rl_impact_default, &d, &kg, &co2e), 0);
  cr_assert_float_eq(kg, 1.83, 1e-9);
  cr_assert_float_eq(co2e, 132.66, 1e-9);
}

Test(impact, measured_weight_wins_but_footprint_is_the_category_s)
{
  struct rl_impact_device d = {2.5, 1.83, 265.32, 1};
  double kg, co2e;
  rl_impact_of(&rl_impact_default, &d, &kg, &co2e);
  cr_assert_float_eq(kg, 2.5, 1e-9);
  cr_assert_float_eq(co2e, 132.66, 1e-9);
}

Test(impact, misc_uses_weight_times_emission_ratio)
{
  struct rl_impact_device powered = {2.0, -1, -1, 1};
  struct rl_impact_device unpowered = {2.0, -1, -1, 0};
  double kg, co2e;
  cr_assert_eq(rl_impact_of(&rl_impact_default, &powered, &kg, &co2e), 0);
  cr_assert_float_eq(kg, 2.0, 1e-9);
  cr_assert_float_eq(co2e, 2.0 * 32.06679233 * 0.5, 1e-9);
  rl_impact_of(&rl_impact_default, &unpowered, &kg, &co2e);
  cr_assert_float_eq(co2e, 2.0 * 17.70147059 * 0.5, 1e-9);
}

Test(impact, misc_without_weight_cannot_be_counted)
{
  struct rl_impact_device d = {-1, -1, -1, 1};
  double kg = 7, co2e = 7;
  cr_assert_eq(rl_impact_of(&rl_impact_default, &d, &kg, &co2e), -1);
  cr_assert_float_eq(kg, 0, 1e-12);
  cr_assert_float_eq(co2e, 0, 1e-12);
}

Test(impact, displacement_factor_is_a_parameter)
{
  struct rl_impact_factors f = rl_impact_default;
  f.displacement = 1.0;
  struct rl_impact_device d = {-1, 0.15, 50.51, 1};
  double kg, co2e;
  rl_impact_of(&f, &d, &kg, &co2e);
  cr_assert_float_eq(kg, 0.15, 1e-9);
  cr_assert_float_eq(co2e, 50.51, 1e-9);
}
