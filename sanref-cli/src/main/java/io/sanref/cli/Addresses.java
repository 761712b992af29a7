package io.sanref.cli;

import io.sanref.spi.SanAddress;

/** Parses {@code HOST:PORT} (IPv6 as {@code [::1]:PORT}). */
final class Addresses
{
    private Addresses()
    {
    }

    static SanAddress parse(final String text, final String option)
    {
        final int colon = null == text ? -1 : text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException(option + " wants HOST:PORT, got '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]"))
        {
            host = host.substring(1, host.length() - 1);
        }
        final int port;
        try
        {
            port = Integer.parseInt(text.substring(colon + 1));
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(option + ": bad port in '" + text + "'");
        }
        if (port < 0 || port > 0xFFFF)
        {
            throw new IllegalArgumentException(option + ": port out of range in '" + text + "'");
        }
        return new SanAddress(host, port);
    }
}
