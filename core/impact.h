/* Avoided waste and CO2e, by the Restart Project's published method
 * (docs/open-data.md): a saved device avoids its weight in waste (measured,
 * else its category's default) and a share (the displacement factor) of a
 * new one's manufacturing footprint; for Misc categories the footprint is
 * weight × an emission ratio. */
#ifndef RL_CORE_IMPACT_H
#define RL_CORE_IMPACT_H

struct rl_impact_factors {
  const char *version;   /* travels with every published figure */
  double displacement;   /* share of a new item's manufacture displaced */
  double misc_powered;   /* kg CO2e per kg, powered Misc items */
  double misc_unpowered; /* kg CO2e per kg, unpowered Misc items */
};

/* The factor set in force (Restart Project 2021 data, displacement 0.5). */
extern const struct rl_impact_factors rl_impact_default;

/* What the figures of one device are computed from. A negative value means
 * "not known". */
struct rl_impact_device {
  double measured_kg;   /* weight measured at intake, or < 0 */
  double category_kg;   /* the category's default weight, or < 0 */
  double category_co2e; /* the category's pre-use footprint, or < 0 (Misc) */
  int powered;
};

/* Writes the waste (kg) and CO2e (kg) that saving this device avoids.
 * Returns 0, or -1 when no weight is known and the footprint needs one (both
 * outputs are then 0). */
int rl_impact_of(const struct rl_impact_factors *f, const struct rl_impact_device *d,
                 double *waste_kg, double *co2e_kg);

#endif
