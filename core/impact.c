/* The avoided-impact arithmetic, kept in one function. */
#include "core/impact.h"

const struct rl_impact_factors rl_impact_default = {
    .version = "restart-2021-d0.5",
    .displacement = 0.5,
    .misc_powered = 32.06679233,
    .misc_unpowered = 17.70147059,
};

int rl_impact_of(const struct rl_impact_factors *f, const struct rl_impact_device *d,
                 double *waste_kg, double *co2e_kg)
{
  double weight = d->measured_kg >= 0 ? d->measured_kg : d->category_kg;
  *waste_kg = 0;
  *co2e_kg = 0;
  if (d->category_co2e >= 0) {
    *co2e_kg = d->category_co2e * f->displacement;
    if (weight >= 0)
      *waste_kg = weight;
    return weight >= 0 ? 0 : -1;
  }
  if (weight < 0)
    return -1;
  *waste_kg = weight;
  *co2e_kg = weight * (d->powered ? f->misc_powered : f->misc_unpowered) * f->displacement;
  return 0;
}
