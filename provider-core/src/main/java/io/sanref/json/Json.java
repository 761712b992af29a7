package io.sanref.json;

import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for summaries: objects keep insertion order, values are strings, numbers, booleans,
 * maps, lists, {@link Raw} fragments or null.
 */
public final class Json
{
    /** Already-encoded JSON, embedded as is. */
    public record Raw(String json)
    {
    }

    private Json()
    {
    }

    public static String write(final Object value)
    {
        final StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    private static void write(final StringBuilder sb, final Object value, final int indent)
    {
        if (null == value)
        {
            sb.append("null");
        }
        else if (value instanceof Raw)
        {
            sb.append(((Raw)value).json());
        }
        else if (value instanceof String)
        {
            quote(sb, (String)value);
        }
        else if (value instanceof Number || value instanceof Boolean)
        {
            sb.append(value);
        }
        else if (value instanceof Map)
        {
            final Map<?, ?> map = (Map<?, ?>)value;
            if (map.isEmpty())
            {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            int i = 0;
            for (final Map.Entry<?, ?> e : map.entrySet())
            {
                pad(sb, indent + 1);
                quote(sb, String.valueOf(e.getKey()));
                sb.append(": ");
                write(sb, e.getValue(), indent + 1);
                sb.append(++i < map.size() ? ",\n" : "\n");
            }
            pad(sb, indent);
            sb.append('}');
        }
        else if (value instanceof List)
        {
            final List<?> list = (List<?>)value;
            if (list.isEmpty())
            {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < list.size(); i++)
            {
                pad(sb, indent + 1);
                write(sb, list.get(i), indent + 1);
                sb.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            pad(sb, indent);
            sb.append(']');
        }
        else
        {
            quote(sb, value.toString());
        }
    }

    private static void pad(final StringBuilder sb, final int indent)
    {
        for (int i = 0; i < indent; i++)
        {
            sb.append("  ");
        }
    }

    private static void quote(final StringBuilder sb, final String s)
    {
        sb.append('"');
        for (int i = 0; i < s.length(); i++)
        {
            final char c = s.charAt(i);
            switch (c)
            {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                default:
                    if (c < 0x20)
                    {
                        sb.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }
}
