package io.sanref.spi;

/**
 * A SAN socket address: a host name or literal and a port. Port 0 asks the HAL for an ephemeral port.
 *
 * @param host host name or address literal, never empty.
 * @param port 0..65535.
 */
public record SanAddress(String host, int port)
{
    public SanAddress
    {
        if (null == host || host.isBlank())
        {
            throw new IllegalArgumentException("address needs a host, e.g. 127.0.0.1:7010");
        }
        if (port < 0 || port > 65535)
        {
            throw new IllegalArgumentException("port out of range 0..65535: " + port);
        }
    }

    /**
     * Parse {@code HOST:PORT} (IPv6 literals in brackets: {@code [::1]:7010}).
     *
     * @param text the address as a user typed it.
     * @return the address.
     * @throws IllegalArgumentException with a message that says what is wrong.
     */
    public static SanAddress parse(final String text)
    {
        if (null == text)
        {
            throw new IllegalArgumentException("address is missing; expected HOST:PORT");
        }
        final int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1)
        {
            throw new IllegalArgumentException("not HOST:PORT: '" + text + "'");
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
            throw new IllegalArgumentException("port is not a number in '" + text + "'");
        }
        return new SanAddress(host, port);
    }

    public String toString()
    {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
