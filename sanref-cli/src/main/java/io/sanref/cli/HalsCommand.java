package io.sanref.cli;

import io.sanref.spi.hal.HalCapability;
import io.sanref.spi.hal.HalProvider;
import io.sanref.spi.hal.Hals;
import picocli.CommandLine.Command;

import java.util.TreeSet;
import java.util.concurrent.Callable;

/** {@code sanref hals}: what this build can run on, and why not. */
@Command(name = "hals", description = "List the HALs found on the class path, what each supports, and whether it can run here.")
final class HalsCommand implements Callable<Integer>
{
    public Integer call()
    {
        for (final HalProvider hal : Hals.all())
        {
            final TreeSet<String> caps = new TreeSet<>();
            for (final HalCapability c : hal.capabilities())
            {
                caps.add(c.name().toLowerCase().replace('_', '-'));
            }
            final String why = hal.unavailableReason();
            System.out.printf("%-10s %-36s %s%n", hal.name(), String.join(",", caps),
                null == why ? "available" : "unavailable: " + why);
            final String details = hal.details();
            if (!details.isEmpty())
            {
                System.out.printf("%-10s %s%n", "", details);
            }
        }
        for (final String decorator : Hals.decorators())
        {
            System.out.printf("%-10s decorator: --hal %s:NAME wraps any HAL above%n", decorator, decorator);
        }
        return Sanref.EXIT_PASS;
    }
}
