package io.sanref.spi.hal;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Finds HALs on the class path by name ({@code --hal NAME} or {@code -Dsanref.hal=NAME}); a name with a prefix,
 * {@code DECORATOR:NAME}, wraps the HAL in a {@link HalDecorator}.
 */
public final class Hals
{
    public static final String PROPERTY = "sanref.hal";
    public static final String DEFAULT = "loopback";

    private Hals()
    {
    }

    /** @return every HAL on the class path, in name order. */
    public static List<HalProvider> all()
    {
        final List<HalProvider> hals = new ArrayList<>();
        ServiceLoader.load(HalProvider.class).forEach(hals::add);
        hals.sort((a, b) -> a.name().compareTo(b.name()));
        return hals;
    }

    /**
     * @param name a HAL name.
     * @return the HAL.
     * @throws IllegalArgumentException naming the HALs that are present.
     */
    public static HalProvider find(final String name)
    {
        if (null == name)
        {
            throw new IllegalArgumentException("no HAL name given");
        }
        final int colon = name.indexOf(':');
        if (colon > 0)
        {
            final String prefix = name.substring(0, colon);
            for (final HalDecorator decorator : ServiceLoader.load(HalDecorator.class))
            {
                if (decorator.name().equals(prefix))
                {
                    return decorator.wrap(find(name.substring(colon + 1)));
                }
            }
            final List<String> names = new ArrayList<>();
            ServiceLoader.load(HalDecorator.class).forEach((d) -> names.add(d.name()));
            throw new IllegalArgumentException("no HAL decorator named '" + prefix + "' on the class path; found " + names);
        }
        final List<HalProvider> hals = all();
        for (final HalProvider hal : hals)
        {
            if (hal.name().equals(name))
            {
                return hal;
            }
        }
        final List<String> names = new ArrayList<>();
        hals.forEach((h) -> names.add(h.name()));
        throw new IllegalArgumentException("no HAL named '" + name + "' on the class path; found " + names);
    }

    /** @return the names of the decorators on the class path, e.g. {@code faulty}. */
    public static List<String> decorators()
    {
        final List<String> names = new ArrayList<>();
        ServiceLoader.load(HalDecorator.class).forEach((d) -> names.add(d.name()));
        names.sort(String::compareTo);
        return names;
    }

    /** @return the HAL named by {@code -Dsanref.hal}, or {@code loopback}. */
    public static HalProvider fromSystemProperty()
    {
        return find(System.getProperty(PROPERTY, DEFAULT));
    }
}
