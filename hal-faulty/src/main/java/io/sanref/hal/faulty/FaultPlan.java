package io.sanref.hal.faulty;

import io.sanref.spi.hal.HalConfig;

/**
 * Which faults to inject, how often, from which seed. Read from the HAL options ({@code faulty.seed},
 * {@code faulty.delay}, ...) or, failing that, system properties ({@code -Dsanref.faulty.seed=7}).
 *
 * @param seed                    every decision derives from it.
 * @param delay                   share of completions held back for up to {@code maxDelayPolls} polls.
 * @param reorder                 share of poll batches delivered in shuffled order (across endpoints and queues).
 * @param drop                    chance per post that the connection then fails under it (transport error, 10053).
 * @param crash                   chance per post that the peer then "crashes": a reset with no close (10054).
 * @param registrationFailure     chance that a memory registration fails (the provider answers WSAENOBUFS).
 * @param maxDelayPolls           longest hold, in polls; a held completion is also released when the HAL is idle.
 */
public record FaultPlan(
    long seed, double delay, double reorder, double drop, double crash, double registrationFailure, int maxDelayPolls)
{
    public FaultPlan
    {
        for (final double rate : new double[]{delay, reorder, drop, crash, registrationFailure})
        {
            if (rate < 0 || rate > 1)
            {
                throw new IllegalArgumentException("fault rates are between 0 and 1, got " + rate);
            }
        }
        if (maxDelayPolls < 1)
        {
            throw new IllegalArgumentException("faulty.maxDelayPolls must be at least 1");
        }
    }

    public static FaultPlan from(final HalConfig config)
    {
        return new FaultPlan(
            Long.parseLong(option(config, "seed", "1")),
            Double.parseDouble(option(config, "delay", "0.05")),
            Double.parseDouble(option(config, "reorder", "0.2")),
            Double.parseDouble(option(config, "drop", "0.0005")),
            Double.parseDouble(option(config, "crash", "0.0005")),
            Double.parseDouble(option(config, "regfail", "0.1")),
            Integer.parseInt(option(config, "maxDelayPolls", "8")));
    }

    private static String option(final HalConfig config, final String key, final String defaultValue)
    {
        return config.option("faulty." + key, System.getProperty("sanref.faulty." + key, defaultValue));
    }
}
